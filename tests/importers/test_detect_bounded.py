"""Format detection reads a bounded prefix; JSON Lines are read line by line (issue 13, items 12 and 16).

A large unrecognised ``.json`` used to be parsed whole to improve the error (50 MB -> 763 MB RSS):
it is now refused as "unknown format" from its first ``$LONGSCOPE_DETECT_BYTES`` bytes. A JSON Lines
file whose first line is longer than 64 KiB (a RULER line holds the whole prompt) is still detected.
"""
from __future__ import annotations

import json
import tracemalloc

import pytest

from storage.importers import longbench_pred, registry, ruler_pred, tidy
from storage.importers.source import FormatError, SourceFile
from storage.ingest import ERROR, prepare

MB = 2**20


def _unknown_json(size: int) -> bytes:
    """A syntactically valid JSON object of about ``size`` bytes that no importer recognises."""
    row = json.dumps({"colour": "teal", "weight": 12.5, "notes": "x" * 200}) + ","
    n = size // len(row)
    return ('{"inventory": [' + row * n + '{"colour": "end"}]}').encode()


def test_large_unknown_json_is_refused_without_parsing_it(store):
    data = _unknown_json(50 * MB)
    src = SourceFile("warehouse/stock.json", data)
    tracemalloc.start()
    try:
        plan = prepare([src], store)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [out] = plan.files
    assert out.status == ERROR
    assert out.message.startswith("warehouse/stock.json (format): unknown format")
    assert "LONGSCOPE_DETECT_BYTES" in out.message and "first 8,388,608 bytes" in out.message
    # parsing it whole took ~15x the file (json objects); detection keeps at most a few prefixes
    assert peak < 3 * len(data), f"peak {peak / MB:.0f} MB for a {len(data) / MB:.0f} MB file"
    assert peak < 64 * MB, f"peak {peak / MB:.0f} MB"


def test_small_unknown_json_still_reports_its_syntax_error():
    with pytest.raises(FormatError, match=r"x\.json \(line 1, column 9\): invalid JSON"):
        registry.detect(SourceFile("x.json", b'{"a": 1 "b": 2}'))


def test_detect_bytes_setting_bounds_what_is_read(monkeypatch):
    monkeypatch.setenv("LONGSCOPE_DETECT_BYTES", "1000")
    with pytest.raises(FormatError, match=r"first 1,000 bytes were read .*LONGSCOPE_DETECT_BYTES"):
        registry.detect(SourceFile("big.json", _unknown_json(5000)))


LONG = "lorem ipsum " * 8000  # 96,000 characters: a first line far over 64 KiB


@pytest.mark.parametrize("name, first, importer", [
    ("pred/m/qasper.jsonl", {"context": LONG, "pred": "a", "answers": ["a"], "all_classes": None, "length": 3000},
     longbench_pred),
    ("m/synthetic/4096/pred/niah_single_1.jsonl", {"input": LONG, "index": 0, "pred": "7", "outputs": ["7"]},
     ruler_pred),
    ("run.jsonl", {"response": LONG, "model": "m", "benchmark": "niah", "task": None, "context_length": 1000,
                   "depth_percent": 50, "score": 1, "scale": "binary"}, tidy),
])
def test_jsonl_first_line_over_64_kib_is_detected(name, first, importer):
    line = json.dumps(first)
    assert len(line) > 64 * 1024
    src = SourceFile(name, (line + "\n" + line + "\n").encode())
    assert registry.detect(src) is importer
    assert len(importer.parse(src)) >= 1


def test_jsonl_streamed_keeps_line_numbers_and_truncation():
    rows = SourceFile("a.jsonl", '{"a": "x\u2028y"}\n\n{"b": 2}\n'.encode()).jsonl()
    assert rows == [{"a": "x\u2028y"}, {"b": 2}]  # U+2028 inside a string is not a line break
    with pytest.raises(FormatError, match=r"a\.jsonl \(line 3\): line is cut off"):
        SourceFile("a.jsonl", b'{"a": 1}\n\n{"b": 2, "c": \n\n').jsonl()
    with pytest.raises(FormatError, match=r"a\.jsonl \(line 1\): invalid JSON"):
        SourceFile("a.jsonl", b'{"a": 1,}\n{"b": 2}\n').jsonl()
    with pytest.raises(FormatError, match=r"a\.jsonl \(line 2, column 7\): not UTF-8"):
        SourceFile("a.jsonl", b'{"a": 1}\n{"b": \xff}\n').jsonl()
