"""Table reader: Markdown and HTML tables to published numbers (analysis.result_tables)."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.result_tables import find_tables, parse_length, parse_number, suggest_mapping, to_published

MD = """# Title

## Scores

| Model | Input Length | 4K | 8K |
|---|---|---|---|
| **A-7B** | 8K | 90.5 | *80* |
| + yarn | 8K | 91.0 | - |
| B | 8K | <ins>70</ins> | 65.25 |

text
"""


def test_markdown_table_with_markup_and_setting_rows():
    (t,) = find_tables(MD)
    assert t.heading == "Scores" and list(t.frame.columns) == ["Model", "Input Length", "4K", "8K"]
    m = suggest_mapping(t.frame)
    assert m["role"].tolist() == ["model", "row_length", "length", "length"]
    rows, skipped = to_published(t.frame, m, "bench", "README")
    assert skipped == []
    got = {(r.model, None if pd.isna(r.setting) else r.setting, r.length_label): r.value for r in rows.itertuples()}
    assert got == {("A-7B", None, "4K"): 90.5, ("A-7B", None, "8K"): 80.0, ("A-7B", "yarn", "4K"): 91.0,
                   ("B", None, "4K"): 70.0, ("B", None, "8K"): 65.25}


def test_html_table_with_spans_and_broken_rows():
    html = """<table><tr><th rowspan="2">Model</th><th colspan="2">Length</th></tr>
    <tr><th>1024</th><th>2048</th></tr><tr><tr><td>X</td><td><b>1.5</b></td><td>2</td></tr></tr></table>"""
    (t,) = find_tables(html, markdown=False)
    assert list(t.frame.columns) == ["Model", "Length / 1024", "Length / 2048"]
    rows, _ = to_published(t.frame, suggest_mapping(t.frame), "b", "s", task="ppl")
    assert rows[["model", "task", "length_value", "value"]].values.tolist() == [["X", "ppl", 1024.0, 1.5], ["X", "ppl", 2048.0, 2.0]]


def test_mapping_errors_and_cell_parsing():
    (t,) = find_tables(MD)
    m = suggest_mapping(t.frame)
    with pytest.raises(ValueError, match="exactly one column must be the model column"):
        to_published(t.frame, m.assign(role=m["role"].replace("model", "ignore")), "b", "s")
    with pytest.raises(ValueError, match="unknown column role"):
        to_published(t.frame, m.assign(role="score"), "b", "s")
    assert parse_number("12.5%") == 12.5 and parse_number("—") is None and parse_number("70B") is None
    assert parse_length("32K") == ("32K", 32768.0) and parse_length("1M") == ("1M", 1048576.0)
    assert parse_length("7") is None and find_tables("no tables here") == []
