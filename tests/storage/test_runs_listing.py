"""The one list of runs (``storage.runs.list_runs``) and its options, and the JSON column helper."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from storage.importers.parsed import ParsedFile
from storage.json_column import from_json, to_json
from storage.probes import SWEEP_FORMAT, sweep_runs, write_sweep_cell
from storage.runs import list_runs
from tests.factories import niah_run, write_parsed


def _runs(store) -> dict[str, int]:
    tasks = pd.DataFrame({"task": ["a", "b", "b"], "metric": "acc", "scale": "pct_0_100", "value_raw": [50.0, 60, 70],
                          "length_value": [4096.0, 4096, 8192]})
    samples = pd.DataFrame({"task": ["qa", "qa", "sum"], "row_index": [0, 1, 0], "score_raw": [1.0, 0.0, None],
                            "scale": "binary"})
    unscored = pd.DataFrame({"task": ["qa"], "row_index": [0], "prediction": ["p"]})
    common = dict(format="synthetic", score_scale="frac_0_1", length_unit="tokens", model_source="field")
    ids = write_parsed(store, [
        niah_run("m", [1000, 2000], [0, 50, 100], lambda L, d, t: 1.0, trials=2),
        ParsedFile(run_key="tasks", benchmark="ruler", model="m", task_scores=tasks, **common),
        ParsedFile(run_key="samples", benchmark="babilong", model="m", samples=samples, **common),
        ParsedFile(run_key="unscored", benchmark="longbench", model="m", samples=unscored, **common),
    ])
    ids["sweep"] = write_sweep_cell(store, "probe:niah:x", model="smollm2", label="sweep", tokenizer="smollm2",
                                    config={"needle": {"name": "passkey"}},
                                    trials=pd.DataFrame({"context_length": [512], "depth_percent": [50.0],
                                                         "score_raw": [1.0], "needle": "N", "response": "r"}))
    return ids


def test_list_runs_kinds_counts_and_options(store):
    ids = _runs(store)
    runs = list_runs(store).set_index("run_id")
    assert list(runs.index) == sorted(ids.values())
    niah = runs.loc[ids["niah:m"]]
    assert (niah["kind"], niah["tasks"], niah["n_trials"]) == ("trials", 1, 12)  # 2 lengths x 3 depths x 2 repeats
    assert (runs.loc[ids["tasks"], "kind"], runs.loc[ids["tasks"], "tasks"], runs.loc[ids["tasks"], "n_task_scores"]) == \
        ("tasks", 2, 3)
    s = runs.loc[ids["samples"]]
    assert (s["kind"], s["tasks"], s["n_samples"], s["n_scored_samples"]) == ("samples", 1, 3, 2)  # 'sum' unscored
    assert (runs.loc[ids["unscored"], "kind"], runs.loc[ids["unscored"], "tasks"]) == ("empty", 0)
    assert runs.loc[ids["niah:m"], "n_files"] == 1 and runs.loc[ids["sweep"], "n_files"] == 0
    assert runs.loc[ids["sweep"], "config"]["needle"] == {"name": "passkey"}  # decoded

    assert list_runs(store, kind="trials")["run_id"].tolist() == [ids["niah:m"], ids["sweep"]]
    assert list_runs(store, kind="empty")["run_id"].tolist() == [ids["unscored"]]
    assert list_runs(store, harness=SWEEP_FORMAT)["run_id"].tolist() == [ids["sweep"]]
    assert list_runs(store, newest_first=True)["run_id"].tolist() == sorted(ids.values(), reverse=True)
    assert list_runs(store, kind="tasks", harness=SWEEP_FORMAT).empty
    with pytest.raises(ValueError, match="kind must be one of"):
        list_runs(store, kind="niah")


def test_sweep_runs_is_list_runs_of_the_sweep_harness(store):
    ids = _runs(store)
    sweeps = sweep_runs(store)
    assert sweeps.columns.tolist() == ["run_id", "label", "model", "created_at", "trials", "config"]
    assert sweeps["run_id"].tolist() == [ids["sweep"]] and sweeps["trials"].tolist() == [1]


def test_json_column_helper():
    assert to_json({"a": float("nan"), "b": [1.5, float("nan")], "c": {"d": None}}) == \
        '{"a": null, "b": [1.5, null], "c": {"d": null}}'
    assert to_json(None) is None and to_json(math.nan) is None and to_json('{"x": 1}') == '{"x": 1}'
    assert to_json({"p": pd.Timestamp("2026-01-02")}) == '{"p": "2026-01-02 00:00:00"}'
    assert from_json('{"x": [1, 2]}') == {"x": [1, 2]} and from_json({"x": 1}) == {"x": 1}
    assert from_json(None, {}) == {} and from_json("", {}) == {} and from_json(math.nan) is None
    assert from_json("null", {}) is None  # stored JSON null is a value, not a missing cell
