"""File identity and run versions: when a file is "already ingested", and when it is a re-run.

A file's identity is its content hash AND what its path contributes. RULER, LongBench, BABILong and
InfiniteBench keep the model, the sequence length or the task only in folder and file names, so
two byte-identical ``summary.csv`` files at ``.../4096/pred/`` and ``.../8192/pred/`` are two results.
An importer says how many trailing folders carry such facts with ``PATH_FOLDERS`` (default 0:
the path contributes nothing, as for NIAH files whose fields name model and length).

A *re-run* is a changed file (new content) at a path already stored in a run: it becomes a new
version of that run (``<run key>#v<N>``), never rows appended to (and averaged into) the old one.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from types import ModuleType

from storage.db import Store
from storage.importers.source import SourceFile

#: separator of a versioned run key: ``ruler:/x/pred#v2``
VERSION_SEP = "#v"


def path_facts(importer: ModuleType, src: SourceFile) -> dict[str, str]:
    """What the path contributes for ``importer``: ``{"folders": "<last N folders>", "file": name}``,
    ``{}`` when the format reads nothing from its path (``PATH_FOLDERS`` = 0 or unset)."""
    n = int(getattr(importer, "PATH_FOLDERS", 0))
    if n <= 0:
        return {}
    return {"folders": "/".join(src.parts[-n:]), "file": src.name}


def file_key(sha256: str, facts: dict[str, str]) -> str:
    """The stored ``files.file_id``: ``sha256`` alone without path facts, else
    ``"<sha256>:<first 16 hex of sha256(JSON of the facts)>"``."""
    if not facts:
        return sha256
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]
    return f"{sha256}:{digest}"


def known_files(store: Store, files: list[tuple[str, str, str]], cur=None) -> dict[str, str]:
    """``{file key: stored path}`` for the inputs already stored.

    Args:
        files: ``(file key, sha256, path)`` per input. A file stored before path facts were recorded
            (``path_facts`` NULL) matches its sha256 at the same path.
    """
    if not files:
        return {}
    cur = cur or store.cursor()
    keys, shas, paths = (list(c) for c in zip(*files))
    rows = cur.execute(
        """SELECT file_id, sha256, path, path_facts IS NULL FROM files
           WHERE file_id IN (SELECT unnest(?)) OR (path_facts IS NULL AND sha256 IN (SELECT unnest(?)))""",
        [keys, shas],
    ).fetchall()
    by_key = {r[0]: r[2] for r in rows}
    legacy = {(r[1], r[2]) for r in rows if r[3]}
    out = {}
    for key, sha, path in files:
        if key in by_key:
            out[key] = by_key[key]
        elif (sha, path) in legacy:
            out[key] = path
    return out


@dataclass
class StoredRunFile:
    """A stored file at a path a new input also has: which run holds it, and its content hash."""

    run_id: int
    run_key: str
    sha256: str


def stored_at_paths(store: Store, paths: list[str]) -> dict[str, list[StoredRunFile]]:
    """``{path: [stored file at that path, with its run]}`` for the given paths."""
    if not paths:
        return {}
    rows = store.cursor().execute(
        """SELECT f.path, r.run_id, r.run_key, f.sha256 FROM files f
           JOIN run_files rf USING (file_id) JOIN runs r USING (run_id)
           WHERE f.path IN (SELECT unnest(?))""",
        [paths],
    ).fetchall()
    out: dict[str, list[StoredRunFile]] = {}
    for path, run_id, run_key, sha in rows:
        out.setdefault(path, []).append(StoredRunFile(run_id, run_key, sha))
    return out


def base_key(run_key: str) -> str:
    """``ruler:/x/pred#v2`` -> ``ruler:/x/pred``."""
    return run_key.split(VERSION_SEP, 1)[0]


def versions(store: Store, base: str) -> dict[int, int]:
    """``{version: run_id}`` of the stored runs of ``base`` (the unversioned key is version 1)."""
    rows = store.cursor().execute(
        "SELECT run_key, run_id FROM runs WHERE run_key = ? OR starts_with(run_key, ?)",
        [base, base + VERSION_SEP],
    ).fetchall()
    out = {}
    for key, run_id in rows:
        tail = key[len(base):]
        if not tail:
            out[1] = run_id
        elif tail[len(VERSION_SEP):].isdigit():
            out[int(tail[len(VERSION_SEP):])] = run_id
    return out


def versioned_key(base: str, version: int) -> str:
    """The run key of ``version`` of ``base`` (version 1 is ``base`` itself)."""
    return base if version == 1 else f"{base}{VERSION_SEP}{version}"
