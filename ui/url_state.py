"""Page state in the URL (``st.query_params``) so that a copied link reproduces the view.

Bind a widget to a query parameter in three steps::

    url_state.seed("threshold", 85.6, float)          # session state <- ?threshold=... (or the default)
    st.slider("Threshold", 0.0, 100.0, key="threshold")
    url_state.publish("threshold")                     # ?threshold=<current value>

Lists are written comma-separated (``?runs=3,7,12``), booleans as 1/0 (read them with
:func:`parse_bool`). A value that cannot be parsed, or list
items not among ``allowed``, fall back to the default / are dropped, so a stale link never breaks
a page. The widget must be created with ``key=`` and no ``value``/``default`` argument.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import streamlit as st


def read(key: str, default: Any = None, parse: Callable[[str], Any] = str) -> Any:
    """The parsed value of query parameter ``key`` (``default`` when absent or unparsable)."""
    raw = st.query_params.get(key)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except (TypeError, ValueError):
        return default


def read_list(key: str, default: Iterable = (), parse: Callable[[str], Any] = str,
              allowed: Iterable | None = None) -> list:
    """Comma-separated query parameter as a list, unparsable items and items not in ``allowed``
    dropped (``default`` when the parameter is absent)."""
    raw = st.query_params.get(key)
    if raw is None:
        items = list(default)
    else:
        items = []
        for part in str(raw).split(","):
            try:
                items.append(parse(part)) if part != "" else None
            except (TypeError, ValueError):
                continue
    if allowed is not None:
        ok = list(allowed)
        items = [i for i in items if i in ok]
    return items


def seed(key: str, default: Any = None, parse: Callable[[str], Any] = str, allowed: Iterable | None = None) -> Any:
    """Put the URL's value (or ``default``) into ``st.session_state[key]`` once per session,
    before the widget with that key is drawn. Returns the current value."""
    if key not in st.session_state:
        value = read(key, default, parse)
        if allowed is not None and value not in list(allowed):
            value = default
        st.session_state[key] = value
    return st.session_state[key]


def seed_list(key: str, default: Iterable = (), parse: Callable[[str], Any] = str,
              allowed: Iterable | None = None) -> list:
    """:func:`seed` for multiselects (values outside ``allowed`` are dropped)."""
    if key not in st.session_state:
        st.session_state[key] = read_list(key, default, parse, allowed)
    elif allowed is not None:
        ok, cur = list(allowed), st.session_state[key]
        cur = list(cur) if isinstance(cur, (list, tuple)) else [cur]
        kept = [v for v in cur if v in ok]
        # a selection made on another page that means nothing here falls back to the default
        st.session_state[key] = kept if kept or not cur else [v for v in default if v in ok]
    return st.session_state[key]


def publish(*keys: str) -> None:
    """Write the session-state values of ``keys`` to the URL (lists comma-joined; empty removed)."""
    for key in keys:
        value = st.session_state.get(key)
        if value is None or (isinstance(value, (list, tuple)) and not value) or value == "":
            if key in st.query_params:
                del st.query_params[key]
            continue
        text = ",".join(map(_fmt, value)) if isinstance(value, (list, tuple)) else _fmt(value)
        if st.query_params.get(key) != text:
            st.query_params[key] = text


def parse_bool(text: str) -> bool:
    """'1' / 'true' -> True, '0' / 'false' -> False (how :func:`publish` writes booleans)."""
    if text.lower() in ("1", "true"):
        return True
    if text.lower() in ("0", "false"):
        return False
    raise ValueError(text)


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        return str(int(v)) if abs(v) < 1e15 else str(v)
    return str(v)
