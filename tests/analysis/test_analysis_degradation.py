"""Score-vs-length points from the store: means, n and bootstrap CIs by hand; unit mixing."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.bootstrap import diff_of_means_ci, stratified_mean_ci
from analysis.degradation import length_points
from analysis.depth import length_bands, u_shape
from analysis.lengths import mixing_warnings
from storage.importers.parsed import ParsedFile
from storage.scores import length_observations
from storage.trials import depth_observations
from tests.factories import niah_run, write_parsed


def _samples_run(model, unit="tokens", tokenizer="tok-a"):
    rows = [("a", i, 4096.0, float(i % 2)) for i in range(4)] + [("b", i, 4096.0, 1.0) for i in range(2)]
    df = pd.DataFrame(rows, columns=["task", "row_index", "length_value", "score_raw"]).assign(scale="binary")
    return ParsedFile(format="synthetic", run_key=f"s:{model}", benchmark="ruler", score_scale="binary",
                      length_unit=unit, model=model, model_source="field", tokenizer=tokenizer, samples=df)


def test_niah_points_by_hand(store):
    ids = write_parsed(store, [niah_run("m", [1000, 2000], [0, 50, 100],
                                        lambda L, d, t: 1.0 if (L == 1000 or d != 50) else 0.0, trials=2)])
    pts = length_points(length_observations(store, list(ids.values()))).set_index("length_value")
    assert pts.loc[1000.0, "mean"] == 1.0 and (pts.loc[1000.0, "low"], pts.loc[1000.0, "high"]) == (1.0, 1.0)
    assert pts.loc[2000.0, "mean"] == pytest.approx(4 / 6) and pts.loc[2000.0, "n"] == 6
    assert 0 <= pts.loc[2000.0, "low"] < 4 / 6 < pts.loc[2000.0, "high"] <= 1
    assert set(pts["source"]) == {"trials"} and set(pts["axis"]) == {"tokens"}


def test_samples_point_is_mean_of_task_means(store):
    ids = write_parsed(store, [_samples_run("m")])
    pt = length_points(length_observations(store, list(ids.values()))).iloc[0]
    # task a: 0,1,0,1 -> 0.5 ; task b: 1,1 -> 1.0 ; RULER-style equal task weights -> 0.75 (pooled would be 4/6)
    assert pt["mean"] == pytest.approx(0.75) and pt["n"] == 6 and pt["tasks"] == 2 and pt["source"] == "samples"


def test_task_scores_are_the_units(store):
    ts = pd.DataFrame({"task": ["x", "y", "z"], "length_value": [8192.0] * 3, "metric": "score", "scale": "pct_0_100",
                       "value_raw": [90.0, 80.0, 40.0]})
    p = ParsedFile(format="synthetic", run_key="t", benchmark="ruler", score_scale="pct_0_100", length_unit="tokens",
                   model="m", model_source="field", task_scores=ts)
    ids = write_parsed(store, [p])
    pt = length_points(length_observations(store, list(ids.values()))).iloc[0]
    assert pt["mean"] == pytest.approx(0.7) and pt["n"] == 3 and pt["source"] == "tasks"


def test_units_and_tokenizers_are_never_silently_mixed(store):
    ids = write_parsed(store, [_samples_run("a", tokenizer="llama3"), _samples_run("b", tokenizer="cl100k"),
                               _samples_run("c", unit="words", tokenizer=None)])
    pts = length_points(length_observations(store, list(ids.values())))
    warn = mixing_warnings(pts)
    assert sorted(pts["axis"].unique()) == ["tokens", "words"]
    assert "different units" in warn[0] and "words" in warn[0]
    assert "cl100k" in warn[1] and "llama3" in warn[1]


def test_stratified_ci_resamples_within_strata():
    # one stratum constant -> the CI width comes only from the other, halved by the equal weights
    est, lo, hi = stratified_mean_ci([np.array([1.0] * 50), np.array([0.0, 1.0] * 25)])
    e2, l2, h2 = stratified_mean_ci([np.array([0.0, 1.0] * 25)])
    assert est == pytest.approx(0.75) and (hi - lo) == pytest.approx((h2 - l2) / 2, abs=0.03)
    assert np.isnan(stratified_mean_ci([np.array([1.0])])[1])


def test_u_shape_by_hand(store):
    # edges (0, 100) always right, middle (50) always wrong at every length -> U = 1 exactly
    ids = write_parsed(store, [niah_run("m", [1000, 2000, 4000, 8000], [0, 50, 100],
                                        lambda L, d, t: 0.0 if d == 50 else 1.0, trials=3)])
    obs = depth_observations(store, list(ids.values()))
    bands = length_bands(obs["context_length"], 2)
    assert list(bands.unique()) == ["1K-2K", "4K-8K"]
    u = u_shape(obs, bands)
    assert list(u["u"]) == [1.0, 1.0] and list(u["low"]) == [1.0, 1.0] and list(u["n_edges"]) == [12, 12]
    assert list(u["n_middle"]) == [6, 6]
    est, lo, hi = diff_of_means_ci(np.array([1, 1, 0, 1.0]), np.array([0, 0, 1, 0.0]))
    assert est == 0.5 and lo < 0.5 < hi


def test_batched_bootstrap_equals_one_call_per_sample():
    from analysis.bootstrap import mean_ci_many

    rng = np.random.default_rng(3)
    samples = [(rng.random(40) < 0.6).astype(float) for _ in range(5)] + [np.ones(40), np.array([1.0]), rng.random(7)]
    many = mean_ci_many(samples)
    for s, got in zip(samples, many):
        want = stratified_mean_ci([s])
        assert got == pytest.approx(want, nan_ok=True)


def test_drill_down_rows_behind_a_point(store):
    from storage.scores import point_rows
    from storage.trials import depth_rows

    ids = write_parsed(store, [niah_run("m", [1000, 2000], [0, 50, 100],
                                        lambda L, d, t: 1.0 if (L == 1000 or d != 50) else 0.0, trials=2),
                               _samples_run("s")])
    rows = point_rows(store, ids["niah:m"], 2000.0, None)
    assert len(rows) == 6 and rows["score"].tolist()[:2] == [0.0, 0.0] and rows["item"][0] == "50.0% / trial 0"
    srows = point_rows(store, ids["s:s"], 4096.0, None)
    assert len(srows) == 6 and sorted(srows["task"].unique()) == ["a", "b"] and srows["score"].sum() == 4
    d = depth_rows(store, ids["niah:m"], 50.0, 1000, 2000)
    assert d["context_length"].tolist() == [2000, 2000, 1000, 1000] and d["score"].tolist() == [0, 0, 1, 1]


def test_combine_runs_joins_one_length_runs_and_averages_overlaps():
    from analysis.degradation import POINT_COLUMNS, combine_runs

    base = {"axis": "tokens", "length_label": None, "length_unit": "tokens", "tokenizer": "t", "metric_kind": "score",
            "source": "tasks", "tasks": 13}
    pts = pd.DataFrame([
        {**base, "run_id": 1, "length_value": 4096.0, "mean": 0.9, "low": 0.8, "high": 0.95, "n": 13},
        {**base, "run_id": 2, "length_value": 8192.0, "mean": 0.8, "low": 0.7, "high": 0.85, "n": 13},
        {**base, "run_id": 3, "length_value": 8192.0, "mean": 0.6, "low": 0.5, "high": 0.65, "n": 13},
    ])[POINT_COLUMNS]
    out = combine_runs(pts, {1: "m · ruler", 2: "m · ruler", 3: "m · ruler"}).set_index("length_value")
    assert out.loc[4096.0, "mean"] == 0.9 and out.loc[4096.0, "low"] == 0.8 and out.loc[4096.0, "runs"] == 1
    assert out.loc[8192.0, "mean"] == pytest.approx(0.7) and np.isnan(out.loc[8192.0, "low"])
    assert out.loc[8192.0, "n"] == 26 and out.loc[8192.0, "run_id"] == -1 and out.loc[8192.0, "runs"] == 2


def test_bucket_labels_get_their_own_categorical_axis(store):
    from analysis.lengths import label_order
    from ui.figures import line_panels

    ts = pd.DataFrame({"task": "hotpotqa", "length_label": ["8k+", "0-4k", "4-8k"], "metric": "score",
                       "scale": "pct_0_100", "value_raw": [22.36, 31.28, 25.31]})  # LongBench-E llama_2 hotpotqa
    p = ParsedFile(format="synthetic", run_key="e", benchmark="longbench_e", score_scale="pct_0_100",
                   length_unit="words_or_characters", model="llama_2", model_source="folder", task_scores=ts)
    ids = write_parsed(store, [p, _samples_run("t")])
    pts = length_points(length_observations(store, list(ids.values())))
    assert sorted(pts["axis"].unique()) == ["bucket", "tokens"] and (pts["axis"] == "bucket").sum() == 3
    assert [label_order(x) for x in ("0-4k", "4-8k", "8k+", "16k", "1M")] == [0, 4000, 8000, 16000, 1e6]
    fig = line_panels(pts, {})
    bucket = [t for t in fig.data if t.mode == "lines+markers" and t.x[0] in ("0-4k",)][0]
    assert list(bucket.x) == ["0-4k", "4-8k", "8k+"] and list(bucket.y) == pytest.approx([0.3128, 0.2531, 0.2236])
    assert "different units" in mixing_warnings(pts)[0]


def test_per_sample_lengths_are_binned_to_powers_of_two_or_buckets():
    from analysis.degradation import bin_sample_lengths, length_points

    # 30 samples with 30 distinct word counts 3000..3029 (LongBench-style): all round to 2**12 = 4096
    obs = pd.DataFrame({"run_id": 1, "source": "samples", "task": "qa", "stratum": "qa",
                        "length_value": [3000.0 + i for i in range(30)], "length_label": None,
                        "length_unit": "words", "tokenizer": None, "metric_kind": "score",
                        "value": [1.0] * 10 + [0.0] * 20, "count": 1})
    pts = length_points(obs, n_resamples=200)
    assert list(pts["length_value"]) == [4096.0] and pts["n"].iloc[0] == 30
    assert pts["mean"].iloc[0] == pytest.approx(1 / 3)
    # with the harness's bucket labels on every sample, the labels are used instead
    labelled = obs.assign(length_label="0-4k")
    assert bin_sample_lengths(labelled)["length_value"].isna().all()
    # few distinct lengths (NIAH-like grids, BABILong 0k..128k) are left as they are
    few = obs.head(5)
    assert list(bin_sample_lengths(few)["length_value"]) == [3000.0, 3001.0, 3002.0, 3003.0, 3004.0]
