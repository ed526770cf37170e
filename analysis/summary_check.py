"""Harness summary vs LongScope's recomputation from the same run's samples.

A RULER ``summary.csv`` (``scripts/eval/evaluate.py``) holds one score per task, rounded to 2
decimals on 0-100; the run's per-task prediction files (``pred/<task>.jsonl``) hold the samples that
score came from. When both are uploaded for one run, LongScope scores the samples with the
harness's own metric (``analysis.scoring.ruler``) and compares the two per task: beyond rounding
they should agree, so a difference means the summary and the predictions are not the same run
(or the harness's scoring changed), and the run is flagged.

Every page then uses the samples for that task (the recomputed number): Length degradation,
Effective length and the Published-number check show the same value.
"""
from __future__ import annotations

import pandas as pd

#: largest |summary - recomputed| on 0-100 that rounding to 2 decimals explains (0.005, plus float error)
ROUNDING_POINTS = 0.0051


def compare_summary(summary: pd.DataFrame, samples: pd.DataFrame, tolerance: float = ROUNDING_POINTS) -> pd.DataFrame:
    """Per task present in both: the summary's score and the mean of the samples' scores.

    Args:
        summary: columns task, value (0..1, the summary's score normalised).
        samples: columns task, score (0..1 per sample; NaN = unscored, left out).
        tolerance: largest difference in points on 0-100 that is not a disagreement.

    Returns:
        Columns task, summary (0-100), recomputed (0-100), n (scored samples), differs (bool:
        |summary - recomputed| > ``tolerance``), one row per shared task, in the summary's order.
    """
    s = samples.dropna(subset=["score"]).groupby("task", sort=False)["score"].agg(["mean", "size"])
    out = summary[summary["task"].isin(s.index)][["task", "value"]].drop_duplicates("task")
    out = pd.DataFrame({"task": out["task"].to_numpy(), "summary": out["value"].to_numpy() * 100})
    out["recomputed"] = out["task"].map(s["mean"]).to_numpy() * 100
    out["n"] = out["task"].map(s["size"]).astype(int)
    out["differs"] = (out["summary"] - out["recomputed"]).abs() > tolerance
    return out
