"""Harness summary vs recomputed: a RULER summary.csv and the run's own samples that disagree are
flagged, and every page's number for that task comes from the samples."""
from __future__ import annotations

import json

import pandas as pd

from analysis.summary_check import compare_summary
from storage.ingest import commit, prepare
from storage.importers.source import SourceFile
from storage.scores import length_observations
from storage.task_scores import run_task_scores

PRED = "/r/llama/synthetic/4096/pred"


def _summary(score: float) -> SourceFile:
    return SourceFile(f"{PRED}/summary.csv", f"0,1\nTasks,niah_single_1\nScore,{score}\nNulls,0/4\n".encode())


def _samples(right: int, wrong: int) -> SourceFile:
    # niah_single_*: string_match_all = share of the outputs found in the prediction, x100 per sample
    rows = [{"index": i, "pred": "The number is 1234.", "input": "...", "outputs": ["1234"], "others": {},
             "truncation": -1, "length": 3900} for i in range(right)]
    rows += [{"index": right + i, "pred": "I do not know.", "input": "...", "outputs": ["1234"], "others": {},
              "truncation": -1, "length": 3900} for i in range(wrong)]
    return SourceFile(f"{PRED}/niah_single_1.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())


def test_compare_summary_by_hand():
    summary = pd.DataFrame({"task": ["a", "b"], "value": [0.924, 0.5]})
    samples = pd.DataFrame({"task": ["a"] * 4 + ["b"] * 2, "score": [1, 1, 1, 0, 1, 0]})
    out = compare_summary(summary, samples).set_index("task")
    # a: 92.4 vs 75.0 (3 of 4) -> differs; b: 50.0 vs 50.0 -> agrees
    assert out.loc["a", "recomputed"] == 75.0 and bool(out.loc["a", "differs"])
    assert out.loc["b", "n"] == 2 and not bool(out.loc["b", "differs"])


def test_disagreeing_summary_is_flagged_and_pages_use_the_samples(store):
    plan = prepare([_summary(100.0), _samples(right=3, wrong=1)], store)
    (run,) = plan.runs.values()
    assert run.summary_check == [{"task": "niah_single_1", "summary": 100.0, "recomputed": 75.0, "n": 4}]
    assert any("summary 100.00 vs 75.00 recomputed from 4 samples" in n for n in run.notes)
    (run_id,) = commit(plan, store).values()
    config = json.loads(store.cursor().execute("SELECT config FROM runs").fetchone()[0])
    assert config["summary_vs_recomputed"][0]["recomputed"] == 75.0
    # the published check's task scores and the degradation page's observations give 0.75, not 1.0
    scores = run_task_scores(store, [run_id])
    assert scores["value"].tolist() == [0.75] and scores["metric"].tolist() == ["mean sample score"]
    obs = length_observations(store, [run_id])
    assert (obs["value"] * obs["count"]).sum() / obs["count"].sum() == 0.75


def test_summary_within_rounding_is_not_flagged(store):
    plan = prepare([_summary(66.67), _samples(right=2, wrong=1)], store)  # 2/3 = 66.666...: rounds to 66.67
    (run,) = plan.runs.values()
    assert run.summary_check == [] and not any("disagree" in n for n in run.notes)


def test_length_degradation_page_warns_about_the_run(tmp_path, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from storage.db import open_store
    from tests.factories import plain

    store = open_store(tmp_path / "page.duckdb")  # the app's embedded file
    commit(prepare([_summary(100.0), _samples(right=3, wrong=1)], store), store)
    store.close()
    monkeypatch.setenv("LONGSCOPE_DB", str(tmp_path / "page.duckdb"))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "pages" / "length_degradation.py"),
                           default_timeout=60)
    at.query_params["runs"] = "1"
    at.run()
    assert not at.exception, at.exception
    assert any("niah_single_1 100.00 vs 75.00" in plain(w.value) for w in at.warning)
