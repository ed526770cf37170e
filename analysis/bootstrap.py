"""Bootstrap confidence intervals (scipy.stats.bootstrap, percentile method).

Scores are usually stored compressed as (value, count) histograms; :func:`expand` turns one back
into the observations. Fixed seed: the same data gives the same interval on every re-render.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

CONFIDENCE = 0.95
N_RESAMPLES = 999
SEED = 0


def expand(values, counts) -> np.ndarray:
    """Observations from a histogram: ``values`` repeated ``counts`` times, shape (sum(counts),)."""
    return np.repeat(np.asarray(values, dtype=float), np.asarray(counts, dtype=int))


def _mean_of_means(*samples, axis=-1):
    return np.mean([np.mean(s, axis=axis) for s in samples], axis=0)


def stratified_mean_ci(strata: list[np.ndarray], confidence: float = CONFIDENCE,
                       n_resamples: int = N_RESAMPLES) -> tuple[float, float, float]:
    """Mean of the strata means and its percentile bootstrap CI, resampling within each stratum.

    Args:
        strata: one 1-D array of observations per stratum (e.g. per task; one array when unstratified).

    Returns:
        (estimate, low, high); low/high are NaN when no stratum has two or more observations
        (nothing to resample) and equal the estimate when every observation is identical.
    """
    strata = [np.asarray(s, dtype=float) for s in strata if len(s)]
    if not strata:
        return (np.nan, np.nan, np.nan)
    est = float(_mean_of_means(*strata))
    if all(len(s) < 2 for s in strata):
        return (est, np.nan, np.nan)
    if all(np.ptp(s) == 0 for s in strata):
        return (est, est, est)
    varying = [s for s in strata if len(s) >= 2]
    fixed = [float(np.mean(s)) for s in strata if len(s) < 2]
    k = len(strata)

    def stat(*samples, axis=-1):
        return (np.sum([np.mean(s, axis=axis) for s in samples], axis=0) + sum(fixed)) / k

    res = stats.bootstrap(tuple(varying), stat, n_resamples=n_resamples, confidence_level=confidence,
                          method="percentile", vectorized=True, paired=False, rng=np.random.default_rng(SEED))
    return (est, float(res.confidence_interval.low), float(res.confidence_interval.high))


def diff_of_means_ci(a: np.ndarray, b: np.ndarray, confidence: float = CONFIDENCE,
                     n_resamples: int = N_RESAMPLES) -> tuple[float, float, float]:
    """mean(a) - mean(b) for two independent samples, with a percentile bootstrap CI that
    resamples each sample separately. Returns (estimate, low, high); NaN bounds when either
    sample has fewer than two observations."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if not len(a) or not len(b):
        return (np.nan, np.nan, np.nan)
    est = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return (est, np.nan, np.nan)
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return (est, est, est)
    res = stats.bootstrap((a, b), lambda x, y, axis=-1: np.mean(x, axis=axis) - np.mean(y, axis=axis),
                          n_resamples=n_resamples, confidence_level=confidence, method="percentile",
                          vectorized=True, paired=False, rng=np.random.default_rng(SEED))
    return (est, float(res.confidence_interval.low), float(res.confidence_interval.high))


def mean_ci_many(samples: list[np.ndarray], confidence: float = CONFIDENCE, n_resamples: int = N_RESAMPLES,
                 batch: int = 50) -> list[tuple[float, float, float]]:
    """(mean, low, high) for many independent samples at once: samples of equal size are stacked
    into one (m, n) array and bootstrapped in a single ``scipy.stats.bootstrap`` call along the
    last axis (each row gets its own percentile interval; rows share resampling indices, which
    leaves every row's interval a valid bootstrap interval). Same rules as
    :func:`stratified_mean_ci` for one stratum: NaN bounds below two observations."""
    out: list[tuple[float, float, float]] = [(np.nan, np.nan, np.nan)] * len(samples)
    by_size: dict[int, list[int]] = {}
    for i, s in enumerate(samples):
        by_size.setdefault(len(s), []).append(i)
    for n, idx in by_size.items():
        if n == 0:
            continue
        data = np.vstack([np.asarray(samples[i], dtype=float) for i in idx])
        means = data.mean(axis=1)
        if n < 2:
            out_rows = [(m, np.nan, np.nan) for m in means]
        else:
            res = stats.bootstrap((data,), np.mean, axis=-1, n_resamples=n_resamples, confidence_level=confidence,
                                  method="percentile", vectorized=True, batch=batch, rng=np.random.default_rng(SEED))
            lo, hi = np.atleast_1d(res.confidence_interval.low), np.atleast_1d(res.confidence_interval.high)
            const = np.ptp(data, axis=1) == 0
            out_rows = [(m, m, m) if c else (m, float(a), float(b)) for m, a, b, c in zip(means, lo, hi, const)]
        for i, r in zip(idx, out_rows):
            out[i] = (float(r[0]), float(r[1]), float(r[2]))
    return out
