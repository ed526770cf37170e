"""The store fingerprint the page caches key on changes with every write (issue: a live-sweep cell
was appended without a ``files`` row, so Length degradation kept showing the old lengths)."""
from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from storage import probes as pstore
from storage.fingerprint import store_fingerprint
from storage.runs import delete_run, rename_run
from storage.traceback import delete_traceback, restore_traceback, save_traceback
from tests.factories import niah_run, write_parsed

INFO = {"spec": "smollm2", "name": "SmolLM2-135M-Instruct", "n_layers": 1, "n_heads": 1, "n_kv_heads": 1,
        "context_limit": 8192, "device": "cpu", "dtype": "float32"}


def _cell(context_length: int, depth: float, scores: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"context_length": context_length, "depth_percent": depth, "score_raw": [float(s) for s in scores],
                         "needle": "N", "response": "r"})


def _sweep_cell(store, context_length: int, depth: float = 50.0, scores=(1,)) -> int:
    return pstore.write_sweep_cell(store, "probe:niah:test", model="smollm2", label="sweep", tokenizer="smollm2",
                                   config={"lengths": [512, 768]}, trials=_cell(context_length, depth, list(scores)))


def test_every_write_changes_the_fingerprint(store):
    seen = [store_fingerprint(store)]

    def changed():
        fp = store_fingerprint(store)
        assert fp not in seen, "a write left the fingerprint unchanged"
        seen.append(fp)

    ids = write_parsed(store, [niah_run("m", [1000], [0, 100], lambda L, d, t: 1.0)])  # an upload
    changed()
    rid = _sweep_cell(store, 512)  # a live-sweep cell creates its run ...
    changed()
    assert _sweep_cell(store, 768) == rid  # ... and the next cell extends it (no new run, no new file)
    changed()
    pstore.update_run_config(store, rid, {"not_run": [{"context_length": 4096}]})
    changed()
    heads = SimpleNamespace(frame=lambda: pd.DataFrame({"layer": [0], "head": [0], "score": [0.5], "hits": [1],
                                                        "samples": [1]}),
                            n_used=1, n_dropped=0, trials=[], not_run=[], config={})
    pid = pstore.save_head_scores(store, INFO, heads)  # a probe result
    changed()
    pstore.save_masking(store, INFO, SimpleNamespace(rows=pd.DataFrame(), heads={}, config={}), source_probe_id=pid)
    changed()
    tid = save_traceback(store, {"answer": "a", "question": "q", "model": "smollm2", "method": "loo",
                                 "passages": [{"index": 0, "text": "p", "score": 1.0}], "top_k": [0],
                                 "forward_passes": 2, "seconds": 0.1}, context_hash="h")  # a traceback result
    changed()
    rename_run(store, ids["niah:m"], "renamed")
    changed()
    delete_traceback(store, tid)
    changed()
    restore_traceback(store, tid)  # back to the state before the delete: the same fingerprint (same rows shown)
    assert store_fingerprint(store) == seen[-2]
    delete_traceback(store, tid)  # deleted again (another time)
    changed()
    pstore.delete_probe_run(store, pid)
    changed()
    delete_run(store, ids["niah:m"])
    changed()
    # reading changes nothing
    assert store_fingerprint(store) == seen[-1]


def test_extended_sweep_shows_its_new_length_in_the_degradation_loader(store):
    """The reported case: a sweep run extended from 512 to 512 + 768 tokens; the cached loader of
    Length degradation (keyed on the fingerprint) returns the new length after the write."""
    from ui import data

    rid = _sweep_cell(store, 512, scores=[1, 0])
    before = store_fingerprint(store)
    points = data.run_length_points(before, rid, (), 200)
    assert points["length_value"].tolist() == [512.0] and points["mean"].tolist() == [0.5]

    _sweep_cell(store, 768, scores=[1, 1, 1])
    after = store_fingerprint(store)
    assert after != before and after.niah_trials == before.niah_trials + 3 and after.files == before.files
    points = data.run_length_points(after, rid, (), 200).set_index("length_value")
    assert points.index.tolist() == [512.0, 768.0]
    assert points.loc[768.0, "mean"] == 1.0 and points.loc[768.0, "n"] == 3
    # the heatmap loader agrees: two cells now
    assert len(data.heatmap_cells(after, (rid,), data.TRIALS_ALL)) == 2
