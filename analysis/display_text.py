"""Uploaded text made safe to display: bidirectional-override and other invisible control
characters are shown as visible ``<U+202E>`` marks instead of acting on the text around them.

A run label such as ``"gpt-4\\u202eblah"`` (U+202E RIGHT-TO-LEFT OVERRIDE) would otherwise be
drawn reversed after the mark, so one run could pose as another (Unicode Technical Report #36,
"Unicode Security Considerations", §2.4 Bidirectional text spoofing; the control list is the
Bidi_Control property of Unicode's PropList.txt).
"""
from __future__ import annotations

import re
from typing import Any, Iterable

import pandas as pd

#: Bidi_Control characters (PropList.txt): ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = re.compile(f"[{BIDI_CONTROLS}\u0000-\u0008\u000b-\u001f\u007f-\u009f]")


def display_text(value: Any) -> Any:
    """``value`` with every bidi control / C0-C1 control (tab and newline kept) written as ``<U+XXXX>``.

    Non-strings (numbers, None, NaN) are returned unchanged.
    """
    if not isinstance(value, str):
        return value
    return _INVISIBLE.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", value)


def display_frame(df: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy of ``df`` whose text ``columns`` (default: every object/string column) went through
    :func:`display_text`."""
    out = df.copy()
    for col in columns if columns is not None else out.columns:
        if col in out and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            out[col] = out[col].map(display_text)
    return out


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:&])")
_WWW = re.compile(r"(?i)\b(www)(?=\\\.)")


def markdown_literal(value: Any) -> str:
    """``value`` as text that Markdown (Streamlit's ``st.markdown`` / ``caption`` / ``metric`` labels /
    ``subheader`` / alerts) shows literally: every ASCII punctuation character Markdown or
    Streamlit gives a meaning to (emphasis, links, images, HTML, headings, lists, tables, math,
    ``:colour[...]`` / ``:material/...:`` directives) is backslash-escaped (CommonMark §2.4), after
    :func:`display_text`. ``**BOLD** ![x](http://h/b.png)`` stays those characters: no bold, no
    image, no request to ``h``. A zero-width space (U+200B) follows every ``:`` and precedes every
    ``@`` and the dot of ``www.``: Streamlit makes links of URLs and e-mail addresses and icons of
    ``:name:`` after escapes are resolved. Non-strings are formatted with ``str`` first.
    """
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", display_text(value if isinstance(value, str) else str(value)))
    # Streamlit turns URLs, e-mail addresses (GFM autolink literals), ``:emoji:`` and ``:material/...:``
    # into links and icons after escapes are resolved: a zero-width space (U+200B) breaks each pattern
    text = _WWW.sub("\\1\u200b", text.replace("\\:", "\\:\u200b").replace("@", "\u200b@"))
    return text


def html_literal(value: Any) -> str:
    """``value`` as text for Plotly's pseudo-HTML strings (hover text, trace names, tick labels,
    titles): ``&``, ``<`` and ``>`` become entities, so an uploaded ``<a href=...>`` or ``<b>`` is
    shown, not followed or rendered; after :func:`display_text`. Non-strings go through ``str``."""
    text = display_text(value if isinstance(value, str) else str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
