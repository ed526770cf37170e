"""ContextCite (Cohen-Wang, Shah, Georgiev, Madry, NeurIPS 2024; ``MadryLab/context-cite``).

Random ablation masks keep each passage with probability 0.5 (seeded); for each mask the target is
the answer's logit-probability ``log p − log(1 − p)`` with ``log p = v(S)`` (``aggregate_logit_probs``
default); a Lasso (α = 0.01) on standardised masks is fitted to ``target / T`` (T answer tokens) and
the weights are rescaled back: ``w = coef / scale × T`` (``solver.py``). The score of passage i is
``w_i``, the predicted drop in logit-probability when i is removed.
"""
from __future__ import annotations

import math

import numpy as np

from analysis.probes.traceback.value import ValueFunction


def logit_prob(log_p: float) -> float:
    """``log p − log(1 − p)`` for a log-probability ``log_p ≤ 0`` (clamped just below p = 1)."""
    log_p = min(log_p, -1e-6)
    return log_p - math.log(-math.expm1(log_p))


def ablation_masks(n: int, n_ablations: int = 64, keep_prob: float = 0.5, seed: int = 0) -> np.ndarray:
    """``(n_ablations, n)`` boolean keep-masks, each entry True with probability ``keep_prob``."""
    rng = np.random.default_rng(seed)
    return rng.random((n_ablations, n)) < keep_prob


def context_cite(vf: ValueFunction, n_ablations: int = 64, keep_prob: float = 0.5, lasso_alpha: float = 0.01,
                 seed: int = 0) -> list[float]:
    """ContextCite scores per passage (logit-prob units). Cost: the distinct masks among
    ``n_ablations`` (memoised), each one forward pass.

    Raises:
        ValueError: fewer than 2 distinct masks (nothing to fit).
    """
    from sklearn.linear_model import Lasso
    from sklearn.preprocessing import StandardScaler

    masks = ablation_masks(vf.n, n_ablations, keep_prob, seed)
    if len({m.tobytes() for m in masks}) < 2:
        raise ValueError("ContextCite needs at least two distinct ablation masks")
    vals = vf.values([frozenset(np.flatnonzero(m).tolist()) for m in masks])
    t = len(vf.answer_ids)
    y = np.array([logit_prob(v) for v in vals]) / t
    scaler = StandardScaler()
    x = scaler.fit_transform(masks.astype(np.float64))
    lasso = Lasso(alpha=lasso_alpha, random_state=0, fit_intercept=True).fit(x, y)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    return (lasso.coef_ / scale * t).tolist()
