"""Run-vs-run comparison: cell differences, paired per-item tests, config differences.

Paired tests (both two-sided):
* McNemar for 0/1 outcomes (McNemar 1947; Agresti, *Categorical Data Analysis*, §10.1): only the
  discordant pairs b (baseline right, candidate wrong) and c count. Exact p = binomial test of b
  out of b + c at 1/2 (scipy.stats.binomtest); chi-square = (|b - c| - 1)^2 / (b + c) with
  continuity correction (without: (b - c)^2 / (b + c)), 1 df.
* Wilcoxon signed-rank for graded scores (scipy.stats.wilcoxon on candidate - baseline; zero
  differences dropped, 'wilcox' zero method).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

CONFIG_FIELDS = {"scorer": ("evaluator", "scorer"), "scale": ("score_scale", "scale"),
                 "tokenizer": ("tokenizer", "tokenizer"), "chat template": (None, "chat_template"),
                 "length unit": ("length_unit", "length_unit"), "max length": (None, "max_length")}


def cell_diff(baseline: pd.DataFrame, candidate: pd.DataFrame) -> pd.DataFrame:
    """Cell-by-cell candidate - baseline.

    Args:
        baseline, candidate: ``storage.scores.run_cells`` frames (row, column, column_order,
            row_order, value, n).

    Returns:
        Outer join on (row, column) with baseline, candidate, diff (NaN unless both have the
        cell) and presence ('both' | 'only baseline' | 'only candidate'), sorted like the grid.
    """
    keys = ["row", "column"]
    m = baseline.merge(candidate, on=keys, how="outer", suffixes=("_b", "_c"), indicator=True)
    out = pd.DataFrame({
        "row": m["row"], "column": m["column"],
        "column_order": m["column_order_b"].fillna(m["column_order_c"]),
        "row_order": m["row_order_b"].fillna(m["row_order_c"]),
        "baseline": m["value_b"], "candidate": m["value_c"], "n_baseline": m["n_b"], "n_candidate": m["n_c"],
    })
    out["diff"] = out["candidate"] - out["baseline"]
    out["presence"] = m["_merge"].map({"both": "both", "left_only": "only baseline", "right_only": "only candidate"}).astype(str)
    return out.sort_values(["column_order", "row_order", "row"], ignore_index=True)


@dataclass(frozen=True)
class PairedTest:
    """Outcome of :func:`paired_test`. ``table`` holds the 2x2 counts for binary outcomes."""

    test: str
    statistic: float
    p_value: float
    n: int
    table: dict[str, int] | None = None
    note: str = ""


def is_binary(scores: pd.DataFrame) -> bool:
    """True when every baseline and candidate score is 0 or 1."""
    vals = pd.unique(scores[["baseline", "candidate"]].to_numpy().ravel())
    return bool(len(vals)) and set(np.round(vals.astype(float), 12)) <= {0.0, 1.0}


def outcome_table(pairs: pd.DataFrame) -> dict[str, int]:
    """2x2 counts of paired 0/1 outcomes: both right / only baseline / only candidate / both wrong."""
    b, c = pairs["baseline"] >= 0.5, pairs["candidate"] >= 0.5
    return {"both right": int((b & c).sum()), "only baseline right": int((b & ~c).sum()),
            "only candidate right": int((~b & c).sum()), "both wrong": int((~b & ~c).sum())}


def mcnemar(b: int, c: int, exact: bool = True, correction: bool = True) -> tuple[float, float]:
    """McNemar test from the discordant counts.

    Args:
        b: pairs right under baseline only; c: right under candidate only.
        exact: binomial test (statistic = min(b, c)); else chi-square with 1 df.
        correction: continuity correction for the chi-square form.

    Returns:
        (statistic, two-sided p). With b + c = 0 the p-value is 1.
    """
    n = b + c
    if n == 0:
        return (0.0, 1.0)
    if exact:
        return (float(min(b, c)), float(stats.binomtest(b, n, 0.5).pvalue))
    chi2 = (max(abs(b - c) - (1 if correction else 0), 0)) ** 2 / n
    return (float(chi2), float(stats.chi2.sf(chi2, 1)))


def paired_test(pairs: pd.DataFrame) -> PairedTest | None:
    """McNemar (exact) for 0/1 outcomes, Wilcoxon signed-rank for graded ones; None without pairs."""
    if pairs.empty:
        return None
    if is_binary(pairs):
        t = outcome_table(pairs)
        b, c = t["only baseline right"], t["only candidate right"]
        stat, p = mcnemar(b, c, exact=True)
        return PairedTest("McNemar (exact binomial)", stat, p, len(pairs), t,
                          f"{b + c} discordant pairs of {len(pairs)}")
    d = pairs["candidate"].to_numpy(float) - pairs["baseline"].to_numpy(float)
    if not np.any(d):
        return PairedTest("Wilcoxon signed-rank", 0.0, 1.0, len(pairs), note="all differences are 0")
    res = stats.wilcoxon(d)
    return PairedTest("Wilcoxon signed-rank", float(res.statistic), float(res.pvalue), len(pairs),
                      note=f"{int(np.count_nonzero(d))} non-zero differences of {len(pairs)}")


def config_differences(baseline: dict, candidate: dict) -> pd.DataFrame:
    """The configs of two runs side by side: the named fields first (scorer, scale, tokenizer,
    chat template, length unit, max length: how the numbers were produced, never pooled
    silently), then every other key of the runs' stored ``config``.

    Args:
        baseline, candidate: dicts with the run columns (evaluator, score_scale, tokenizer,
            length_unit), ``config`` (dict) and optionally ``scorers`` (per-sample rules).

    Returns:
        Columns field, baseline, candidate, differs (bool); values as text, '-' when absent.
    """
    def get(run: dict, column: str | None, key: str):
        cfg = run.get("config") or {}
        v = run.get(column) if column else None
        return v if v not in (None, "") and not (isinstance(v, float) and np.isnan(v)) else cfg.get(key)

    rows = []
    for name, (column, key) in CONFIG_FIELDS.items():
        a, b = get(baseline, column, key), get(candidate, column, key)
        if name == "scorer":
            a = _join(a, baseline.get("scorers"))
            b = _join(b, candidate.get("scorers"))
        rows.append((name, _text(a), _text(b)))
    skip = {k for _, k in CONFIG_FIELDS.values()} | {"inferred", "notes"}
    ca, cb = baseline.get("config") or {}, candidate.get("config") or {}
    for key in sorted((set(ca) | set(cb)) - skip):
        rows.append((key, _text(ca.get(key)), _text(cb.get(key))))
    df = pd.DataFrame(rows, columns=["field", "baseline", "candidate"])
    df["differs"] = df["baseline"] != df["candidate"]
    return df


def _join(value, scorers) -> str | None:
    parts = [str(value)] if value not in (None, "") else []
    parts += [s for s in (scorers or []) if s != "from the file"]
    return "; ".join(parts) or None


def _text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-"
    return str(v)
