"""F9: LongBench v1 ``pred/<model>/result.json`` - one 0-100 score per dataset, as ``eval.py`` wrote it.

Several forks write 0-1 instead: the scale is decided per file from the values
(``storage.scales.guess_fraction_or_percent``) and shown, with the evidence, in the preview.

``{"hotpotqa": 27.56, "trec": 64.5, ...}`` (2 decimals, keys in ``os.listdir`` order). The model
is only in the folder name. The prediction files of the same folder (``longbench_pred``) join
the same run, so the scores as written sit next to the ones LongScope recomputes from them.
"""
from __future__ import annotations

import json
import math

from analysis.scoring.longbench import rule_for
from storage.importers.parsed import ParsedFile
from storage.importers.prediction_layout import model_from_folder, task_scores_frame
from storage.importers.source import SourceFile
from storage.scales import guess_rows

FORMAT = "longbench_result"
LABEL = "LongBench v1 result.json (THUDM/LongBench eval.py)"
PRIORITY = 20
#: the path contributes the model folder (and the file name the task; storage.identity)
PATH_FOLDERS = 2

#: what the run records about the rule behind the numbers
SCORER = "LongBench eval.py dataset2metric (metrics.py: qa_f1, rouge-L, classification, retrieval, count, code_sim)"


def _head_object(src: SourceFile) -> dict | None:
    try:
        obj = json.loads(src.head())
    except ValueError:
        return None
    return obj if isinstance(obj, dict) and obj else None


def detect(src: SourceFile) -> bool:
    """A JSON object of numbers with at least one LongBench dataset name as a key (docs/result_formats.md §16)."""
    if src.suffix != ".json":
        return False
    obj = _head_object(src)
    return (obj is not None
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in obj.values())
            and any(rule_for(k) for k in obj))


def parse(src: SourceFile) -> list[ParsedFile]:
    """One task score per dataset (metric = the dataset's LongBench rule, 0-100 as written).

    Raises:
        FormatError: not an object, or a value that is not a number (names the dataset).
    """
    obj = src.json()
    if not isinstance(obj, dict) or not obj:
        raise src.error(None, "expected a JSON object mapping dataset -> score")
    rows, notes, skipped = [], [], []
    for dataset, value in obj.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise src.error(f"dataset '{dataset}'", f"expected a number (0-100 or 0-1), found {value!r:.60}")
        if math.isnan(value):
            skipped.append(dataset)
            continue
        rule = rule_for(dataset)
        if rule is None:
            notes.append(f"dataset {dataset!r} is not a LongBench dataset: stored with metric 'score'")
        rows.append({"task": dataset, "metric": rule or "score", "scale": "pct_0_100", "value_raw": float(value),
                     "extra": {"source": "result.json as written by eval.py (rounded to 2 decimals)"}})
    if skipped:
        notes.append(f"NaN score (no samples) for {', '.join(skipped)}: no row stored")
    where = model_from_folder(src, "pred/<model>/result.json", ("pred",))
    scores = task_scores_frame(rows)
    guess = guess_rows(scores, "value_raw", "pct_0_100", f"{src.name} (all datasets)")
    return [ParsedFile(
        format=FORMAT,
        run_key=f"longbench:{src.folder}",
        benchmark="longbench",
        score_scale=guess.scale,
        scale_guesses=[guess],
        length_unit="words_or_characters",
        model=where.model,
        model_source=where.source,
        evaluator=SCORER,
        config={"scorer_source": "THUDM/LongBench LongBench/eval.py + metrics.py"},
        inferred=where.inferred,
        notes=where.notes + notes,
        task_scores=scores,
    )]
