"""F8: NVIDIA RULER ``pred/summary.csv`` (or ``summary-<task>.csv`` when one task was evaluated).

``evaluate.py`` writes ``pd.DataFrame(rows).to_csv(index=False)`` of a transposed table::

    0,1,2,...            <- pandas column numbers, not data (skipped)
    Tasks,niah_single_1,...
    Score,100.0,...      <- 0-100 (string_match_all / _part x 100, rounded to 2 decimals)
    Nulls,0/500,...      <- "<empty predictions>/<samples>"

Model, benchmark and sequence length exist only in the path (``ruler_layout``). A fork writing
0-1 scores is recognised from the values (``storage.scales.guess_fraction_or_percent``, per file).
"""
from __future__ import annotations

import re

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.ruler_layout import read_path, ruler_parsed
from analysis.scoring.ruler import metric_for_task
from storage.importers.source import SourceFile
from storage.scales import guess_rows

FORMAT = "ruler_summary"
LABEL = "RULER summary.csv (NVIDIA RULER evaluate.py)"
PRIORITY = 20
#: the path contributes model / benchmark / max_seq_length (storage.identity)
PATH_FOLDERS = 4

NAME_RE = re.compile(r"^summary(?:-(.+))?\.csv$")
NULLS_RE = re.compile(r"^(\d+)/(\d+)$")
ROWS = ("Tasks", "Score", "Nulls")
#: the 13 tasks of RULER's default ``synthetic`` benchmark (scripts/synthetic.yaml)
SYNTHETIC_TASKS = ("niah_single_1", "niah_single_2", "niah_single_3", "niah_multikey_1", "niah_multikey_2",
                   "niah_multikey_3", "niah_multivalue", "niah_multiquery", "vt", "cwe", "fwe", "qa_1", "qa_2")


def detect(src: SourceFile) -> bool:
    """A CSV whose 2nd line starts ``Tasks,`` and 3rd ``Score,`` (docs/result_formats.md §6)."""
    if src.suffix != ".csv":
        return False
    lines = src.head(4096).splitlines()
    return len(lines) >= 3 and lines[1].startswith("Tasks,") and lines[2].startswith("Score,")


def parse(src: SourceFile) -> list[ParsedFile]:
    """One task score per task: ``value_raw`` 0-100, ``n_samples`` from ``Nulls``' denominator.

    Raises:
        FormatError: a missing Tasks/Score/Nulls row, a header that is not pandas' column numbers,
            rows of different lengths, a non-numeric score or a ``Nulls`` cell not like ``3/500``
            (each names the line and task).
    """
    rows = src.csv_rows()
    header = rows[0] if rows else []
    if header != [str(i) for i in range(len(header))]:
        raise src.error("line 1", f"expected pandas' column numbers 0,1,...; found {','.join(header)[:60]!r}")
    found = {}
    for i, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if row[0] not in ROWS:
            raise src.error(f"line {i}", f"unexpected row {row[0]!r}; expected rows {', '.join(ROWS)}")
        if len(row) != len(header):
            raise src.error(f"line {i}", f"row '{row[0]}' has {len(row)} cells, the header {len(header)}")
        found[row[0]] = (i, row[1:])
    for name in ROWS:
        if name not in found:
            raise src.error(f"row '{name}'", "missing (a RULER summary has rows Tasks, Score and Nulls)")
    tasks = found["Tasks"][1]
    m = NAME_RE.match(src.name)
    if m and m.group(1) and tasks != [m.group(1)]:
        raise src.error("row 'Tasks'", f"file name names task {m.group(1)!r} but the row lists {tasks}")
    records = []
    for j, task in enumerate(tasks):
        score_line, scores = found["Score"]
        nulls_line, nulls = found["Nulls"]
        try:
            value = float(scores[j])
        except ValueError:
            raise src.error(f"line {score_line}, task '{task}'", f"score {scores[j]!r} is not a number") from None
        nm = NULLS_RE.match(nulls[j].strip())
        if not nm:
            raise src.error(f"line {nulls_line}, task '{task}'", f"Nulls {nulls[j]!r} is not '<empty>/<samples>'")
        empty, n = int(nm.group(1)), int(nm.group(2))
        records.append({"task": task, "metric": "score", "value_raw": value, "n_samples": n,
                        "extra": {"empty_predictions": empty, "nulls": nulls[j],
                                  "metric_fn": metric_for_task(task)}})
    where = read_path(src)
    missing = [t for t in SYNTHETIC_TASKS if t not in tasks]
    if where.benchmark == "synthetic" and missing:
        where.notes.append(
            f"{len(tasks)} of the {len(SYNTHETIC_TASKS)} default RULER tasks (missing: {', '.join(missing)}): "
            "a mean over these tasks is not comparable to RULER's published average")
    scores = pd.DataFrame(records).assign(
        length_value=where.seq_length,
        length_label=None if where.seq_length is None else str(where.seq_length),
    )
    guess = guess_rows(scores, "value_raw", "pct_0_100", f"{src.name} (Score row)")
    parsed = ruler_parsed(src, FORMAT, where, task_scores=scores)
    parsed.score_scale, parsed.scale_guesses = guess.scale, [guess]
    return [parsed]
