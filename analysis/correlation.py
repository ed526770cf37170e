"""Agreement between benchmarks: rank correlations across the models they share.

For every pair of columns of a models x benchmarks matrix: Spearman's rho and Kendall's tau-b
(scipy.stats.spearmanr / kendalltau) over the models scored on both (pairwise deletion), n, and a
95% CI by the Fisher z-transform with the Fieller, Hartley & Pearson (1957) variances
1.06 / (n - 3) for Spearman and 0.437 / (n - 4) for Kendall. Pairs with n below ``min_n`` are
reported with NaN statistics and ``enough = False`` (greyed out in the app).
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

MIN_N = 5
FISHER_VAR = {"spearman": (1.06, 3), "kendall": (0.437, 4)}


def model_matrix(task_means: pd.DataFrame, by: str = "benchmark") -> pd.DataFrame:
    """Models x columns matrix of mean 0..1 scores.

    Args:
        task_means: ``storage.task_scores.task_means`` frame (model, label, benchmark, task, value).
        by: 'benchmark' (mean over a benchmark's tasks, then over the model's runs) or 'task'
            (columns 'benchmark/task').

    Returns:
        DataFrame indexed by model (the run label when the model is unknown), one column per
        benchmark or task, NaN where a model has no score.
    """
    df = task_means.assign(model=task_means["model"].fillna(task_means["label"]))
    if df.empty:
        return pd.DataFrame()
    if by == "task":
        df = df.assign(column=df["benchmark"] + "/" + df["task"].astype(str))
        per_run = df.groupby(["model", "run_id", "column"], as_index=False)["value"].mean()
    else:
        per_run = df.groupby(["model", "run_id", "benchmark"], as_index=False)["value"].mean().rename(
            columns={"benchmark": "column"})
    out = per_run.groupby(["model", "column"])["value"].mean().unstack("column")
    out.columns.name = None
    return out.sort_index()


def fisher_ci(r: float, n: int, method: str, confidence: float = 0.95) -> tuple[float, float]:
    """CI of a rank correlation by the Fisher z-transform (variance per :data:`FISHER_VAR`).

    Returns (low, high); NaN when n is too small for the variance (n <= 3 Spearman, n <= 4 Kendall)
    or r is NaN. |r| = 1 gives (r, r).
    """
    c, k = FISHER_VAR[method]
    if np.isnan(r) or n <= k:
        return (np.nan, np.nan)
    if abs(r) >= 1:
        return (float(r), float(r))
    z, se = np.arctanh(r), np.sqrt(c / (n - k))
    q = stats.norm.ppf(0.5 + confidence / 2)
    return (float(np.tanh(z - q * se)), float(np.tanh(z + q * se)))


def pairwise(matrix: pd.DataFrame, min_n: int = MIN_N, confidence: float = 0.95) -> pd.DataFrame:
    """Spearman and Kendall for every pair of columns over their shared rows.

    Returns:
        One row per unordered pair (a, b): n, spearman, spearman_p, spearman_low, spearman_high,
        kendall, kendall_p, kendall_low, kendall_high, enough (n >= min_n); statistics NaN when
        not enough or when a column is constant over the shared rows.
    """
    rows = []
    for a, b in itertools.combinations(matrix.columns, 2):
        pair = matrix[[a, b]].dropna()
        n = len(pair)
        row = {"a": a, "b": b, "n": n, "enough": n >= min_n}
        for method, fn in (("spearman", stats.spearmanr), ("kendall", stats.kendalltau)):
            if n >= min_n and pair[a].nunique() > 1 and pair[b].nunique() > 1:
                res = fn(pair[a], pair[b])
                r, p = float(res.statistic), float(res.pvalue)
            else:
                r, p = np.nan, np.nan
            low, high = fisher_ci(r, n, method, confidence)
            row.update({method: r, f"{method}_p": p, f"{method}_low": low, f"{method}_high": high})
        rows.append(row)
    cols = ["a", "b", "n", "enough"] + [f"{m}{s}" for m in ("spearman", "kendall") for s in ("", "_p", "_low", "_high")]
    return pd.DataFrame(rows, columns=cols)
