"""The DuckDB store: one database handle per process, a cursor per thread, serialised writes.

The app serves many browser sessions from one process. DuckDB allows one read-write handle per
database file per process, so :func:`open_store` keeps a process-wide cache of handles keyed by
path. Each call to :meth:`Store.cursor` returns a cursor for the calling thread; writers take
:attr:`Store.write_lock` so batches are applied one at a time, each in one transaction.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from storage.migrations import apply_migrations

DEFAULT_DB = Path("data") / "longscope.duckdb"


class StoreBusyError(RuntimeError):
    """Raised when another process holds the database file (DuckDB's file lock)."""


def default_db_path() -> Path:
    """Path of the store: ``$LONGSCOPE_DB`` if set, else ``data/longscope.duckdb``."""
    return Path(os.environ.get("LONGSCOPE_DB") or DEFAULT_DB)


class Store:
    """A DuckDB database with the LongScope schema applied.

    Use :func:`open_store` rather than constructing this directly, so that a process shares
    one handle per file.
    """

    def __init__(self, path: Path | str):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(self.path)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreBusyError(
                    f"database is busy: {self.path} is held by another process "
                    f"(stop it, or point LONGSCOPE_DB at another file). DuckDB said: {exc}"
                ) from exc
            raise
        self.write_lock = threading.RLock()
        self._local = threading.local()
        with self.write_lock:
            apply_migrations(self._con)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the calling thread (DuckDB cursors must not be shared across threads)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Serialised write transaction: commits on success, rolls back on any exception."""
        with self.write_lock:
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def close(self) -> None:
        """Close the handle and forget it in the process cache."""
        with _CACHE_LOCK:
            _CACHE.pop(self.path, None)
        self._con.close()


_CACHE: dict[str, Store] = {}
_CACHE_LOCK = threading.Lock()


def open_store(path: Path | str | None = None) -> Store:
    """Return the process-wide :class:`Store` for ``path`` (default :func:`default_db_path`).

    Raises:
        StoreBusyError: another process holds the file.
    """
    key = str(Path(path) if path is not None and str(path) != ":memory:" else (path or default_db_path()))
    if key != ":memory:":
        key = str(Path(key).resolve())
    with _CACHE_LOCK:
        store = _CACHE.get(key)
        if store is None:
            store = Store(key)
            _CACHE[key] = store
        return store
