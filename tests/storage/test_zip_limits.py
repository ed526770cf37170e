"""Zip archives: a total uncompressed size over the limit is refused before decompressing; members
whose path leaves the archive are named, never dropped silently."""
from __future__ import annotations

import io
import json
import zipfile

from storage.sources import from_zip

ROW = json.dumps([{"model": "m", "context_length": 1000, "depth_percent": 0.0, "score": 10, "version": 1}])


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_over_the_total_limit_is_refused_whole(monkeypatch):
    monkeypatch.setenv("LONGSCOPE_MAX_ZIP_MB", "1")
    data = _zip({"a.json": b" " * 700_000, "b.json": b" " * 700_000})  # 1.4 MB of spaces: a few KB zipped
    assert len(data) < 20_000
    sources, skipped = from_zip("up.zip", data)
    assert sources == [] and len(skipped) == 1 and skipped[0].error
    assert "1 MB limit (set LONGSCOPE_MAX_ZIP_MB)" in skipped[0].reason and skipped[0].path == "up.zip"


def test_member_paths_leaving_the_archive_are_named():
    data = _zip({"ok/results.json": ROW.encode(), "..\\evil.json": ROW.encode(), "../up.json": ROW.encode(),
                 "/abs.json": ROW.encode()})
    sources, skipped = from_zip("up.zip", data)
    assert [s.path for s in sources] == ["up.zip/ok/results.json"]
    bad = sorted(s.path for s in skipped if s.error)
    assert len(bad) == 3 and all("leaves the archive" in s.reason for s in skipped if s.error)
