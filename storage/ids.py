"""Ids that are unique across every client of a store, without per-process counters.

``id_counters`` holds one row per id (``run_id``, ``probe_id``, ``traceback_id``,
``published_id``) with the last id handed out, plus ``writes``, bumped by every write
transaction (:meth:`storage.db.Store.write`). Because all writers update that one table, two
overlapping write transactions conflict on the team store and one is retried
(:mod:`storage.conflicts`): ids read here and ingest identity checks (file sha256, run key) made
in the same transaction therefore hold across processes and machines. Ids are never reused, even
after a delete.
"""
from __future__ import annotations

import duckdb

ID_NAMES = ("run_id", "probe_id", "traceback_id", "published_id")


def claim_write(cur: duckdb.DuckDBPyConnection) -> None:
    """Bump the ``writes`` counter (first statement of every write transaction)."""
    cur.execute("UPDATE id_counters SET last_id = last_id + 1 WHERE name = 'writes'")


def allocate_ids(cur: duckdb.DuckDBPyConnection, name: str, n: int = 1) -> int:
    """Reserve ``n`` consecutive ids of ``name`` (one of :data:`ID_NAMES`) inside the caller's write
    transaction; returns the first. Raises ValueError for an unknown name or n < 1."""
    if name not in ID_NAMES or n < 1:
        raise ValueError(f"allocate_ids: unknown id {name!r} or count {n} < 1")
    cur.execute("UPDATE id_counters SET last_id = last_id + ? WHERE name = ?", [n, name])
    return int(cur.execute("SELECT last_id FROM id_counters WHERE name = ?", [name]).fetchone()[0]) - n + 1
