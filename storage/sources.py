"""Turn what the user gave (files, folders, .zip archives, uploads) into :class:`SourceFile` objects.

Folders are walked recursively; zip members are read in memory. Files over the size limit
(``$LONGSCOPE_MAX_FILE_MB``, default 1024 MB) are refused before being read.
"""
from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from storage.importers.source import SourceFile

#: extensions a harness result file can have; other files inside folders/zips are skipped
RESULT_SUFFIXES = {".json", ".jsonl", ".csv", ".tsv", ".parquet"}


def max_file_bytes() -> int:
    """Per-file size limit in bytes (``$LONGSCOPE_MAX_FILE_MB``, default 1024 MB)."""
    return int(float(os.environ.get("LONGSCOPE_MAX_FILE_MB", "1024")) * 1024 * 1024)


@dataclass
class SkippedInput:
    """An input that was not read: ``reason`` says why; ``error`` is True for real failures."""

    path: str
    reason: str
    error: bool


def _too_big(size: int) -> str | None:
    limit = max_file_bytes()
    if size > limit:
        return f"file is {size / 2**20:,.1f} MB, over the {limit / 2**20:,.0f} MB limit (set LONGSCOPE_MAX_FILE_MB)"
    return None


def from_zip(name: str, data: bytes) -> tuple[list[SourceFile], list[SkippedInput]]:
    """Members of a zip archive as source files named ``<zip name>/<member path>``."""
    sources, skipped = [], []
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return [], [SkippedInput(name, f"not a readable zip archive: {exc}", True)]
    with zf:
        for info in zf.infolist():
            member = info.filename
            path = f"{name}/{member}"
            if info.is_dir() or "__MACOSX" in member or Path(member).name.startswith("."):
                continue
            if Path(member).suffix.lower() not in RESULT_SUFFIXES:
                skipped.append(SkippedInput(path, "not a result file type (skipped)", False))
                continue
            reason = _too_big(info.file_size)
            if reason:
                skipped.append(SkippedInput(path, reason, True))
                continue
            try:
                sources.append(SourceFile(path, zf.read(info)))
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                skipped.append(SkippedInput(path, f"cannot read zip member: {exc}", True))
    return sources, skipped


def from_upload(name: str, data: bytes) -> tuple[list[SourceFile], list[SkippedInput]]:
    """An uploaded file (a zip is expanded). ``name`` may carry folders (``model/run/file.json``)."""
    if name.lower().endswith(".zip"):
        return from_zip(name, data)
    reason = _too_big(len(data))
    if reason:
        return [], [SkippedInput(name, reason, True)]
    return [SourceFile(name, data)], []


def from_paths(paths: list[str | Path]) -> tuple[list[SourceFile], list[SkippedInput]]:
    """Read files, folders (recursively, sorted) and zip archives from disk.

    Source paths are absolute, so importers can read model / length from parent folders.
    """
    sources: list[SourceFile] = []
    skipped: list[SkippedInput] = []
    for given in paths:
        root = Path(given).expanduser()
        if not root.exists():
            skipped.append(SkippedInput(str(given), "no such file or folder", True))
            continue
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for f in files:
            if any(part.startswith(".") for part in f.relative_to(root.parent if root.is_file() else root).parts):
                continue
            posix = f.resolve().as_posix()
            suffix = f.suffix.lower()
            if suffix != ".zip" and suffix not in RESULT_SUFFIXES:
                if root.is_file():
                    skipped.append(SkippedInput(posix, f"unknown format: extension {suffix or 'none'} is not a result file type", True))
                else:
                    skipped.append(SkippedInput(posix, "not a result file type (skipped)", False))
                continue
            reason = _too_big(f.stat().st_size)
            if reason:
                skipped.append(SkippedInput(posix, reason, True))
                continue
            data = f.read_bytes()
            if suffix == ".zip":
                s, k = from_zip(posix, data)
                sources += s
                skipped += k
            else:
                sources.append(SourceFile(posix, data))
    return sources, skipped
