"""Uploaded names cannot spoof others with bidi controls (Unicode TR #36 §2.4)."""
from __future__ import annotations

import pandas as pd

from analysis.display_text import display_frame, display_text


def test_right_to_left_override_is_shown_not_applied():
    # 'gpt-4' + RLO + 'bad' would be drawn as 'gpt-4dab'
    assert display_text("gpt-4\u202ebad") == "gpt-4<U+202E>bad"
    assert display_text("a\u2066b\u2069\u200f") == "a<U+2066>b<U+2069><U+200F>"
    assert display_text("x\x00y\x1b") == "x<U+0000>y<U+001B>"


def test_ordinary_text_and_non_strings_are_unchanged():
    assert display_text("Llama-3.1 8B · עברית, 中文\n\tok") == "Llama-3.1 8B · עברית, 中文\n\tok"
    assert display_text(None) is None and display_text(3.5) == 3.5


def test_frames_clean_text_columns_only_and_leave_the_input_alone():
    df = pd.DataFrame({"label": ["m\u202e1", "m2"], "n": [1, 2]})
    out = display_frame(df)
    assert out["label"].tolist() == ["m<U+202E>1", "m2"] and out["n"].tolist() == [1, 2]
    assert df["label"][0] == "m\u202e1"


def test_markdown_literal_escapes_every_construct_uploaded_text_could_use():
    from analysis.display_text import markdown_literal

    out = markdown_literal("**B** ![x](http://h/b.png) <img> :red[r] a_b www.h.org me@h.org")
    assert out == ("\\*\\*B\\*\\* \\!\\[x\\]\\(http\\:\u200b//h/b\\.png\\) \\<img\\> \\:\u200bred\\[r\\] a\\_b "
                   "www\u200b\\.h\\.org me\u200b@h\\.org")
    assert markdown_literal("gpt-4\u202e") == "gpt\\-4\\<U\\+202E\\>"  # bidi controls made visible first
    assert markdown_literal(None) == "None" and markdown_literal(3.5) == "3\\.5"


def test_html_literal_escapes_plotly_pseudo_html():
    from analysis.display_text import html_literal

    assert html_literal('<a href="http://h">x</a> & <b>') == '&lt;a href="http://h"&gt;x&lt;/a&gt; &amp; &lt;b&gt;'
