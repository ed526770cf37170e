"""Two backends, one code path: store selection, ids unique across clients and never reused,
ingest identity re-checked inside the write transaction, conflicting commits retried, a failed
ingest leaving nothing, an old embedded file still opening, and the many-writers stress test."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from storage.db import Store, default_db_path, is_team_store, open_store
from storage.ids import ID_NAMES, allocate_ids
from storage.ingest import commit, prepare
from storage.importers.source import SourceFile
from storage.migrations import migration_files
from storage.runs import delete_run
from tests.storage import team_stress

ROOT = Path(__file__).resolve().parents[2]
LEGACY_SQL = Path(__file__).parent / "fixtures" / "legacy_schema_0001_0004.sql"


def _niah(k: int, length: int = 1000, folder: str = "runs") -> SourceFile:
    body = {"model": f"model-{k}", "context_length": length, "depth_percent": 50.0, "score": 10,
            "model_response": f"response {k} {length}"}
    return SourceFile(f"{folder}/run_{k}/token_len_{length}_depth_50_results.json", json.dumps(body).encode())


def _count(store, table: str) -> int:
    return store.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_store_setting_picks_the_backend(monkeypatch, tmp_path):
    for var in ("LONGSCOPE_STORE", "LONGSCOPE_DB"):
        monkeypatch.delenv(var, raising=False)
    assert default_db_path() == str(Path("data") / "longscope.duckdb")
    monkeypatch.setenv("LONGSCOPE_DB", str(tmp_path / "old.duckdb"))
    assert default_db_path() == str(tmp_path / "old.duckdb")
    url = "ducklake:postgres:dbname=longscope host=db port=5432 user=longscope"
    monkeypatch.setenv("LONGSCOPE_STORE", url)
    assert default_db_path() == url and is_team_store(url) and not is_team_store(str(tmp_path / "old.duckdb"))


def test_run_ids_count_up_and_are_never_reused(store):
    plan, written = ingest_paths_from(store, [_niah(0), _niah(1)])
    assert sorted(written.values()) == [1, 2]
    delete_run(store, 2)
    _, again = ingest_paths_from(store, [_niah(2)])
    assert list(again.values()) == [3]  # not 2: a deep link to the deleted run never shows another one


def ingest_paths_from(store, sources):
    plan = prepare(sources, store)
    return plan, commit(plan, store)


def test_same_file_prepared_twice_is_stored_once(store):
    """Two clients prepare the same file before either commits: the second commit re-checks the
    file's identity inside its transaction and adds nothing; a second file of the same run found
    by another client after prepare() is appended to that run, not made a second run."""
    first, second = prepare([_niah(7)], store), prepare([_niah(7)], store)
    other_file = prepare([_niah(7, length=2000)], store)
    assert commit(first, store) and commit(second, store) == {}
    appended = commit(other_file, store)
    assert _count(store, "runs") == 1 and _count(store, "files") == 2 and _count(store, "niah_trials") == 2
    assert list(appended.values()) == [1]


def test_checkpoint_keeps_every_row(store):
    """Maintenance (DuckLake: inlined rows to Parquet, small files merged) changes no row."""
    for k in range(3):
        ingest_paths_from(store, [_niah(k), _niah(k, length=2000)])
    heat = store.cursor().execute("SELECT run_id, context_length, score FROM niah_trials ORDER BY ALL").fetchall()
    store.checkpoint()
    assert store.cursor().execute("SELECT run_id, context_length, score FROM niah_trials ORDER BY ALL").fetchall() == heat
    assert len(heat) == 6 and _count(store, "runs") == 3
    assert list(commit(prepare([_niah(9)], store), store).values()) == [4]


def test_failed_ingest_leaves_no_partial_run_and_no_used_id(store, monkeypatch):
    from storage import writer

    real = writer.write_run

    def fail_after_the_run_row(cur, run, *a, **k):
        real(cur, run, *a, **k)
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "write_run", fail_after_the_run_row)
    plan = prepare([_niah(1)], store)
    with pytest.raises(RuntimeError, match="disk full"):
        commit(plan, store)
    assert [_count(store, t) for t in ("runs", "files", "run_files", "niah_trials")] == [0, 0, 0, 0]
    monkeypatch.setattr(writer, "write_run", real)
    assert list(commit(prepare([_niah(1)], store), store).values()) == [1]


def test_conflicting_commit_is_retried_not_lost(team_location):
    """Client A's transaction overlaps client B's commit: DuckLake rejects A's COMMIT; A runs again
    from the start, sees B's id, and both results are stored with distinct ids."""
    url, data = team_location
    a, b = Store(url, data), Store(url, data)
    a._queue = b._queue = None  # writers that do not queue on the advisory lock (a notebook): the counter catches them
    attempts = []

    def a_write(cur):
        attempts.append(allocate_ids(cur, "probe_id"))
        if len(attempts) == 1:  # B commits while A's transaction is open
            b.write(lambda c: allocate_ids(c, "probe_id"))
        return attempts[-1]

    assert a.write(a_write) == 2
    assert attempts == [1, 2] and a.stats.retries == 1 and b.stats.retries == 0
    assert a.cursor().execute("SELECT last_id FROM id_counters WHERE name = 'probe_id'").fetchone()[0] == 2
    a.close(), b.close()


def test_an_embedded_file_from_before_the_team_store_opens_and_keeps_counting(tmp_path):
    """A file made by the first 0001-0004 (sequences, primary keys, UNIQUE run_key) opens: 0010 is
    applied, its counters start after the ids its sequences handed out, ingest works."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(LEGACY_SQL.read_text())
    con.execute("CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp)")
    con.executemany("INSERT INTO schema_migrations (name) VALUES (?)", [[p.name] for p in migration_files()[:4]])
    # two runs made by the old code, the second deleted: its id 2 must not come back
    con.execute("INSERT INTO runs (run_key, label, benchmark, harness, score_scale) VALUES ('a', 'a', 'niah', 'x', 'binary')")
    con.execute("INSERT INTO runs (run_key, label, benchmark, harness, score_scale) VALUES ('b', 'b', 'niah', 'x', 'binary')")
    con.execute("DELETE FROM runs WHERE run_key = 'b'")
    con.close()
    store = open_store(path)
    assert {r[0] for r in store.cursor().execute("SELECT name FROM schema_migrations").fetchall()} >= {
        p.name for p in migration_files()}
    _, written = ingest_paths_from(store, [_niah(5)])
    # after a reopen DuckDB reports a sequence's *next* value as last_value, so 3 may be skipped
    assert list(written.values())[0] in (3, 4)
    assert _count(store, "niah_trials") == 1
    store.close()


def test_clients_starting_together_create_the_schema_once(team_location):
    """Three processes open a new team store at the same moment: each migration runs once (the
    losers of the race are rolled back and find it applied), and all three start."""
    url, data = team_location
    code = ("from storage.db import open_store; s = open_store(%r, data_path=%r); "
            "print(s.cursor().execute('SELECT count(*) FROM id_counters').fetchone()[0])" % (url, data))
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [e[-2000:] for _, e in outs]
    assert [o.strip() for o, _ in outs] == [str(len(ID_NAMES) + 1)] * 3  # the id rows + 'writes', once
    store = open_store(url, data_path=data)
    names = [r[0] for r in store.cursor().execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]
    assert names == [p.name for p in migration_files()]
    store.close()


@pytest.mark.stress
def test_eight_writers_and_a_reader_lose_nothing(team_location, tmp_path):
    """8 processes x 50 ingests (every file ingested by several of them) into one team store while
    a reader process queries heatmaps: exactly the expected runs, files and trials, no duplicates,
    run ids unique, no error reached a client."""
    url, data = team_location
    open_store(url, data_path=data).close()  # create the schema once (first-start races have their own test)
    result = team_stress.run_stress(url, data, tmp_path, workers=8, ingests=50, n_runs=10)
    paths = team_stress.write_files(tmp_path / "files", 10)
    taken = {p for w in range(8) for p in team_stress.worker_share(paths, w, 50)}
    runs_expected = {Path(p).parent.name for p in taken}
    assert [e for w in result["workers"] for e in w["errors"]] == [] and result["reader"]["errors"] == []
    assert result["reader"]["queries"] > 0
    store = open_store(url, data_path=data)
    cur = store.cursor()
    assert _count(store, "runs") == len(runs_expected) and _count(store, "files") == len(taken)
    assert _count(store, "niah_trials") == len(taken) and _count(store, "run_files") == len(taken)
    assert cur.execute("SELECT count(DISTINCT run_id), count(DISTINCT run_key) FROM runs").fetchone() == (
        len(runs_expected), len(runs_expected))
    assert cur.execute("SELECT count(DISTINCT file_id) FROM files").fetchone()[0] == len(taken)
    # each run: its two lengths, one trial each (a duplicate ingest would add trial 1)
    assert cur.execute("SELECT max(trial), count(DISTINCT (run_id, context_length)) FROM niah_trials").fetchone() == (
        0, len(taken))
    assert sum(w["runs_written"] for w in result["workers"]) == len(taken)  # one write per distinct file
    store.close()
