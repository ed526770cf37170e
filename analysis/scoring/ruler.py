"""RULER's scoring rules, as in NVIDIA/RULER ``scripts/eval/synthetic/constants.py`` and ``evaluate.py``.

Per sample (the harness averages these over a task and multiplies by 100):

- ``string_match_all``: fraction of the references that occur in the prediction (case-insensitive
  substring); used for ``niah_*``, ``vt``, ``cwe``, ``fwe``.
- ``string_match_part``: 1 if any reference occurs in the prediction, else 0; used for ``qa_*``.
"""
from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f]")


def postprocess_pred(pred: str) -> str:
    """RULER ``evaluate.postprocess_pred``: strip, replace control characters by newlines, strip."""
    return _CONTROL.sub("\n", pred.strip()).strip()


def string_match_all(pred: str, refs: list[str]) -> float:
    """Per-sample ``string_match_all`` x 100 (0..100): share of ``refs`` found in ``pred``."""
    return sum(1.0 if r.lower() in pred.lower() else 0.0 for r in refs) / len(refs) * 100


def string_match_part(pred: str, refs: list[str]) -> float:
    """Per-sample ``string_match_part`` x 100 (0 or 100): any of ``refs`` found in ``pred``."""
    return max(1.0 if r.lower() in pred.lower() else 0.0 for r in refs) * 100


#: RULER task name prefix -> metric (synthetic.yaml maps each task to a category of constants.TASKS)
METRIC_BY_TASK = (("niah_", "string_match_all"), ("vt", "string_match_all"), ("cwe", "string_match_all"),
                  ("fwe", "string_match_all"), ("qa_", "string_match_part"))
METRICS = {"string_match_all": string_match_all, "string_match_part": string_match_part}


def metric_for_task(task: str) -> str | None:
    """The RULER metric of a task of the default ``synthetic`` benchmark, or None for other tasks."""
    for prefix, metric in METRIC_BY_TASK:
        if task == prefix or (prefix.endswith("_") and task.startswith(prefix)):
            return metric
    return None
