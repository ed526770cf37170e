"""CSV downloads are safe to open in a spreadsheet (OWASP CSV injection)."""
from __future__ import annotations

import csv
import io

import pandas as pd

from ui.downloads import to_csv


def test_formula_cells_are_prefixed_and_numbers_are_not():
    df = pd.DataFrame({"model": ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "ok", None],
                       "score": [-0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]})
    rows = list(csv.reader(io.StringIO(to_csv(df).decode("utf-8"), newline="")))
    back = pd.DataFrame(rows[1:], columns=rows[0])
    assert back["model"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\rx", "ok", ""]
    assert back["score"].tolist()[0] == "-0.5"  # a negative number stays a number (no quote)
    assert df["model"][0].startswith("=")  # the shown frame is not changed


def test_column_names_from_uploads_are_prefixed_too():
    assert to_csv(pd.DataFrame({"=cmd": [1]})).decode().splitlines()[0] == '"\'=cmd"'
