"""Turn what the user gave (files, folders, .zip archives, uploads) into :class:`SourceFile` objects.

Folders are walked recursively; zip members are read in memory. Files over the size limit
(``$LONGSCOPE_MAX_FILE_MB``, default 1024 MB) are refused before being read; a zip archive whose
members add up to more than ``$LONGSCOPE_MAX_ZIP_MB`` (default 2048 MB) uncompressed is refused
whole before any member is decompressed (a 2 MB "zip bomb" cannot take the server's memory), and
a member whose path leaves the archive (``../``, ``..\\``, an absolute path) is skipped with an error.

Paths, and so the names importers read from folders (model, length, task), on each route:
``<picked folder>/<path inside>`` for a browser folder upload (the relative path the browser
sends), ``<zip name>/<member path>`` for a zip, the absolute path on the command line (which ends
the same way), and the file name alone for files picked one by one in the browser or a folder
dropped on the uploader (a browser sends no folders for those: the Upload page says so).
"""
from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from storage.importers.source import SourceFile, detect_bytes

#: extensions a harness result file can have; other files inside folders/zips are skipped
RESULT_SUFFIXES = {".json", ".jsonl", ".csv", ".tsv", ".parquet"}
#: full-name endings read as well (HELMET writes ``<output>.json.score``)
RESULT_ENDINGS = (".json.score",)
#: name ending of the archive the Upload page packs many picked files into (``ui.upload_packer``):
#: its members are read as the uploaded files themselves, at their own paths
PACK_SUFFIX = ".longscope-pack.zip"


def max_file_bytes() -> int:
    """Per-file size limit in bytes (``$LONGSCOPE_MAX_FILE_MB``, default 1024 MB)."""
    return int(float(os.environ.get("LONGSCOPE_MAX_FILE_MB", "1024")) * 1024 * 1024)


def max_zip_bytes() -> int:
    """Limit in bytes on the total uncompressed size of one zip archive's members
    (``$LONGSCOPE_MAX_ZIP_MB``, default 2048 MB)."""
    return int(float(os.environ.get("LONGSCOPE_MAX_ZIP_MB", "2048")) * 1024 * 1024)


def _unsafe_member(member: str) -> bool:
    """A zip member path that is absolute or climbs out of the archive (either slash)."""
    parts = member.replace("\\", "/").split("/")
    return member.startswith(("/", "\\")) or (len(member) > 1 and member[1] == ":") or ".." in parts


def is_result_file(name: str) -> bool:
    """True for a name with a result-file extension (or ending, e.g. ``.json.score``)."""
    lower = name.lower()
    return Path(lower).suffix in RESULT_SUFFIXES or lower.endswith(RESULT_ENDINGS)


@dataclass
class SkippedInput:
    """An input that was not read: ``reason`` says why; ``error`` is True for real failures."""

    path: str
    reason: str
    error: bool


def _redundant_reason(name: str, siblings: set[str]) -> str | None:
    if name.endswith(".json.score") and name[: -len(".score")] in siblings:
        return f"skipped: {name[: -len('.score')]} beside it holds the same averaged_metrics"
    if name == "submission.csv" and any(s.endswith(".jsonl") for s in siblings):
        return "skipped: RULER submission.csv repeats the predictions of the <task>.jsonl files beside it"
    return None


def drop_redundant(sources: list[SourceFile]) -> tuple[list[SourceFile], list[SkippedInput]]:
    """Set aside files that only repeat a file beside them (same folder, same batch).

    - HELMET ``X.json.score`` is ``X.json``'s ``averaged_metrics``;
    - RULER ``submission.csv`` is built from the ``<task>.jsonl`` files of its ``pred/`` folder
      (which also carry the references, so the samples can be scored).

    Reading both would store the same rows twice in one run. Returns (kept, skipped-with-reason).
    """
    folders: dict[str, set[str]] = {}
    for src in sources:
        folders.setdefault(src.folder, set()).add(src.name)
    kept, skipped = [], []
    for src in sources:
        reason = _redundant_reason(src.name, folders[src.folder])
        if reason:
            skipped.append(SkippedInput(src.path, reason, False))
        else:
            kept.append(src)
    return kept, skipped


def _too_big(size: int) -> str | None:
    limit = max_file_bytes()
    if size > limit:
        return f"file is {size / 2**20:,.1f} MB, over the {limit / 2**20:,.0f} MB limit (set LONGSCOPE_MAX_FILE_MB)"
    return None


def from_zip(name: str, data: bytes, prefix: bool = True) -> tuple[list[SourceFile], list[SkippedInput]]:
    """Members of a zip archive as source files named ``<zip name>/<member path>`` (``prefix``
    False: ``<member path>``, for the Upload page's packed files, :data:`PACK_SUFFIX`)."""
    sources, skipped = [], []
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return [], [SkippedInput(name, f"not a readable zip archive: {exc}", True)]
    with zf:
        total = sum(i.file_size for i in zf.infolist() if not i.is_dir())
        if total > max_zip_bytes():
            return [], [SkippedInput(name, f"zip archive holds {total / 2**20:,.0f} MB uncompressed, over the "
                                           f"{max_zip_bytes() / 2**20:,.0f} MB limit (set LONGSCOPE_MAX_ZIP_MB)", True)]
        for info in zf.infolist():
            member = info.filename
            path = f"{name}/{member}" if prefix else member
            if _unsafe_member(member):
                skipped.append(SkippedInput(path, "member path leaves the archive (.., or absolute): not read", True))
                continue
            if info.is_dir() or "__MACOSX" in member or Path(member).name.startswith("."):
                continue
            if not is_result_file(member):
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
    kept, copies = drop_redundant(sources)
    return kept, skipped + copies


def from_upload(name: str, data: bytes) -> tuple[list[SourceFile], list[SkippedInput]]:
    """An uploaded file (a zip is expanded; the page's packed archive into its members at their own
    paths). ``name`` may carry folders (``model/run/file.json``)."""
    if name.endswith(PACK_SUFFIX):
        return from_zip(name, data, prefix=False)
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
            if suffix != ".zip" and not is_result_file(f.name):
                if root.is_file():
                    skipped.append(SkippedInput(posix, f"unknown format: extension {suffix or 'none'} is not a result file type", True))
                else:
                    skipped.append(SkippedInput(posix, "not a result file type (skipped)", False))
                continue
            size = f.stat().st_size
            reason = _too_big(size)
            if reason:
                skipped.append(SkippedInput(posix, reason, True))
                continue
            if suffix != ".zip" and size > detect_bytes():
                sources.append(SourceFile(posix, disk_path=posix))  # read in pieces or by the parser: never held whole
                continue
            data = f.read_bytes()
            if suffix == ".zip":
                s, k = from_zip(posix, data)
                sources += s
                skipped += k
            else:
                sources.append(SourceFile(posix, data, disk_path=posix))
    kept, copies = drop_redundant(sources)
    return kept, skipped + copies
