"""Writers of a team store queue on a PostgreSQL advisory lock instead of racing.

Correctness does not depend on this lock: every write transaction bumps the ``writes`` counter
(:mod:`storage.ids`), so overlapping writers conflict in DuckLake and the loser is retried
(:mod:`storage.conflicts`). But an optimistic loser redoes its whole transaction; with 8 writers
most attempts were thrown away. So :meth:`storage.db.Store.write` first takes this session-level
advisory lock on the catalog database (https://www.postgresql.org/docs/current/explicit-locking.html
#ADVISORY-LOCKS), then begins its transaction (its snapshot sees every earlier write), commits, and
releases the lock. A client that dies releases it with its connection. Writers that do not take
it (a notebook) are still caught by the counter.
"""
from __future__ import annotations

import psycopg

#: advisory lock key of LongScope's write queue (any 64-bit number other tools do not use)
LOCK_KEY = 0x4C6F6E6753636F70  # "LongScop"
#: waiting longer than this for the lock (a writer stuck mid-transaction) goes ahead without it
WAIT_MS = 120_000


def catalog_dsn(location: str) -> str | None:
    """The PostgreSQL connection string of a ``ducklake:postgres:...`` URL (None for other catalogs)."""
    prefix = "ducklake:postgres:"
    return location[len(prefix):] if location.startswith(prefix) else None


class CatalogLock:
    """The write queue of one team store in this process (one PostgreSQL connection, opened on
    first use). Not thread-safe: :class:`storage.db.Store` calls it under its ``write_lock``."""

    def __init__(self, dsn: str):
        self.dsn = dsn
        self._conn: psycopg.Connection | None = None
        self.held = False

    def acquire(self) -> None:
        """Wait for the lock (at most :data:`WAIT_MS`; then go on without it: the writes counter still
        detects a conflict). A lost connection is opened again."""
        for _ in range(2):
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(self.dsn, autocommit=True, connect_timeout=10,
                                                 options=f"-c lock_timeout={WAIT_MS}")
                self._conn.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
                self.held = True
                return
            except psycopg.errors.LockNotAvailable:
                return
            except psycopg.OperationalError:
                self._close()

    def release(self) -> None:
        """Release the lock if held (a lost connection has released it already)."""
        if not self.held:
            return
        self.held = False
        try:
            self._conn.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        except psycopg.Error:
            self._close()

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
        self._conn = None

    def close(self) -> None:
        """Close the connection (releasing the lock)."""
        self.held = False
        self._close()
