"""Rank correlations between benchmarks against scipy and hand values; Fisher-z CIs by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.correlation import fisher_ci, model_matrix, pairwise

M = pd.DataFrame(
    {"A": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, np.nan],
     "B": [0.85, 0.9, 0.6, 0.65, 0.3, 0.2, 0.1],
     "C": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
     "D": [0.5, np.nan, np.nan, np.nan, 0.2, np.nan, 0.9]},
    index=list("mnopqrs"))


def test_pairs_match_scipy_on_shared_models():
    res = pairwise(M, min_n=5).set_index(["a", "b"])
    ab = res.loc[("A", "B")]
    shared = M[["A", "B"]].dropna()
    assert ab["n"] == 6
    assert ab["spearman"] == pytest.approx(stats.spearmanr(shared["A"], shared["B"]).statistic)
    assert ab["kendall"] == pytest.approx(stats.kendalltau(shared["A"], shared["B"]).statistic)
    # by hand: ranks A = 6 5 4 3 2 1, B = 5 6 3 4 2 1 -> d^2 = 1+1+1+1 = 4; rho = 1 - 6*4/(6*35)
    assert ab["spearman"] == pytest.approx(1 - 24 / 210)
    # 15 pairs, 2 discordant: tau = (13 - 2) / 15
    assert ab["kendall"] == pytest.approx(11 / 15)
    assert res.loc[("A", "C")]["spearman"] == pytest.approx(-1.0)
    ad = res.loc[("A", "D")]
    assert ad["n"] == 2 and not ad["enough"] and np.isnan(ad["spearman"])


def test_fisher_ci_by_hand():
    r, n = 0.6, 20
    z, se = np.arctanh(0.6), np.sqrt(1.06 / 17)
    assert fisher_ci(r, n, "spearman") == pytest.approx((np.tanh(z - 1.959964 * se), np.tanh(z + 1.959964 * se)), abs=1e-6)
    lo, hi = fisher_ci(0.5, 10, "kendall")
    se_k = np.sqrt(0.437 / 6)
    assert (lo, hi) == pytest.approx((np.tanh(np.arctanh(0.5) - 1.959964 * se_k), np.tanh(np.arctanh(0.5) + 1.959964 * se_k)), abs=1e-6)
    assert np.isnan(fisher_ci(0.5, 4, "kendall")[0])


def test_model_matrix_averages_runs_and_tasks():
    tm = pd.DataFrame([
        {"run_id": 1, "model": "m1", "label": "x", "benchmark": "ruler", "task": "a", "value": 0.8, "n": 1},
        {"run_id": 1, "model": "m1", "label": "x", "benchmark": "ruler", "task": "b", "value": 0.6, "n": 1},
        {"run_id": 2, "model": "m1", "label": "y", "benchmark": "ruler", "task": "a", "value": 0.4, "n": 1},
        {"run_id": 3, "model": None, "label": "anon", "benchmark": "niah", "task": "niah", "value": 0.9, "n": 10},
    ])
    mat = model_matrix(tm)
    assert mat.loc["m1", "ruler"] == pytest.approx((0.7 + 0.4) / 2)  # run means, then mean of runs
    assert mat.loc["anon", "niah"] == 0.9 and np.isnan(mat.loc["m1", "niah"])
    assert model_matrix(tm, by="task").loc["m1", "ruler/a"] == pytest.approx(0.6)
