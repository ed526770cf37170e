"""The store: an embedded DuckDB file, or the team store (DuckLake); one handle per process.

Two backends, one code path (same tables, migrations and queries):

* **embedded** (default): the DuckDB file ``data/longscope.duckdb``. DuckDB allows one read-write
  handle per file per process; another process holding it gives :class:`StoreBusyError`.
* **team**: a DuckLake URL as DuckDB's ``ATTACH`` takes it
  (``ducklake:postgres:dbname=longscope host=db port=5432 user=longscope``): a PostgreSQL catalog
  plus Parquet files in a data folder or bucket (``$LONGSCOPE_DATA_PATH``). Any number of
  processes on any number of machines read and write it at once, with snapshot isolation
  (https://ducklake.select/docs/stable/duckdb/advanced_features/transactions).

The app serves many browser sessions from one process, so :func:`open_store` keeps a
process-wide cache of handles keyed by location. Each call to :meth:`Store.cursor` returns a
cursor for the calling thread. Writers call :meth:`Store.write`: one transaction, serialised in
the process by :attr:`Store.write_lock`, and across clients of a team store by the ``writes``
counter (:mod:`storage.ids`): a transaction that conflicts with another client's commit is rolled
back and run again (:mod:`storage.conflicts`), so nothing is lost and nothing is half-written.
"""
from __future__ import annotations

import itertools
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import duckdb

from storage.catalog_lock import CatalogLock, catalog_dsn
from storage.conflicts import MAX_ATTEMPTS, StoreConflictError, backoff_seconds, is_conflict
from storage.extensions import load_extensions
from storage.ids import claim_write
from storage.migrations import apply_migrations
from storage.object_store import is_remote, s3_secret_statement

DEFAULT_DB = Path("data") / "longscope.duckdb"
#: prefix of the name a team store is attached under (every cursor ``USE``s it: queries name tables plainly)
LAKE = "longscope"
_ALIASES = itertools.count(1)
T = TypeVar("T")


class StoreBusyError(RuntimeError):
    """Raised when another process holds the database file (DuckDB's file lock), or the team
    store's catalog cannot be reached."""


def is_team_store(location: str) -> bool:
    """True for a DuckLake URL (``ducklake:...``), False for a DuckDB file path."""
    return str(location).startswith("ducklake:")


def default_db_path() -> str:
    """Where the store is: ``$LONGSCOPE_STORE`` (a ``.duckdb`` path or a DuckLake URL), else
    ``$LONGSCOPE_DB``, else ``data/longscope.duckdb``."""
    return os.environ.get("LONGSCOPE_STORE") or os.environ.get("LONGSCOPE_DB") or str(DEFAULT_DB)


def default_data_path() -> str | None:
    """The team store's Parquet data folder or bucket: ``$LONGSCOPE_DATA_PATH`` (None if unset)."""
    return os.environ.get("LONGSCOPE_DATA_PATH") or None


def add_store_options(ap) -> None:
    """Add ``--store``, ``--data-path`` and ``--db`` to a command line's ``argparse`` parser."""
    ap.add_argument("--store", help="a .duckdb file or a DuckLake URL (ducklake:postgres:dbname=... host=...); "
                                    "default: $LONGSCOPE_STORE, $LONGSCOPE_DB or data/longscope.duckdb")
    ap.add_argument("--data-path", help="team store only: the Parquet data folder or s3:// bucket "
                                        "(default: $LONGSCOPE_DATA_PATH)")
    ap.add_argument("--db", help="the embedded DuckDB file (same as --store FILE)")


def store_from_args(args) -> "Store":
    """The store a command line named (``--store`` > ``--db`` > environment > default).

    Raises:
        StoreBusyError: the file is held by another process, or the catalog is unreachable.
    """
    return open_store(getattr(args, "store", None) or getattr(args, "db", None),
                      data_path=getattr(args, "data_path", None))


@dataclass
class WriteStats:
    """What :meth:`Store.write` did in this process: commits, conflicting attempts retried, the
    seconds from BEGIN to a successful COMMIT of each write, and the seconds each attempt waited in
    the team's write queue (for the benchmarks)."""

    commits: int = 0
    retries: int = 0
    seconds: list[float] = field(default_factory=list)
    queue_seconds: list[float] = field(default_factory=list)


#: DuckDB settings of a file store. A bulk insert keeps up to ``write_buffer_row_group_count``
#: uncompressed row groups (122,880 rows each) in memory before writing them to the file (default 5):
#: a 780,000-trial upload held +150 MiB there until commit. One at a time: +50 MiB, same speed
#: (``benchmarks/upload_memory.py``; DuckDB's documented knob for "reducing memory consumption").
FILE_STORE_CONFIG = {"write_buffer_row_group_count": "1"}


class Store:
    """A store with the LongScope schema applied (embedded file or team store).

    Use :func:`open_store` rather than constructing this directly, so that a process shares
    one handle per store.

    Attributes:
        path: the location as opened (resolved file path, ``:memory:``, or the DuckLake URL).
        team: True for the team store.
    """

    def __init__(self, location: Path | str, data_path: str | None = None):
        self.path = str(location)
        self.team = is_team_store(self.path)
        #: catalog name the team store is attached under (``USE``d by every cursor)
        self.alias = f"{LAKE}_{next(_ALIASES)}"
        self.data_path = data_path
        self.write_lock = threading.RLock()
        self.stats = WriteStats()
        self._local = threading.local()
        dsn = catalog_dsn(self.path)
        #: team store on PostgreSQL: writers of all clients queue on an advisory lock (storage/catalog_lock.py)
        self._queue = CatalogLock(dsn) if dsn else None
        with self.write_lock:
            # clients starting together on a new team store queue too: DuckLake creates its catalog
            # tables on the first ATTACH, and two at once collide in PostgreSQL
            if self._queue:
                self._queue.acquire()
            try:
                self._con = self._connect_team() if self.team else self._connect_file()
                apply_migrations(self.cursor())
            finally:
                if self._queue:
                    self._queue.release()

    def _connect_file(self) -> duckdb.DuckDBPyConnection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            return duckdb.connect(self.path, config=FILE_STORE_CONFIG)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise StoreBusyError(
                    f"database is busy: {self.path} is held by another process (stop it, or point "
                    f"LONGSCOPE_DB at another file, or LONGSCOPE_STORE at a team store that many processes "
                    f"share). DuckDB said: {exc}"
                ) from exc
            raise

    def _connect_team(self) -> duckdb.DuckDBPyConnection:
        con = _lake_instance(self.path, self.data_path)
        options = f" (DATA_PATH {_quote(self.data_path)})" if self.data_path else ""
        try:
            con.execute(f"ATTACH {_quote(self.path)} AS {self.alias}{options}")
        except duckdb.Error as exc:
            raise StoreBusyError(f"cannot open the team store {self.path} (data path {self.data_path or 'as stored'})"
                                 f": {exc}") from exc
        con.execute(f"USE {self.alias}")
        return con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the calling thread (DuckDB cursors must not be shared across threads)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            if self.team:
                cur.execute(f"USE {self.alias}")
            self._local.cursor = cur
        return cur

    def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``fn(cursor)`` in one write transaction and return its result.

        The transaction first bumps the ``writes`` counter, so it conflicts with any write another
        client commits meanwhile; then it is rolled back and ``fn`` runs again from the start
        (``fn`` must read what it depends on through the cursor, not before). Any other error
        rolls back and propagates: nothing of the transaction is stored.

        Raises:
            StoreConflictError: still conflicting after ``storage.conflicts.MAX_ATTEMPTS`` attempts.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            with self.write_lock:
                cur = self.cursor()
                start = time.perf_counter()
                if self._queue:
                    self._queue.acquire()
                    self.stats.queue_seconds.append(time.perf_counter() - start)
                    start = time.perf_counter()
                try:
                    cur.execute("BEGIN TRANSACTION")
                    claim_write(cur)
                    result = fn(cur)
                    cur.execute("COMMIT")
                except BaseException as exc:
                    _rollback(cur)
                    if not is_conflict(exc):
                        raise
                    self.stats.retries += 1
                else:
                    self.stats.commits += 1
                    self.stats.seconds.append(time.perf_counter() - start)
                    return result
                finally:
                    if self._queue:
                        self._queue.release()
            time.sleep(backoff_seconds(attempt))
        raise StoreConflictError(f"{self.path}: the write still conflicted with other clients' writes after "
                                 f"{MAX_ATTEMPTS} attempts; nothing of it was stored, try again")

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction without retries (prefer :meth:`write`): commits on success, rolls
        back on any exception; a conflict with another client's write raises
        :class:`StoreConflictError` (nothing stored)."""
        with self.write_lock:
            cur = self.cursor()
            if self._queue:
                self._queue.acquire()
            try:
                cur.execute("BEGIN TRANSACTION")
                claim_write(cur)
                yield cur
                cur.execute("COMMIT")
            except BaseException as exc:
                _rollback(cur)
                if is_conflict(exc):
                    raise StoreConflictError(f"{self.path}: another client wrote at the same time; "
                                             f"nothing was stored, try again ({exc})") from exc
                raise
            finally:
                if self._queue:
                    self._queue.release()

    def checkpoint(self) -> None:
        """Maintenance: DuckDB's ``CHECKPOINT`` (embedded file), or DuckLake's (team store: moves
        inlined rows into Parquet, merges small files, expires old snapshots, deletes files no
        longer used; https://ducklake.select/docs/stable/duckdb/maintenance/checkpoint), taken in the
        write queue so it does not race the team's writers."""
        with self.write_lock:
            if self._queue:
                self._queue.acquire()
            try:
                self.cursor().execute("CHECKPOINT")
            finally:
                if self._queue:
                    self._queue.release()

    def close(self) -> None:
        """Close the handle and forget it in the process cache."""
        with _CACHE_LOCK:
            _CACHE.pop(self.path, None)
        if self._queue:
            self._queue.close()
        if self.team:
            self._con.execute(f"USE memory; DETACH {self.alias}")
        self._con.close()


_LAKE: duckdb.DuckDBPyConnection | None = None
_LAKE_LOCK = threading.Lock()


def _lake_instance(location: str, data_path: str | None) -> duckdb.DuckDBPyConnection:
    """A new connection to the process's one in-memory DuckDB instance for team stores, with the
    extensions loaded once (loading them costs about a second per DuckDB instance)."""
    global _LAKE
    with _LAKE_LOCK:
        if _LAKE is None:
            _LAKE = duckdb.connect()
            load_extensions(_LAKE, ["ducklake", "postgres"])
            # Parquet footers read once per file, not once per query (a DuckLake data file never changes)
            _LAKE.execute("SET parquet_metadata_cache = true")
        secret = s3_secret_statement(os.environ)
        if is_remote(data_path) or secret:  # an s3:// data path, given now or stored in the catalog
            load_extensions(_LAKE, ["httpfs"])
            if secret:
                _LAKE.execute(secret)
        return _LAKE.cursor()


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass  # a failed COMMIT has already ended the transaction


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_CACHE: dict[str, Store] = {}
_CACHE_LOCK = threading.Lock()


def open_store(path: Path | str | None = None, data_path: str | None = None) -> Store:
    """Return the process-wide :class:`Store` for ``path``: a DuckDB file, ``:memory:`` or a DuckLake
    URL (default :func:`default_db_path`); ``data_path`` (team store; default
    ``$LONGSCOPE_DATA_PATH``) is needed when the team store is created, later it is read from
    the catalog.

    Raises:
        StoreBusyError: another process holds the file, or the team store cannot be reached.
    """
    key = str(path) if path is not None else default_db_path()
    if key != ":memory:" and not is_team_store(key):
        key = str(Path(key).resolve())
    with _CACHE_LOCK:
        store = _CACHE.get(key)
        if store is None:
            store = Store(key, data_path or default_data_path())
            _CACHE[key] = store
        return store
