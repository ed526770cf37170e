"""Probe results in the store: head scores, masking checks, NIAH sweeps as ordinary runs, export."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import pandas as pd

from storage import probes as pstore

INFO = {"spec": "smollm2", "name": "SmolLM2-135M-Instruct", "n_layers": 2, "n_heads": 3, "n_kv_heads": 1,
        "context_limit": 8192, "device": "cpu", "dtype": "float32"}


def _head_result():
    scores = np.array([[0.0, 0.5, 0.05], [0.9, 0.0, 0.2]])
    hits = np.array([[0, 4, 1], [7, 0, 2]])

    def frame():
        df = pd.DataFrame({"layer": [0, 0, 0, 1, 1, 1], "head": [0, 1, 2, 0, 1, 2], "score": scores.ravel(),
                           "hits": hits.ravel(), "samples": 4})
        return df.sort_values("score", ascending=False)

    trials = [{"context_length": 1024, "depth_percent": 50.0, "trial": 0, "needle": "passkey", "answer": "12345",
               "response": "The secret pass key is 12345.", "recall": 1.0, "exact": 1, "used": True}]
    return SimpleNamespace(frame=frame, n_used=4, n_dropped=1, trials=trials,
                           not_run=[{"context_length": 16384, "depth_percent": 0.0, "reason": "over limit"}],
                           config={"lengths": [1024]})


def test_head_scores_roundtrip(store):
    pid = pstore.save_head_scores(store, INFO, _head_result())
    df = pstore.head_scores(store, pid)
    assert list(df.columns) == ["layer", "head", "score", "hits", "samples"]
    assert df.iloc[0].tolist() == [1, 0, 0.9, 7, 4]                   # best first
    assert df["score"].tolist() == [0.9, 0.5, 0.2, 0.05, 0.0, 0.0]
    run = pstore.probe_run(store, pid)
    assert (run["kind"], run["n_used"], run["n_dropped"], run["n_heads"]) == ("retrieval_heads", 4, 1, 3)
    assert run["config"]["not_run"][0]["context_length"] == 16384
    assert run["longscope_version"].startswith("0.1+")
    tr = pstore.probe_trials(store, pid)
    assert tr.loc[0, "condition"] == "detection" and json.loads(tr.loc[0, "extra"])["answer"] == "12345"


def test_masking_summary(store):
    rows = pd.DataFrame([
        {"condition": c, "draw": d, "context_length": 1024, "depth_percent": dp, "needle": "passkey", "trial": 0,
         "exact": e, "recall": r, "response": ""}
        for c, d, dp, e, r in [("none", 0, 0, 1, 1.0), ("none", 0, 50, 1, 1.0), ("top-k", 0, 0, 0, 0.0),
                               ("top-k", 0, 50, 1, 0.5), ("random", 0, 0, 1, 1.0), ("random", 0, 50, 0, 0.25),
                               ("random", 1, 0, 1, 1.0), ("random", 1, 50, 1, 1.0)]])
    res = SimpleNamespace(rows=rows, heads={"top-k": [(1, 0), (0, 1)], "random 0": [(0, 0), (0, 2)],
                                            "random 1": [(1, 1), (1, 2)]}, config={"k": 2})
    pid = pstore.save_masking(store, INFO, res, source_probe_id=None)
    s = pstore.masking_summary(store, pid)
    assert s["condition"].tolist() == ["none", "top-k", "random", "random"]
    assert s["accuracy"].tolist() == [1.0, 0.5, 0.5, 1.0]
    assert s["recall"].tolist() == [1.0, 0.25, 0.625, 1.0]
    mh = pstore.masked_heads(store, pid)
    assert len(mh) == 6 and set(mh[mh.condition == "top-k"][["layer", "head"]].itertuples(index=False, name=None)) == {(1, 0), (0, 1)}


def _cell(n, d, scores):
    return pd.DataFrame([{"context_length": n, "depth_percent": d, "score_raw": float(s), "needle": "N",
                          "response": f"r{i}", "extra": {"trial": i, "seconds": 1.5, "timestamp_utc": "2026-11-30 08:00:00+0000"}}
                         for i, s in enumerate(scores)])


def test_sweep_cells_form_one_resumable_run(store, tmp_path):
    from storage.trials import heatmap_cells

    kw = dict(model="smollm2", label="SmolLM2 (probe)", tokenizer="SmolLM2 (own)", config={"trials": 2})
    rid = pstore.write_sweep_cell(store, "probe-niah:smollm2:abc", trials=_cell(1024, 0.0, [1, 0]), **kw)
    rid2 = pstore.write_sweep_cell(store, "probe-niah:smollm2:abc", trials=_cell(2048, 50.0, [1, 1]), **kw)
    assert rid == rid2
    assert pstore.done_cells(store, "probe-niah:smollm2:abc") == {(1024, 0.0): 2, (2048, 50.0): 2}
    cells = heatmap_cells(store, [rid]).sort_values("context_length")
    assert cells["mean_score"].tolist() == [0.5, 1.0]                  # binary scale, same tables as imports
    pstore.update_run_config(store, rid, {"not_run": [{"context_length": 16384}]})
    cfg = json.loads(store.cursor().execute("SELECT config FROM runs WHERE run_id = ?", [rid]).fetchone()[0])
    assert cfg["trials"] == 2 and cfg["not_run"] == [{"context_length": 16384}]

    from jobs.niah_sweep import export_needlehaystack

    paths = export_needlehaystack(store, rid, tmp_path, "SmolLM2.135M")
    names = sorted(p.name for p in paths)
    assert names == ["SmolLM2_135M_len_1024_depth_0_results.json", "SmolLM2_135M_len_1024_depth_0_results_2.json",
                     "SmolLM2_135M_len_2048_depth_5000_results.json", "SmolLM2_135M_len_2048_depth_5000_results_2.json"]
    doc = json.loads((tmp_path / names[1]).read_text())
    assert doc == {"model": "SmolLM2.135M", "context_length": 1024, "depth_percent": 0.0, "version": 1, "needle": "N",
                   "model_response": "r1", "score": 0, "test_duration_seconds": 1.5,
                   "test_timestamp_utc": "2026-11-30 08:00:00+0000"}
    # the exported files are recognised by LongScope's own needlehaystack (F4) importer
    from storage.importers import registry
    from storage.sources import from_paths

    sources, _ = from_paths([tmp_path])
    assert {registry.detect(s).FORMAT for s in sources} == {"niah_package"}


def test_head_compare_by_hand():
    from analysis.probes.head_compare import compare, sparsity

    a = pd.DataFrame({"layer": [0, 0, 1, 1], "head": [0, 1, 0, 1], "score": [0.9, 0.0, 0.3, 0.05]})
    b = pd.DataFrame({"layer": [0, 0, 1, 1], "head": [0, 1, 0, 1], "score": [0.2, 0.6, 0.4, 0.0]})
    sp = sparsity(a, 0.1)
    # sorted 0.9, 0.3, 0.05, 0: two ≥ 0.1; three > 0; 0.9 alone ≥ half of 1.25
    assert (sp["above"], sp["fraction_above"], sp["fraction_nonzero"], sp["fraction_half_mass"]) == (2, 0.5, 0.75, 0.25)
    c = compare(a, b, k=2)
    assert c["overlap"] == 1 and c["jaccard"] == 1 / 3             # {(0,0),(1,0)} vs {(0,1),(1,0)}
    assert c["spearman"] == pytest.approx(-0.4)                      # ranks a: 4,1,3,2 ; b: 2,4,3,1
    assert c["diff"].loc[0, 1] == pytest.approx(0.6)
