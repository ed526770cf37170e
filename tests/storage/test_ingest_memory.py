"""What keeps an ingest's memory down (issue 14, item 4) keeps its results: a released file keeps
its identity and size; trials appended to a stored run continue its numbering."""
from __future__ import annotations

import hashlib
import json

from storage.importers.source import SourceFile
from storage.ingest import ingest_paths


def test_a_released_file_keeps_its_identity_and_size():
    src = SourceFile("run/results.jsonl", b'{"a": 1}\n')
    src.release()
    assert src.data == b"" and src.size == 9 and src.sha256 == hashlib.sha256(b'{"a": 1}\n').hexdigest()


def test_ingest_from_disk_stores_the_size_of_the_file_not_of_the_released_bytes(store, tmp_path):
    rows = [{"model": "m-7b", "benchmark": "niah", "task": "single", "context_length": 1000 * (i + 1),
             "depth_percent": 50.0, "score": 1.0, "scale": "binary"} for i in range(3)]
    path = tmp_path / "trials.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    plan, written = ingest_paths([path], store)
    assert written and [f.size for f in plan.files] == [path.stat().st_size]
    stored = store.cursor().execute("SELECT size_bytes, sha256 FROM files").fetchall()
    assert stored == [(path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())]


def _legacy_test(length: int, depth: int, score: int, version: int = 1) -> bytes:
    return json.dumps({"model": "claude-2.1", "context_length": length, "depth_percent": depth, "version": version,
                       "needle": "The best thing to do in San Francisco is eat a sandwich.",
                       "model_response": f"answer {score}", "score": score}).encode()


def test_files_appended_to_a_stored_run_continue_its_trials_per_cell(store):
    """The first free trial of each cell is looked up per row (no join in the INSERT, whose hash
    table held every new row): a repeat of a stored cell is trial 1, a new cell starts at 0."""
    from storage.ingest import commit, prepare

    first = prepare([SourceFile("r/claude/token_len_1000_depth_0_results.json", _legacy_test(1000, 0, 10)),
                     SourceFile("r/claude/token_len_1000_depth_50_results.json", _legacy_test(1000, 50, 1))], store)
    run_id = commit(first, store)["niah_legacy:r/claude:claude-2.1"]
    later = prepare([SourceFile("r/claude/token_len_1000_depth_0_results_2.json", _legacy_test(1000, 0, 5, 2)),
                     SourceFile("r/claude/token_len_2000_depth_0_results.json", _legacy_test(2000, 0, 3))], store)
    assert later.runs["niah_legacy:r/claude:claude-2.1"].existing_run_id == run_id
    commit(later, store)
    rows = store.cursor().execute("""SELECT context_length, depth_percent, trial, score_raw FROM niah_trials
                                     WHERE run_id = ? ORDER BY ALL""", [run_id]).fetchall()
    assert rows == [(1000, 0.0, 0, 10.0), (1000, 0.0, 1, 5.0), (1000, 50.0, 0, 1.0), (2000, 0.0, 0, 3.0)]


def test_a_file_store_writes_each_full_row_group_as_it_fills(tmp_path):
    """DuckDB's default buffers 5 uncompressed row groups of a bulk insert (+150 MiB for 780,000
    trials with needles and responses; benchmarks/upload_memory.py): a file store buffers one."""
    from storage.db import open_store

    store = open_store(tmp_path / "s.duckdb")
    try:
        assert store.cursor().execute("SELECT current_setting('write_buffer_row_group_count')").fetchone() == (1,)
    finally:
        store.close()


def test_repeats_are_numbered_in_row_order_within_each_cell():
    import pyarrow as pa

    from storage.writer import _row_order_trials

    table = pa.table({"context_length": [1000, 2000, 1000, 1000, 2000, 4000, 1000],
                      "depth_percent": [0.0, 0.0, 0.0, 50.0, 0.0, 0.0, 0.0]})
    assert _row_order_trials(table).tolist() == [0, 0, 1, 0, 1, 0, 2]
