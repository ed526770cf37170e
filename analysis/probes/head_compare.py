"""Summaries and comparisons of retrieval-head score maps (pure pandas/numpy/scipy, no torch).

Input frames have columns ``layer, head, score`` (0-based indices), as stored by
``storage.probes.head_scores`` or produced by ``HeadScores.frame()``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def score_matrix(df: pd.DataFrame) -> pd.DataFrame:
    """Layer × head matrix of scores (index = layer, columns = head), missing heads as NaN."""
    return df.pivot(index="layer", columns="head", values="score").sort_index().sort_index(axis=1)


def sparsity(df: pd.DataFrame, threshold: float = 0.1) -> dict:
    """Fraction of heads ≥ ``threshold`` (Wu et al. 2024 use 0.1), count, fraction of heads > 0, and
    the fraction of heads holding 50 % of the positive score mass (the multimodal retrieval-head
    paper's second sparsity number, arXiv 2605.27243)."""
    s = np.sort(df["score"].to_numpy(dtype=float))[::-1]
    n = len(s)
    pos = s[s > 0]
    half = int(np.searchsorted(np.cumsum(pos), pos.sum() / 2) + 1) if pos.size else 0
    return {"heads": n, "above": int((s >= threshold).sum()), "fraction_above": float((s >= threshold).mean()) if n else 0.0,
            "fraction_nonzero": float((s > 0).mean()) if n else 0.0, "fraction_half_mass": half / n if n else 0.0}


def compare(a: pd.DataFrame, b: pd.DataFrame, k: int = 20) -> dict:
    """Compare two score maps of the same shape.

    Returns:
        ``overlap`` (|top-k(a) ∩ top-k(b)|), ``jaccard`` of the top-k sets, ``spearman`` rank
        correlation over all heads, and ``diff`` (a layer × head matrix of b − a).

    Raises:
        ValueError: the maps have different layer × head shapes (different models).
    """
    from scipy.stats import spearmanr

    ma, mb = score_matrix(a), score_matrix(b)
    if ma.shape != mb.shape:
        raise ValueError(f"score maps differ in shape ({ma.shape[0]}×{ma.shape[1]} vs {mb.shape[0]}×{mb.shape[1]} "
                         "layers × heads): compare them side by side only")
    ta = set(a.nlargest(k, "score")[["layer", "head"]].itertuples(index=False, name=None))
    tb = set(b.nlargest(k, "score")[["layer", "head"]].itertuples(index=False, name=None))
    rho = spearmanr(ma.to_numpy().ravel(), mb.to_numpy().ravel()).statistic
    return {"overlap": len(ta & tb), "jaccard": len(ta & tb) / len(ta | tb) if ta | tb else 0.0,
            "spearman": float(rho), "diff": mb - ma, "k": k}
