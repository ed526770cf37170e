"""Pivoted NIAH heatmap CSV: the depth x context-length table a heatmap is drawn from, saved with pandas.

gkamradt's ``viz/CreateVizFromLLMTesting.ipynb`` builds it as
``df.pivot_table(values="Score", index=["Document Depth", "Context Length"], aggfunc="mean")``
then ``.pivot(index="Document Depth", columns="Context Length", values="Score")``; ``to_csv()``
writes the index name in the first header cell::

    Document Depth,1000,2000        <- lengths in tokens
    0,10.0,7.0                      <- depth percent, then the mean score of each cell
    100,3.0,                        <- an empty cell = not tested (a gap, never a 0)

Older pandas put the column name first and the index name alone on a second line
(``Context Length,1000,2000`` / ``Document Depth,,``); the transposed table (lengths as rows) is
read too. With an empty first cell the axis holding values over 100 is the context length.

The file has no model name (the user names it) and no trial count: each cell becomes one trial
whose score is the cell mean. The scale is read from the value range (0-1 fraction, 1-10 judge,
0-100 percent); the preview says so and the user can change it.
"""
from __future__ import annotations

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

FORMAT = "niah_heatmap_pivot"
LABEL = "NIAH heatmap pivot CSV (depth x context length, pandas pivot)"
PRIORITY = 35

DEPTH, LENGTH = "Document Depth", "Context Length"


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def detect(src: SourceFile) -> bool:
    """CSV whose first header cell is ``Document Depth``, ``Context Length`` or empty, whose other
    header cells are numbers, and whose first data row starts with a number (or the index name)."""
    if src.suffix != ".csv":
        return False
    lines = src.head(65536).splitlines()
    if len(lines) < 2:
        return False
    header, second = lines[0].split(","), lines[1].split(",")
    if header[0].strip() not in (DEPTH, LENGTH, "") or len(header) < 2:
        return False
    if not all(_number(h) is not None for h in header[1:]):
        return False
    return _number(second[0]) is not None or second[0].strip() in (DEPTH, LENGTH)


def parse(src: SourceFile) -> list[ParsedFile]:
    """One run (model to be named), one trial per non-empty cell.

    Raises:
        FormatError: a header or row label that is not a number, a row longer than the header, a
            cell that is not a number, a depth outside 0-100, a length that is not a positive
            integer, axes that cannot be told apart, values on no known scale, or no value at all
            (names the line and column).
    """
    rows = [r for r in src.csv_rows() if any(c.strip() for c in r)]
    header = rows[0]
    row_name = header[0].strip()
    body = rows[1:]
    if body and _number(body[0][0]) is None and not any(c.strip() for c in body[0][1:]):
        # older pandas: column-axis name in the header, index name alone on the second line
        row_name = DEPTH if header[0].strip() == LENGTH else LENGTH if header[0].strip() == DEPTH else body[0][0].strip()
        body = body[1:]
    columns = []
    for j, label in enumerate(header[1:], start=2):
        value = _number(label)
        if value is None:
            raise src.error(f"line 1, column {j}", f"header {label!r:.40} is not a number")
        columns.append(value)
    keys = []
    for i, row in enumerate(body, start=len(rows) - len(body) + 1):
        key = _number(row[0])
        if key is None:
            raise src.error(f"line {i}, column 1", f"row label {row[0]!r:.40} is not a number")
        if len(row) > len(header):
            raise src.error(f"line {i}", f"{len(row)} cells but the header has {len(header)}")
        keys.append((i, key, row))
    if row_name not in (DEPTH, LENGTH):
        if max(columns) > 100 >= max(k for _, k, _ in keys):
            row_name = DEPTH
        elif max(k for _, k, _ in keys) > 100 >= max(columns):
            row_name = LENGTH
        else:
            raise src.error("line 1, column 1", f"no axis name: name the first cell {DEPTH!r} or {LENGTH!r}")
    records = []
    for i, key, row in keys:
        for j, (col, cell) in enumerate(zip(columns, row[1:]), start=2):
            if not cell.strip():
                continue
            value = _number(cell)
            if value is None:
                raise src.error(f"line {i}, column {j}", f"value {cell!r:.40} is not a number")
            depth, length = (key, col) if row_name == DEPTH else (col, key)
            if not 0 <= depth <= 100:
                raise src.error(f"line {i}, column {j}", f"depth {depth:g} is outside 0..100")
            if length <= 0 or length != int(length):
                raise src.error(f"line {i}, column {j}", f"context length {length:g} is not a positive integer")
            records.append({"context_length": int(length), "depth_percent": depth, "score_raw": value,
                            "source_file": src.name, "extra": {"cell_mean": True}})
    if not records:
        raise src.error(None, "no cell with a value")
    trials = pd.DataFrame(records)
    scale, why = _scale(src, trials["score_raw"])
    return [ParsedFile(
        format=FORMAT,
        run_key=f"{FORMAT}:{src.path}",
        benchmark="niah",
        score_scale=scale,
        length_unit="tokens",
        tokenizer="not recorded in the file",
        model=None,
        model_source=None,
        inferred={"model": "not in the file: name the model",
                  "axes": f"rows are {row_name.lower()}, columns the other axis",
                  "score scale": why},
        notes=["each cell is the mean score of its trials (the file does not say how many): stored as one trial per cell"],
        niah_trials=trials,
    )]


def _scale(src: SourceFile, values: pd.Series) -> tuple[str, str]:
    lo, hi = float(values.min()), float(values.max())
    if lo >= 0 and hi <= 1:
        return "frac_0_1", "fraction 0-1 (every cell is within 0..1; change it if the scores are 0/1 means of another scale)"
    if lo >= 1 and hi <= 10:
        return "judge_1_10", "judge 1-10 (cells within 1..10)"
    if lo >= 0 and hi <= 100:
        return "pct_0_100", "percent 0-100 (cells within 0..100)"
    raise src.error("values", f"cell values {lo:g}..{hi:g} fit no score scale (0-1, 1-10 or 0-100)")
