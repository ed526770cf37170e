"""The CLI's ingest drops a file's bytes once parsed and keeps its identity and size."""
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
