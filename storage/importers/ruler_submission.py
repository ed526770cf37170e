"""F8: NVIDIA RULER ``pred/submission.csv``: ``Task,ID,Prediction`` (quoted; predictions may span lines).

``ID`` is the haystack/sample id from ``others.id`` and is reused, so ``(Task, ID)`` is not unique
(536 duplicate pairs in the real file): row order within a task is the key. No references, so the
rows are stored as unscored samples (the scores are in ``summary.csv`` of the same folder).
"""
from __future__ import annotations

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.ruler_layout import read_path, ruler_parsed
from storage.importers.source import SourceFile

FORMAT = "ruler_submission"
LABEL = "RULER submission.csv (predictions, NVIDIA RULER evaluate.py)"
PRIORITY = 20
#: the path contributes model / benchmark / max_seq_length (storage.identity)
PATH_FOLDERS = 4

HEADER = ["Task", "ID", "Prediction"]


def detect(src: SourceFile) -> bool:
    """A CSV whose header is exactly ``Task,ID,Prediction``."""
    return src.suffix == ".csv" and src.head(256).splitlines()[:1] == [",".join(HEADER)]


def parse(src: SourceFile) -> list[ParsedFile]:
    """One sample per row; ``row_index`` counts rows of the same task from 0 in file order.

    Raises:
        FormatError: a header other than ``Task,ID,Prediction``, a row without 3 cells or with an
            empty task (names the CSV record number).
    """
    rows = src.csv_rows()
    if not rows or rows[0] != HEADER:
        raise src.error("line 1", f"expected header {','.join(HEADER)}")
    records = []
    for k, row in enumerate(rows[1:], start=1):
        if len(row) != 3:
            raise src.error(f"record {k}", f"expected 3 cells (Task, ID, Prediction), found {len(row)}")
        if not row[0]:
            raise src.error(f"record {k}", "empty Task")
        records.append(row)
    samples = pd.DataFrame(records, columns=["task", "sample_id", "prediction"])
    samples["row_index"] = samples.groupby("task", sort=False).cumcount()
    where = read_path(src)
    samples = samples.assign(length_value=where.seq_length,
                             length_label=None if where.seq_length is None else str(where.seq_length))
    parsed = ruler_parsed(src, FORMAT, where, samples=samples)
    parsed.notes.append("submission.csv: predictions only, no references (scores come from summary.csv)")
    return [parsed]
