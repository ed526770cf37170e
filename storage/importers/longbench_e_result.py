"""F10: LongBench-E ``pred_e/<model>/result.json`` - per dataset, one 0-100 score per length bucket.

``{"hotpotqa": {"0-4k": 31.28, "4-8k": 25.31, "8k+": 22.36}, ...}`` as ``eval.py --e`` writes it;
buckets are by the ``length`` field in words (``< 4000``, ``< 8000``, else). An empty bucket is
written as a bare ``NaN`` (Python's ``json.dump``; not RFC JSON): no row is stored for it, with a
note. The prediction files of the folder (``longbench_pred``) join the same run; the result may be
older than them (a dataset file without a key here is normal, docs/result_formats.md §8). Forks that
write 0-1 are recognised from the values (``storage.scales.guess_fraction_or_percent``, per file).
"""
from __future__ import annotations

import json
import math
import re

from analysis.scoring.longbench import rule_for
from storage.importers.longbench_result import SCORER
from storage.importers.parsed import ParsedFile
from storage.importers.prediction_layout import model_from_folder, task_scores_frame
from storage.importers.source import SourceFile
from storage.scales import guess_rows

FORMAT = "longbench_e_result"
LABEL = "LongBench-E result.json with length buckets (THUDM/LongBench eval.py --e)"
PRIORITY = 20
#: the path contributes the model folder (and the file name the task; storage.identity)
PATH_FOLDERS = 2

BUCKET_RE = re.compile(r"^\d+-\d+k$|^\d+k\+$")


def detect(src: SourceFile) -> bool:
    """A JSON object whose values are objects keyed by buckets like ``0-4k`` / ``8k+``."""
    if src.suffix != ".json":
        return False
    try:
        obj = json.loads(src.head())
    except ValueError:
        return False
    return (isinstance(obj, dict) and bool(obj)
            and all(isinstance(v, dict) and v and all(BUCKET_RE.match(b) for b in v) for v in obj.values()))


def parse(src: SourceFile) -> list[ParsedFile]:
    """One task score per (dataset, bucket) with a number; NaN buckets are left out with a note.

    Raises:
        FormatError: a dataset whose value is not an object of buckets, a bucket not like ``0-4k`` /
            ``8k+``, or a score that is not a number (names dataset and bucket).
    """
    obj = src.json()
    if not isinstance(obj, dict) or not obj:
        raise src.error(None, "expected a JSON object mapping dataset -> {bucket: score}")
    rows, empty, notes = [], [], []
    for dataset, buckets in obj.items():
        if not isinstance(buckets, dict):
            raise src.error(f"dataset '{dataset}'", f"expected an object of length buckets, found {buckets!r:.60}")
        rule = rule_for(dataset)
        if rule is None:
            notes.append(f"dataset {dataset!r} is not a LongBench dataset: stored with metric 'score'")
        for bucket, value in buckets.items():
            where = f"dataset '{dataset}', bucket '{bucket}'"
            if not BUCKET_RE.match(bucket):
                raise src.error(where, "not a length bucket like '0-4k' or '8k+'")
            if value is None or (isinstance(value, float) and math.isnan(value)):
                empty.append(f"{dataset} {bucket}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise src.error(where, f"expected a number (0-100) or NaN, found {value!r:.60}")
            rows.append({"task": dataset, "length_label": bucket, "metric": rule or "score", "scale": "pct_0_100",
                         "value_raw": float(value),
                         "extra": {"source": "result.json as written by eval.py --e (rounded to 2 decimals)",
                                   "bucket": "length field in words: 0-4k < 4000 <= 4-8k < 8000 <= 8k+"}})
    if empty:
        notes.append(f"NaN (empty length bucket, no samples) for {', '.join(empty)}: no row stored")
    where = model_from_folder(src, "pred_e/<model>/result.json", ("pred_e",))
    scores = task_scores_frame(rows)
    guess = guess_rows(scores, "value_raw", "pct_0_100", f"{src.name} (all datasets and buckets)")
    return [ParsedFile(
        format=FORMAT,
        run_key=f"longbench_e:{src.folder}",
        benchmark="longbench_e",
        score_scale=guess.scale,
        scale_guesses=[guess],
        length_unit="words",
        model=where.model,
        model_source=where.source,
        evaluator=SCORER,
        config={"scorer_source": "THUDM/LongBench LongBench/eval.py (scorer_e) + metrics.py"},
        inferred=where.inferred,
        notes=where.notes + notes,
        task_scores=scores,
    )]
