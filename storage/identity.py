"""File identity and run versions: when a file is "already ingested", and when it is a re-run.

A file's identity is its content hash AND what its path contributes. RULER, LongBench, BABILong and
InfiniteBench keep the model, the sequence length or the task only in folder and file names, so
two byte-identical ``summary.csv`` files at ``.../4096/pred/`` and ``.../8192/pred/`` are two results.
An importer says how many trailing folders carry such facts with ``PATH_FOLDERS`` (default 0:
the path contributes nothing, as for NIAH files whose fields name model and length).

Identity is per workspace (issue 11): the same file uploaded into workspace B while workspace A
holds it is B's own file and run (separate rows, its own run id); within one workspace it is
"already ingested". A workspace other than ``default`` therefore qualifies the key
(:func:`qualify`), and every lookup here (files, runs at a path, run versions) reads one workspace
only, so nothing says that a file or a run exists in a workspace the uploader may not see.

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
from storage.scope import DEFAULT_WORKSPACE

#: separator of a versioned run key: ``ruler:/x/pred#v2``
VERSION_SEP = "#v"


def path_facts(importer: ModuleType, src: SourceFile) -> dict[str, str]:
    """What the path contributes for ``importer``: ``{"folders": "<last N folders>", "file": name}``,
    ``{}`` when the format reads nothing from its path (``PATH_FOLDERS`` = 0 or unset)."""
    n = int(getattr(importer, "PATH_FOLDERS", 0))
    if n <= 0:
        return {}
    return {"folders": "/".join(src.parts[-n:]), "file": src.name}


def qualify(key: str, workspace: str) -> str:
    """``key`` as stored in ``workspace``: unchanged in ``default`` (so every store made before
    workspaces, and every single-user store, keeps its ids), else ``"<key>@<workspace>"``
    (workspace names never hold ``@``: ``storage.workspaces``)."""
    return key if workspace == DEFAULT_WORKSPACE else f"{key}@{workspace}"


def file_key(sha256: str, facts: dict[str, str], workspace: str = DEFAULT_WORKSPACE) -> str:
    """The stored ``files.file_id`` of a file in ``workspace``: ``sha256`` alone without path
    facts, else ``"<sha256>:<first 16 hex of sha256(JSON of the facts)>"``; then :func:`qualify`."""
    if not facts:
        return qualify(sha256, workspace)
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]
    return qualify(f"{sha256}:{digest}", workspace)


def known_files(store: Store, files: list[tuple[str, str, str]], workspace: str = DEFAULT_WORKSPACE,
                cur=None) -> dict[str, str]:
    """``{file key: stored path}`` for the inputs already stored in ``workspace`` (files of other
    workspaces are never matched, nor named).

    Args:
        files: ``(file key, sha256, path)`` per input (keys from :func:`file_key` for ``workspace``).
            A file stored before path facts were recorded (``path_facts`` NULL) matches its sha256
            (qualified for ``workspace``) at the same path.
    """
    if not files:
        return {}
    cur = cur or store.cursor()
    keys, shas, _ = (list(c) for c in zip(*files))
    legacy_ids = [qualify(s, workspace) for s in shas]
    rows = cur.execute(
        """SELECT file_id, path, path_facts IS NULL FROM files
           WHERE file_id IN (SELECT unnest(?)) OR (path_facts IS NULL AND file_id IN (SELECT unnest(?)))""",
        [keys, legacy_ids],
    ).fetchall()
    by_key = {r[0]: r[1] for r in rows}
    legacy = {(r[0], r[1]) for r in rows if r[2]}
    out = {}
    for key, sha, path in files:
        if key in by_key:
            out[key] = by_key[key]
        elif (qualify(sha, workspace), path) in legacy:
            out[key] = path
    return out


@dataclass
class StoredRunFile:
    """A stored file at a path a new input also has: which run holds it, and its content hash."""

    run_id: int
    run_key: str
    sha256: str


def stored_at_paths(store: Store, paths: list[str], workspace: str = DEFAULT_WORKSPACE) -> dict[str, list[StoredRunFile]]:
    """``{path: [stored file at that path, with its run]}`` for the given paths, among the runs of
    ``workspace``."""
    if not paths:
        return {}
    rows = store.cursor().execute(
        """SELECT f.path, r.run_id, r.run_key, f.sha256 FROM files f
           JOIN run_files rf USING (file_id) JOIN runs r USING (run_id)
           WHERE f.path IN (SELECT unnest(?)) AND r.workspace = ?""",
        [paths, workspace],
    ).fetchall()
    out: dict[str, list[StoredRunFile]] = {}
    for path, run_id, run_key, sha in rows:
        out.setdefault(path, []).append(StoredRunFile(run_id, run_key, sha))
    return out


def base_key(run_key: str) -> str:
    """``ruler:/x/pred#v2`` -> ``ruler:/x/pred``."""
    return run_key.split(VERSION_SEP, 1)[0]


def versions(store: Store, base: str, workspace: str = DEFAULT_WORKSPACE) -> dict[int, int]:
    """``{version: run_id}`` of the stored runs of ``base`` in ``workspace`` (the unversioned key
    is version 1; a run key is unique within a workspace, not across them)."""
    rows = store.cursor().execute(
        "SELECT run_key, run_id FROM runs WHERE (run_key = ? OR starts_with(run_key, ?)) AND workspace = ?",
        [base, base + VERSION_SEP, workspace],
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
