"""Workspaces, roles, soft delete and the audit trail (issue 11): every storage query is filtered
by the signed-in scope in ``storage/`` (``storage.scope``), not by hiding rows in the UI."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from storage import probes, runs, scores, task_scores, trials
from storage.audit import audit_log
from storage.ingest import commit
from storage.plan import IngestPlan, PlannedRun
from storage.scope import (ADMIN, MEMBER, VIEWER, NoAccessError, acting_as, local_scope, make_scope, resolve,
                           target_workspace)
from storage.traceback import delete_traceback, list_tracebacks, load_traceback, save_traceback
from storage.workspaces import create_workspace, ensure_first_admin, scope_for, set_role
from tests.factories import niah_run, write_parsed

ALICE = make_scope("alice@lab", [("default", ADMIN), ("lab", ADMIN)])
BOB = make_scope("bob@lab", [("lab", MEMBER)])
CAROL = make_scope("carol@lab", [("lab", VIEWER)])
MALLORY = make_scope("mallory@elsewhere", [("other", MEMBER)])


@pytest.fixture
def two_workspaces(store):
    """Run ``a`` in workspace ``default`` (by alice), run ``b`` in ``lab`` (by bob)."""
    a = write_parsed(store, [niah_run("m-a", [1000, 2000], [0, 100], lambda L, d, t: 1.0, key="a")],
                     scope=ALICE, workspace="default", uploaded_by="alice@lab")["a"]
    b = write_parsed(store, [niah_run("m-b", [1000, 2000], [0, 100], lambda L, d, t: 0.0, key="b")],
                     scope=BOB, workspace="lab", uploaded_by="bob@lab")["b"]
    return a, b


def test_lists_hold_only_the_scopes_workspaces(store, two_workspaces):
    a, b = two_workspaces
    assert runs.list_runs(store, scope=ALICE)["run_id"].tolist() == [a, b]
    listed = runs.list_runs(store, scope=BOB)
    assert listed["run_id"].tolist() == [b]
    assert listed[["workspace", "created_by"]].values.tolist() == [["lab", "bob@lab"]]
    assert runs.list_runs(store, scope=CAROL)["run_id"].tolist() == [b]
    assert runs.list_runs(store, scope=MALLORY).empty
    assert set(task_scores.task_means(store, scope=BOB)["run_id"]) == {b}
    assert runs.store_totals(store, scope=BOB) == {"runs": 1, "files": 1, "niah_trials": 4, "task_scores": 0,
                                                   "samples": 0}
    assert runs.count_visible(store, scope=MALLORY) == 0


def test_reads_by_id_refuse_other_workspaces(store, two_workspaces):
    a, b = two_workspaces
    assert len(trials.heatmap_cells(store, [b], scope=CAROL)) == 4
    with pytest.raises(NoAccessError, match=f"no access to run {a} "):
        trials.heatmap_cells(store, [a, b], scope=BOB)  # one foreign id refuses the whole read
    for call in (lambda s: trials.cell_trials(store, a, 1000, 0.0, scope=s),
                 lambda s: scores.length_observations(store, [a], scope=s),
                 lambda s: runs.run_files(store, a, scope=s),
                 lambda s: runs.check_visible(store, [a], scope=s)):
        with pytest.raises(NoAccessError):
            call(MALLORY)
    # an id that does not exist gets the same message as a foreign one (nothing learnt)
    with pytest.raises(NoAccessError, match="no access to run 999 "):
        trials.heatmap_cells(store, [999], scope=ALICE)


def test_unscoped_reads_are_local_off_and_refused_on(store, two_workspaces, monkeypatch):
    monkeypatch.delenv("LONGSCOPE_AUTH", raising=False)
    assert len(runs.list_runs(store)) == 2 and resolve(None) == local_scope()
    monkeypatch.setenv("LONGSCOPE_AUTH", "oidc")
    with pytest.raises(NoAccessError, match="signed-in scope is required"):
        runs.list_runs(store)
    with acting_as(BOB, "lab"):  # a probe job's calls
        assert runs.list_runs(store)["run_id"].tolist() == [two_workspaces[1]]
        assert target_workspace(None, None) == "lab"
    monkeypatch.setenv("LONGSCOPE_AUTH", "ldap")
    with pytest.raises(ValueError, match="LONGSCOPE_AUTH must be one of off, oidc, users"):
        runs.list_runs(store)


def test_roles_for_writes(store, two_workspaces):
    a, b = two_workspaces
    part = [niah_run("m-c", [1000], [0], lambda L, d, t: 1.0, key="c")]
    with pytest.raises(NoAccessError, match="needs the member role in workspace 'lab'"):
        write_parsed(store, part, scope=CAROL, workspace="lab")  # a viewer cannot upload
    with pytest.raises(NoAccessError):
        write_parsed(store, part, scope=BOB, workspace="default")  # not a member there
    # more files of run "b" uploaded into another workspace must not merge into b
    more_b = [niah_run("m-b", [4000], [0], lambda L, d, t: 1.0, key="b")]
    plan_runs = {"b": PlannedRun("b", more_b, existing_run_id=b)}
    from storage.importers.source import SourceFile
    src = SourceFile("b/2", b"b more")
    more_b[0].file_id = src.sha256
    with pytest.raises(NoAccessError, match="extend a run of another workspace"):
        commit(IngestPlan([], plan_runs, {src.sha256: src}), store, scope=ALICE, workspace="default")
    assert len(trials.heatmap_cells(store, [b], scope=BOB)) == 4  # nothing written


def test_viewer_cannot_delete_member_only_their_own_admin_any(store, two_workspaces):
    a, b = two_workspaces
    with pytest.raises(NoAccessError, match="a viewer cannot"):
        runs.delete_run(store, b, scope=CAROL)
    with pytest.raises(NoAccessError, match="a viewer cannot"):
        runs.rename_run(store, b, "x", scope=CAROL)
    dave = make_scope("dave@lab", [("lab", MEMBER)])
    with pytest.raises(NoAccessError):
        runs.delete_run(store, b, scope=dave)  # a member, but not the one who stored it
    with pytest.raises(NoAccessError, match="no access to run"):
        runs.delete_run(store, a, scope=BOB)  # another workspace
    runs.rename_run(store, b, "bob's run", scope=BOB)
    assert runs.list_runs(store, scope=BOB)["label"].tolist() == ["bob's run"]
    assert runs.list_runs(store, scope=ALICE).set_index("run_id").at[b, "label"] == "bob's run"


def test_soft_delete_is_audited_hidden_and_restorable(store, two_workspaces):
    a, b = two_workspaces
    runs.delete_run(store, b, scope=BOB)
    assert runs.list_runs(store, scope=ALICE)["run_id"].tolist() == [a]
    with pytest.raises(NoAccessError):
        trials.heatmap_cells(store, [b], scope=BOB)
    log = audit_log(store, scope=ALICE)
    row = log.iloc[0]
    assert (row["actor"], row["workspace"], row["action"], row["entity"], row["entity_id"]) == (
        "bob@lab", "lab", "delete", "run", str(b))
    assert row["before"]["label"] == "m-b" and row["before"]["created_by"] == "bob@lab"
    assert audit_log(store, scope=BOB).empty  # the log is for admins
    # only an admin restores; the rows were never touched, so the heatmap is the same 4 cells
    with pytest.raises(NoAccessError, match="restoring needs the admin role"):
        runs.restore_run(store, b, scope=BOB)
    assert runs.deleted_runs(store, scope=ALICE)["run_id"].tolist() == [b]
    runs.restore_run(store, b, scope=ALICE)
    cells = trials.heatmap_cells(store, [b], scope=BOB)
    assert len(cells) == 4 and cells["mean_score"].tolist() == [0.0] * 4
    assert audit_log(store, scope=ALICE)["action"].tolist()[:2] == ["restore", "delete"]


def test_purge_after_the_retention_window(store, two_workspaces, monkeypatch):
    a, b = two_workspaces
    runs.delete_run(store, b, scope=BOB)
    store.cursor().execute("UPDATE runs SET deleted_at = deleted_at - INTERVAL 31 DAY WHERE run_id = ?", [b])
    with pytest.raises(ValueError, match="past the retention window"):
        runs.restore_run(store, b, scope=ALICE)
    monkeypatch.setenv("LONGSCOPE_RETENTION_DAYS", "40")
    runs.restore_run(store, b, scope=ALICE)  # a longer window: restorable again
    monkeypatch.delenv("LONGSCOPE_RETENTION_DAYS")
    runs.delete_run(store, a, scope=ALICE)
    assert runs.purge_deleted(store) == []  # deleted just now: inside 30 days
    assert runs.purge_deleted(store, older_than=timedelta(0)) == [a]
    assert store.cursor().execute("SELECT count(*) FROM niah_trials WHERE run_id = ?", [a]).fetchone()[0] == 0
    assert runs.deleted_runs(store, scope=ALICE).empty
    assert audit_log(store, scope=ALICE)["action"].tolist()[0] == "purge"


def test_members_first_admin_and_workspaces(store, monkeypatch):
    monkeypatch.setenv("LONGSCOPE_ADMIN", "root@lab")
    assert ensure_first_admin(store) is True
    assert ensure_first_admin(store, "someone@else") is False  # default has an admin now
    root = scope_for(store, "root@lab")
    assert root.roles == (("default", ADMIN),)
    assert scope_for(store, "nobody@lab").roles == ()
    set_role(store, "default", "eve@lab", VIEWER, scope=root)
    assert scope_for(store, "eve@lab").roles == (("default", VIEWER),)
    with pytest.raises(NoAccessError):
        set_role(store, "default", "eve@lab", ADMIN, scope=scope_for(store, "eve@lab"))
    with pytest.raises(ValueError, match="cannot take away their own admin role"):
        set_role(store, "default", "root@lab", MEMBER, scope=root)
    create_workspace(store, "team-b", scope=root)
    assert scope_for(store, "root@lab").roles == (("default", ADMIN), ("team-b", ADMIN))
    with pytest.raises(ValueError, match="exists"):
        create_workspace(store, "team-b", scope=root)
    with pytest.raises(ValueError, match="use 1-40"):
        create_workspace(store, "../x", scope=root)
    assert audit_log(store, scope=scope_for(store, "root@lab"))["action"].tolist().count("grant") == 3


def _doc(model="m"):
    return {"answer": "a", "passages": [{"index": 0, "text": "p0", "score": 1.0}, {"index": 1, "text": "p1", "score": 0.0}],
            "top_k": [0], "forward_passes": 3, "seconds": 0.5, "method": "loo", "model": model, "question": "q",
            "config": {"k": 1}}


def test_tracebacks_and_probe_runs_belong_to_a_workspace(store):
    tid = save_traceback(store, _doc(), context_hash="h", scope=BOB, workspace="lab")
    assert list_tracebacks(store, scope=CAROL)["traceback_id"].tolist() == [tid]
    assert list_tracebacks(store, scope=MALLORY).empty
    with pytest.raises(NoAccessError):
        load_traceback(store, tid, scope=MALLORY)
    with pytest.raises(NoAccessError):
        save_traceback(store, _doc(), context_hash="h", scope=CAROL, workspace="lab")
    with pytest.raises(NoAccessError):
        delete_traceback(store, tid, scope=CAROL)
    delete_traceback(store, tid, scope=BOB)
    assert list_tracebacks(store, scope=BOB).empty
    assert audit_log(store, scope=ALICE).iloc[0]["before"]["passages"][0]["text"] == "p0"

    info = {"spec": "smollm2", "name": "SmolLM2", "n_layers": 2, "n_heads": 2, "n_kv_heads": 1, "context_limit": 8192,
            "device": "cpu", "dtype": "float32"}

    class Masking:
        config, rows, heads = {}, pd.DataFrame(columns=["condition", "context_length", "depth_percent"]), {}

    pid = probes.save_masking(store, info, Masking(), None, scope=BOB, workspace="lab")
    assert probes.list_probe_runs(store, scope=CAROL)["probe_id"].tolist() == [pid]
    assert probes.list_probe_runs(store, scope=MALLORY).empty
    assert probes.probe_run(store, pid, scope=MALLORY) is None
    with pytest.raises(NoAccessError):
        probes.masking_summary(store, pid, scope=MALLORY)


def test_published_numbers_members_change_viewers_do_not(store):
    from storage.published import delete_published, save_published, stored_published

    rows = pd.DataFrame([{"benchmark": "ruler", "model": "m", "value": 90.5}])
    with pytest.raises(NoAccessError, match="is a viewer"):
        save_published(store, rows, origin="entered", scope=CAROL)
    assert save_published(store, rows, origin="entered", scope=BOB) == 1
    stored = stored_published(store)
    with pytest.raises(NoAccessError):
        delete_published(store, stored["published_id"].tolist(), scope=CAROL)
    assert delete_published(store, stored["published_id"].tolist(), scope=BOB) == 1
    row = audit_log(store, scope=local_scope()).iloc[0]
    assert (row["actor"], row["action"], row["entity"], row["before"]["value"]) == ("bob@lab", "delete",
                                                                                    "published_number", 90.5)


def test_reader_scope_shares_caches_and_cannot_write(store, two_workspaces):
    dave = make_scope("dave@lab", [("lab", MEMBER)])
    assert BOB.reader() == dave.reader() == CAROL.reader()  # same workspaces: one cache key
    assert BOB.reader() != ALICE.reader() and local_scope().reader().every_workspace
    assert runs.list_runs(store, scope=BOB.reader())["run_id"].tolist() == [two_workspaces[1]]
    with pytest.raises(NoAccessError):
        runs.delete_run(store, two_workspaces[1], scope=BOB.reader())
