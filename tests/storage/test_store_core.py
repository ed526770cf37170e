"""The store core: migrations, concurrency guard, ingest of the F1 legacy NIAH run."""
from __future__ import annotations

import subprocess
import sys

import pytest

from storage.db import StoreBusyError, open_store
from storage.ingest import DUPLICATE, ERROR, READY, ingest_paths, main, prepare
from storage.importers.source import SourceFile

CLAUDE = "gkamradt__LLMTest_NeedleInAHaystack/original_results/Anthropic_Original_Results"


def test_claude21_run_is_one_run_with_repeats_as_trials(store, real_data):
    plan, written = ingest_paths([real_data / CLAUDE], store)
    assert not plan.failed
    assert len(written) == 1 and sum(o.status == READY for o in plan.files) == 1376
    cur = store.cursor()
    n, n_v1, mean_v1 = cur.execute(
        "SELECT count(*), count(*) FILTER (version = 1), avg(score_raw) FILTER (version = 1) FROM niah_trials"
    ).fetchone()
    assert (n, n_v1) == (1376, 1225)
    assert round(mean_v1, 2) == 6.02  # docs/result_formats.md §17
    # the 151 version-2 files are second trials of their cells, not overwrites
    assert cur.execute("SELECT count(*) FROM niah_trials WHERE trial = 1").fetchone()[0] == 151
    by_len = dict(cur.execute(
        "SELECT context_length, avg(score_raw) FROM niah_trials WHERE version = 1 GROUP BY 1").fetchall())
    assert by_len[1000] == 10.0 and round(by_len[200000], 1) == 2.2
    # normalised judge score: (raw - 1) / 9
    assert cur.execute("SELECT min(score), max(score) FROM niah_trials").fetchone() == (0.0, 1.0)


def test_reingest_adds_nothing_even_renamed(store, real_data, tmp_path):
    src = real_data / CLAUDE / "token_len_1000_depth_0_results.json"
    ingest_paths([src], store)
    renamed = tmp_path / "renamed.json"
    renamed.write_bytes(src.read_bytes())
    plan, written = ingest_paths([renamed], store)
    assert written == {} and plan.files[0].status == DUPLICATE
    assert "already ingested" in plan.files[0].message
    assert store.cursor().execute("SELECT count(*) FROM niah_trials").fetchone()[0] == 1


@pytest.mark.parametrize(
    "data, expect",
    [
        (b"", "empty"),
        (b'{"model": "m", "context_length": 1000, "depth_percent": 50.0, "score": 10, "model_res', "truncated"),
        (b'{"model": "m", "context_length": "1k", "depth_percent": 50.0, "score": 10, "model_response": "x"}', "context_length"),
        (b'{"model": "m", "context_length": 1000, "depth_percent": 150.0, "score": 10, "model_response": "x"}', "depth_percent"),
        (b"\xff\xfe{}", "UTF-16"),
        (b'{"model": "m", "context_length": 1000, "depth_percent": 5.0, "score": 10, "model_response": "caf\xe9"}', "not UTF-8"),
        (b"hello,world\n1,2\n", "unknown format"),
    ],
)
def test_bad_files_are_named_with_the_field_and_store_unchanged(store, real_data, data, expect):
    good = real_data / CLAUDE / "token_len_1000_depth_0_results.json"
    ingest_paths([good], store)
    bad = SourceFile("token_len_1000_depth_5000_results.json" if data[:1] in (b"{", b"\xff", b"") else "x.csv", data)
    ok = SourceFile(f"{real_data / CLAUDE}/token_len_1000_depth_10000_results.json",
                    (real_data / CLAUDE / "token_len_1000_depth_10000_results.json").read_bytes())
    plan = prepare([bad, ok], store)
    assert plan.files[0].status == ERROR and expect in plan.files[0].message
    assert bad.path in plan.files[0].message
    assert plan.files[1].status == READY


def test_bom_prefixed_utf8_is_read(store):
    body = b'{"model": "m", "context_length": 1000, "depth_percent": 5.0, "score": 10, "model_response": "x", "needle": "n"}'
    plan = prepare([SourceFile("token_len_1000_depth_500_results.json", b"\xef\xbb\xbf" + body)], store)
    assert plan.files[0].status == READY and "byte-order mark" in plan.files[0].message


def test_cli_exit_status_and_lines(tmp_path, real_data, capsys):
    bad = tmp_path / "broken.json"
    bad.write_text("{")
    db = tmp_path / "cli.duckdb"
    code = main([str(real_data / CLAUDE / "token_len_1000_depth_0_results.json"), str(bad), "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED" in out and "broken.json" in out and "ok " in out


def test_second_process_gets_busy_message(tmp_path):
    db = tmp_path / "busy.duckdb"
    s = open_store(db)
    code = "from storage.db import open_store\nopen_store(%r)" % str(db)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]))
    assert proc.returncode != 0 and "database is busy" in proc.stderr
    s.close()


def test_failed_batch_rolls_back(store, real_data, monkeypatch):
    from storage import writer

    plan = prepare([SourceFile(str(p), p.read_bytes()) for p in sorted((real_data / CLAUDE).glob("token_len_1000_*"))[:3]], store)

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "write_run", boom)
    from storage.ingest import commit

    with pytest.raises(RuntimeError):
        commit(plan, store)
    cur = store.cursor()
    assert cur.execute("SELECT count(*) FROM files").fetchone()[0] == 0
    assert cur.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
