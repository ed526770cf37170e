"""A file larger than format detection reads is not held in memory by the CLI (issue 14, item 4).

``storage.sources.from_paths`` gives such a file as its path: detection, the sha256 and the UTF-8
check read it in pieces, and the tidy JSON Lines reader streams it from disk, so its bytes are never
loaded whole. Reading in pieces must not mix two versions of a file that is still being written.
"""
from __future__ import annotations

import hashlib
import json
import os

import pytest

from storage.importers import registry, tidy
from storage.importers.source import FormatError, SourceFile
from storage.ingest import ERROR, READY, ingest_paths, prepare
from storage.sources import from_paths


def _trials(path, n: int) -> bytes:
    rows = [{"model": "m-7b", "benchmark": "niah", "task": "single", "context_length": 1000 * (1 + i % 4),
             "depth_percent": 25.0 * (i % 5), "score": float(i % 2), "scale": "binary",
             "needle": "The magic number is 42.", "response": "It is 42." if i % 2 else "No idea."}
            for i in range(n)]
    data = ("\n".join(json.dumps(r) for r in rows) + "\n").encode()
    path.write_bytes(data)
    return data


@pytest.fixture
def small_detect(monkeypatch):
    """Files over 2,000 bytes count as large (the default threshold is 8 MiB)."""
    monkeypatch.setenv("LONGSCOPE_DETECT_BYTES", "2000")


def test_a_large_file_is_given_by_path_and_a_small_one_by_its_bytes(tmp_path, small_detect):
    _trials(tmp_path / "big.jsonl", 100)
    _trials(tmp_path / "small.jsonl", 2)
    sources, _ = from_paths([tmp_path])
    by_name = {s.name: s for s in sources}
    assert by_name["big.jsonl"].on_disk_only and not by_name["small.jsonl"].on_disk_only


def test_detection_identity_and_parsing_of_a_large_tidy_file_never_load_it(tmp_path, small_detect):
    data = _trials(tmp_path / "trials.jsonl", 100)
    [src], _ = from_paths([tmp_path / "trials.jsonl"])
    assert registry.detect(src) is tidy
    assert src.sha256 == hashlib.sha256(data).hexdigest() and src.size == len(data)
    assert src.head_bytes(9) == data[:9] and src.tail_bytes(9) == data[-9:]
    [run] = tidy.parse(src)
    assert src.on_disk_only  # every step above read the file in pieces
    assert len(run.niah_trials) == 100 and run.niah_trials["score_raw"].sum() == 50
    assert list(run.niah_trials["response"][:2]) == ["No idea.", "It is 42."]


def test_a_large_file_ingests_with_the_sha256_of_its_bytes(tmp_path, small_detect, store):
    data = _trials(tmp_path / "trials.jsonl", 100)
    plan, written = ingest_paths([tmp_path / "trials.jsonl"], store)
    assert [o.status for o in plan.files] == [READY] and len(written) == 1
    stored = store.cursor().execute("SELECT size_bytes, sha256 FROM files").fetchall()
    assert stored == [(len(data), hashlib.sha256(data).hexdigest())]
    assert store.cursor().execute("SELECT count(*), sum(score) FROM niah_trials").fetchone() == (100, 50.0)


def test_a_file_that_changes_while_it_is_read_is_refused_by_name(tmp_path, small_detect, store):
    path = tmp_path / "trials.jsonl"
    _trials(path, 100)
    [src], _ = from_paths([path])
    src.sha256  # noqa: B018 - identity taken from the first version
    _trials(path, 120)  # the harness is still writing it
    os.utime(path, ns=(1, 1))  # a different modification time even on a coarse clock
    plan = prepare([src], store)
    [out] = plan.files
    assert out.status == ERROR
    assert out.message == (f"{path.as_posix()}: the file changed while it was being read (is it still being "
                           "written?): read it again once it is complete")


def test_a_large_file_that_is_not_utf8_names_line_and_column(tmp_path, small_detect):
    path = tmp_path / "trials.jsonl"
    data = _trials(path, 100)
    cut = data.index(b"\n", 3000) + 1  # past the first 2,000 bytes detection reads
    path.write_bytes(data[:cut] + b'{"model": "m\xff"}\n' + data[cut:])
    [src], _ = from_paths([path])
    line = data[:cut].count(b"\n") + 1
    with pytest.raises(FormatError, match=rf"\(line {line}, column 13\): not UTF-8 text \(byte 0xff\)"):
        src.check_utf8()


def test_a_large_file_of_whitespace_is_empty(tmp_path, small_detect):
    (tmp_path / "blank.jsonl").write_bytes(b" \n" * 5000)
    [src], _ = from_paths([tmp_path / "blank.jsonl"])
    with pytest.raises(FormatError, match=r"blank\.jsonl: the file is empty"):
        registry.detect(src)


def test_a_source_needs_its_bytes_or_its_path():
    with pytest.raises(ValueError, match="x.json: give the bytes or the file on disk"):
        SourceFile("x.json")


def test_a_file_that_changes_before_it_is_hashed_fails_alone(tmp_path, small_detect, store):
    good, growing = tmp_path / "good.jsonl", tmp_path / "growing.jsonl"
    _trials(good, 10)
    _trials(growing, 100)
    sources, _ = from_paths([tmp_path])
    with growing.open("ab") as f:  # the harness appends a line after the CLI listed the folder
        f.write(b'{"model": "m-7b"}\n')
    plan = prepare(sources, store)
    by_path = {o.path: o for o in plan.files}
    assert by_path[good.as_posix()].status == READY
    assert by_path[growing.as_posix()].status == ERROR
    assert "growing.jsonl: the file changed while it was being read" in by_path[growing.as_posix()].message


def test_a_file_that_vanishes_is_refused_by_name(tmp_path, small_detect, store):
    path = tmp_path / "gone.jsonl"
    _trials(path, 100)
    [src], _ = from_paths([path])
    path.unlink()
    [out] = prepare([src], store).files
    assert out.status == ERROR and out.message.startswith(f"{path.as_posix()}: could not be read again: ")


def test_a_small_file_is_parsed_from_the_bytes_that_were_hashed(tmp_path, store):
    """A file read whole is hashed from those bytes; no reader may go back to the disk for newer ones."""
    path = tmp_path / "trials.csv"
    rows = "m-7b,niah,single,1000,{d},1,binary\n"
    data = ("model,benchmark,task,context_length,depth_percent,score,scale\n"
            + "".join(rows.format(d=d) for d in (0, 50))).encode()
    path.write_bytes(data)
    sources, skipped = from_paths([path])
    with path.open("a") as f:
        f.write(rows.format(d=100))
    from storage.ingest import commit
    commit(prepare(sources, store, skipped), store)
    cur = store.cursor()
    assert cur.execute("SELECT sha256, size_bytes FROM files").fetchall() == [(hashlib.sha256(data).hexdigest(), len(data))]
    assert cur.execute("SELECT depth_percent FROM niah_trials ORDER BY 1").fetchall() == [(0.0,), (50.0,)]
