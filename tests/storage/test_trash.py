"""Soft delete, admin restore and purge of tracebacks and retrieval-head / masking probe runs, as
for runs (``storage.trash``; issue 11): hidden at once, audited with the state before, restorable by
an admin of the workspace within the retention window, then removed for good."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from storage import probes, trash
from storage.audit import audit_log
from storage.scope import ADMIN, MEMBER, VIEWER, NoAccessError, make_scope
from storage.traceback import (compare_scores, delete_traceback, list_tracebacks, load_traceback,
                               restore_traceback, save_traceback)

ALICE = make_scope("alice@lab", [("lab", ADMIN)])
BOB = make_scope("bob@lab", [("lab", MEMBER)])
CAROL = make_scope("carol@lab", [("lab", VIEWER)])
DAVE = make_scope("dave@lab", [("lab", MEMBER)])
MALLORY = make_scope("mallory@elsewhere", [("other", ADMIN)])
DOC = {"answer": "Paris", "passages": [{"index": 0, "text": "Paris is in France.", "score": 0.9},
                                       {"index": 1, "text": "Rome is in Italy.", "score": 0.1}],
       "top_k": [0], "forward_passes": 3, "seconds": 0.5, "method": "loo", "model": "m", "question": "Where?",
       "config": {"k": 1}}


def _age(store, table: str, id_col: str, item_id: int, days: int) -> None:
    store.cursor().execute(f"UPDATE {table} SET deleted_at = deleted_at - INTERVAL {days} DAY WHERE {id_col} = ?",
                           [item_id])


def test_traceback_delete_is_soft_audited_and_restorable(store):
    tid = save_traceback(store, DOC, context_hash="h", scope=BOB, workspace="lab")
    for who in (CAROL, DAVE):  # a viewer never, another member not someone else's
        with pytest.raises(NoAccessError, match="may not change traceback"):
            delete_traceback(store, tid, scope=who)
    delete_traceback(store, tid, scope=BOB)
    assert list_tracebacks(store, scope=ALICE).empty and list_tracebacks(store, scope=BOB).empty
    for call in (lambda: load_traceback(store, tid, scope=ALICE), lambda: compare_scores(store, [tid], scope=BOB),
                 lambda: delete_traceback(store, tid, scope=BOB)):
        with pytest.raises(NoAccessError, match=f"no access to traceback run {tid} "):
            call()
    row = audit_log(store, scope=ALICE).iloc[0]
    assert (row["actor"], row["workspace"], row["action"], row["entity"], row["entity_id"]) == (
        "bob@lab", "lab", "delete", "traceback", str(tid))
    assert row["before"]["question"] == "Where?" and row["before"]["created_by"] == "bob@lab"
    assert [p["text"] for p in row["before"]["passages"]] == ["Paris is in France.", "Rome is in Italy."]
    # nothing was removed: only an admin of the workspace sees it in the bin and restores it
    assert store.cursor().execute("SELECT count(*) FROM traceback_passages WHERE traceback_id = ?", [tid]).fetchone()[0] == 2
    with pytest.raises(NoAccessError, match="restoring needs the admin role"):
        restore_traceback(store, tid, scope=BOB)
    with pytest.raises(NoAccessError):
        restore_traceback(store, tid, scope=MALLORY)
    assert trash.deleted(store, "traceback", scope=MALLORY).empty and trash.deleted(store, "traceback", scope=BOB).empty
    binned = trash.deleted(store, "traceback", scope=ALICE)
    assert binned[["traceback_id", "question", "deleted_by"]].values.tolist() == [[tid, "Where?", "bob@lab"]]
    restore_traceback(store, tid, scope=ALICE)
    doc = load_traceback(store, tid, scope=CAROL)
    assert [(p["text"], p["score"]) for p in doc["passages"]] == [("Paris is in France.", 0.9), ("Rome is in Italy.", 0.1)]
    assert list_tracebacks(store, scope=BOB)["traceback_id"].tolist() == [tid]
    assert audit_log(store, scope=ALICE)["action"].tolist()[:2] == ["restore", "delete"]


def test_traceback_past_the_retention_window_is_purged(store, monkeypatch):
    tid = save_traceback(store, DOC, context_hash="h", scope=BOB, workspace="lab")
    keep = save_traceback(store, DOC, context_hash="h", scope=BOB, workspace="lab")
    delete_traceback(store, tid, scope=ALICE)
    delete_traceback(store, keep, scope=ALICE)
    _age(store, "traceback_runs", "traceback_id", tid, 31)
    with pytest.raises(ValueError, match="past the retention window"):
        restore_traceback(store, tid, scope=ALICE)
    monkeypatch.setenv("LONGSCOPE_RETENTION_DAYS", "40")
    assert trash.purge(store, "traceback") == []  # 31 days: inside a 40-day window
    monkeypatch.delenv("LONGSCOPE_RETENTION_DAYS")
    assert trash.purge(store, "traceback") == [tid]  # past 30 days; `keep` was deleted just now
    cur = store.cursor()
    assert cur.execute("SELECT count(*) FROM traceback_passages WHERE traceback_id = ?", [tid]).fetchone()[0] == 0
    assert cur.execute("SELECT traceback_id FROM traceback_runs").fetchall() == [(keep,)]
    assert audit_log(store, scope=ALICE).iloc[0][["action", "entity", "entity_id"]].tolist() == ["purge", "traceback", str(tid)]
    assert trash.purge(store, "traceback", older_than=timedelta(0)) == [keep]


def test_probe_runs_are_soft_deleted_and_restored(store):
    info = {"spec": "smollm2", "name": "SmolLM2", "n_layers": 2, "n_heads": 2, "n_kv_heads": 1, "context_limit": 8192,
            "device": "cpu", "dtype": "float32"}

    class Masking:
        config, heads = {}, {"top-k": [(0, 1)]}
        rows = pd.DataFrame([{"condition": "top-k", "context_length": 1000, "depth_percent": 50.0, "exact": 1,
                              "recall": 1.0}])

    pid = probes.save_masking(store, info, Masking(), None, scope=BOB, workspace="lab")
    with pytest.raises(NoAccessError, match="a viewer cannot"):
        probes.delete_probe_run(store, pid, scope=CAROL)
    probes.delete_probe_run(store, pid, scope=BOB)
    assert probes.list_probe_runs(store, scope=ALICE).empty and probes.probe_run(store, pid, scope=ALICE) is None
    with pytest.raises(NoAccessError):
        probes.masking_summary(store, pid, scope=BOB)
    row = audit_log(store, scope=ALICE).iloc[0]
    assert (row["action"], row["entity"], row["before"]["kind"], row["before"]["label"]) == (
        "delete", "probe", "masking", "SmolLM2 masking")
    with pytest.raises(NoAccessError, match="restoring needs the admin role"):
        probes.restore_probe_run(store, pid, scope=BOB)
    assert trash.deleted(store, "probe", scope=ALICE)["probe_id"].tolist() == [pid]
    probes.restore_probe_run(store, pid, scope=ALICE)
    summary = probes.masking_summary(store, pid, scope=CAROL)
    assert summary[["condition", "trials", "accuracy"]].values.tolist() == [["top-k", 1, 1.0]]
    assert probes.masked_heads(store, pid, scope=CAROL)[["layer", "head"]].values.tolist() == [[0, 1]]
