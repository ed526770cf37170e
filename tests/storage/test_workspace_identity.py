"""File identity and run keys are per workspace (issue 11): a file workspace A holds, uploaded while
acting in workspace B, becomes B's own run, and nothing said to B names A or its run; within one
workspace a second copy is still "already ingested"."""
from __future__ import annotations

import json

import pandas as pd

from storage import probes, runs, trials
from storage.identity import qualify
from storage.ingest import DUPLICATE, READY, commit, ingest_paths, main, prepare
from storage.importers.source import SourceFile
from storage.migrations import apply_migrations
from storage.scope import ADMIN, MEMBER, make_scope
from storage.workspaces import create_workspace

ALICE = make_scope("alice@lab", [("default", ADMIN)])
BOB = make_scope("bob@lab", [("lab", MEMBER)])
BOTH = make_scope("carol@lab", [("default", MEMBER), ("lab", MEMBER)])
TEST = {"model": "m", "context_length": 1000, "depth_percent": 50.0, "version": 1, "needle": "n",
        "model_response": "r", "score": 7, "test_duration_seconds": 1.5, "test_timestamp_utc": "2024-06-13 13:46:41+0000"}
DATA = json.dumps(TEST).encode()
A_PATH = "alice-secret-project/m_len_1000_depth_5000_results.json"
B_PATH = "bob/m_len_1000_depth_5000_results.json"


def _ingest(store, path, scope, workspace, data=DATA):
    plan = prepare([SourceFile(path, data)], store, scope=scope, workspace=workspace)
    return plan, commit(plan, store, uploaded_by=scope.identity, scope=scope)


def _files(store) -> list[tuple]:
    return store.cursor().execute(
        "SELECT f.path, f.uploaded_by, f.sha256, r.workspace, r.run_id FROM files f JOIN run_files rf USING (file_id)"
        " JOIN runs r USING (run_id) ORDER BY r.run_id").fetchall()


def test_same_file_in_two_workspaces_is_two_runs_and_never_named(store):
    _, a = _ingest(store, A_PATH, ALICE, "default")
    plan_b, b = _ingest(store, B_PATH, BOB, "lab")
    (out,) = plan_b.files
    assert out.status == READY and "already" not in out.message
    (run_b,) = plan_b.runs.values()
    assert run_b.existing_run_id is None and run_b.rerun_of is None  # not appended to A's run, not a re-run of it
    (a_id,), (b_id,) = a.values(), b.values()
    assert a_id != b_id
    sha = SourceFile(A_PATH, DATA).sha256
    assert _files(store) == [(A_PATH, "alice@lab", sha, "default", a_id), (B_PATH, "bob@lab", sha, "lab", b_id)]
    # each run only in its workspace; the same one trial (score 7 on judge 1-10 -> (7-1)/9) in both
    assert runs.list_runs(store, scope=ALICE)["run_id"].tolist() == [a_id]
    assert runs.list_runs(store, scope=BOB)["run_id"].tolist() == [b_id]
    for rid, scope in ((a_id, ALICE), (b_id, BOB)):
        cells = trials.heatmap_cells(store, [rid], scope=scope)
        assert cells["mean_score"].round(6).tolist() == [round(6 / 9, 6)]
    assert runs.store_totals(store, scope=BOB) == {"runs": 1, "files": 1, "niah_trials": 1, "task_scores": 0,
                                                   "samples": 0}

    # again into B: already ingested, naming B's own stored file; nothing of A in any word
    plan_again, written = _ingest(store, "bob/copy.json", BOB, "lab")
    (again,) = plan_again.files
    assert again.status == DUPLICATE and written == {}
    assert again.message == f"already ingested (same content as {B_PATH})"
    # and into A again: A's own path
    assert prepare([SourceFile("x.json", DATA)], store, scope=ALICE).files[0].message.endswith(f"as {A_PATH})")
    for o in plan_b.files + plan_again.files:
        assert "alice-secret-project" not in o.message and "run" not in o.message
    assert len(_files(store)) == 2


def test_a_file_of_another_workspace_in_the_same_upload_is_stored_not_skipped(store):
    """A member of both workspaces: the file stored in ``default`` is new in ``lab``, a re-upload
    in ``default`` is still a duplicate, and a plan made for one workspace is not stored in another."""
    _ingest(store, A_PATH, BOTH, "default")
    plan = prepare([SourceFile(A_PATH, DATA)], store, scope=BOTH, workspace="lab")
    assert plan.workspace == "lab" and plan.files[0].status == READY
    try:
        commit(plan, store, scope=BOTH, workspace="default")
    except ValueError as exc:
        assert "checked against workspace 'lab', not 'default'" in str(exc)
    else:
        raise AssertionError("a plan prepared for lab was stored in default")
    (rid,) = commit(plan, store, scope=BOTH).values()
    assert runs.list_runs(store, scope=BOB)["run_id"].tolist() == [rid]
    assert prepare([SourceFile(A_PATH, DATA)], store, scope=BOTH, workspace="default").files[0].status == DUPLICATE


def test_rerun_versions_are_counted_per_workspace(store):
    """A changed RULER summary at a path stored in A is a first version in B, not A's version 2."""
    path = "/r/llama/synthetic/4096/pred/summary.csv"
    summary = "0,1\nTasks,niah_single_1\nScore,{}\nNulls,0/500\n"
    _ingest(store, path, ALICE, "default", summary.format(92.4).encode())
    plan, written = _ingest(store, path, BOB, "lab", summary.format(99.8).encode())
    (run,) = plan.runs.values()
    assert (run.version, run.rerun_of, run.run_key) == (1, None, "ruler:/r/llama/synthetic/4096/pred")
    keys = store.cursor().execute("SELECT workspace, run_key FROM runs ORDER BY run_id").fetchall()
    assert keys == [("default", "ruler:/r/llama/synthetic/4096/pred"), ("lab", "ruler:/r/llama/synthetic/4096/pred")]
    # a changed file at the same path in B is B's version 2
    plan2, _ = _ingest(store, path, BOB, "lab", summary.format(50.0).encode())
    (run2,) = plan2.runs.values()
    assert (run2.version, run2.rerun_of) == (2, list(written.values())[0])


def test_command_line_ingests_into_a_named_workspace(store, tmp_path, capsys):
    f = tmp_path / "m_len_1000_depth_5000_results.json"
    f.write_bytes(DATA)
    ingest_paths([f], store)
    create_workspace(store, "lab", scope=ALICE)
    plan, written = ingest_paths([f], store, workspace="lab")
    assert plan.files[0].status == READY and len(written) == 1
    assert store.cursor().execute("SELECT workspace FROM runs ORDER BY run_id").fetchall() == [("default",), ("lab",)]
    plan, written = ingest_paths([f], store, workspace="lab")
    assert plan.files[0].status == DUPLICATE and written == {}
    if not store.team:  # the command line opens the file itself; the team store is covered above
        store.close()
        assert main([str(f), "--db", store.path, "--workspace", "nowhere"]) == 2
        assert "no workspace 'nowhere'" in capsys.readouterr().err


def test_probe_sweeps_with_one_run_key_are_one_run_per_workspace(store):
    cell = pd.DataFrame({"context_length": [1024, 1024], "depth_percent": [0.0, 0.0], "score_raw": [1.0, 0.0],
                         "trial": [0, 1]})
    kw = dict(model="smollm2", label="sweep", tokenizer="own", config={})
    a = probes.write_sweep_cell(store, "probe-niah:k", trials=cell, scope=ALICE, workspace="default", **kw)
    assert probes.done_cells(store, "probe-niah:k", scope=BOB, workspace="lab") == {}
    assert probes.sweep_run_id(store, "probe-niah:k", scope=BOB, workspace="lab") is None
    b = probes.write_sweep_cell(store, "probe-niah:k", trials=cell, scope=BOB, workspace="lab", **kw)
    assert a != b
    assert probes.sweep_run_id(store, "probe-niah:k", scope=BOTH, workspace="lab") == b
    assert probes.done_cells(store, "probe-niah:k", scope=ALICE, workspace="default") == {(1024, 0.0): 2}
    assert probes.write_sweep_cell(store, "probe-niah:k", trials=cell.assign(context_length=2048),
                                   scope=BOB, workspace="lab", **kw) == b


def test_migration_rekeys_files_stored_in_other_workspaces_before(store):
    """A file stored in ``lab`` before identity was per workspace (file_id = its bare key) gets
    ``<key>@lab`` from migration 0013, so re-uploading it there is still "already ingested"."""
    _, written = _ingest(store, B_PATH, BOB, "lab")
    sha = SourceFile(B_PATH, DATA).sha256
    cur = store.cursor()
    for table in ("files", "run_files", "niah_trials"):  # as stored by the code before 0013
        cur.execute(f"UPDATE {table} SET file_id = ? WHERE file_id = ?", [sha, qualify(sha, "lab")])
    cur.execute("DELETE FROM schema_migrations WHERE name = '0013_workspace_file_identity.sql'")
    assert apply_migrations(cur) == ["0013_workspace_file_identity.sql"]
    (rid,) = written.values()
    for table in ("run_files", "niah_trials"):
        assert cur.execute(f"SELECT DISTINCT file_id FROM {table} WHERE run_id = ?", [rid]).fetchall() == [
            (f"{sha}@lab",)]
    assert cur.execute("SELECT count(*) FROM files WHERE file_id = ?", [f"{sha}@lab"]).fetchone()[0] == 1
    assert prepare([SourceFile("again.json", DATA)], store, scope=BOB).files[0].status == DUPLICATE
