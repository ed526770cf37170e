"""The team store's probe-job queue: procrastinate (https://procrastinate.readthedocs.io) on the
PostgreSQL database of the DuckLake catalog. No queue logic of our own: procrastinate claims jobs
(one per worker process), cancels / aborts them, and keeps the workers' heartbeats; a job whose
worker stopped sending heartbeats (killed, machine lost) is found with its ``get_stalled_jobs``
and marked failed here (:func:`fail_stalled`).

A job carries JSON only (procrastinate stores its arguments as ``jsonb``)::

    {"kind": "niah-sweep", "label": "NIAH sweep · SmolLM2", "options": {...the probe's options...},
     "scope": {"identity": ..., "roles": [[workspace, role], ...], "every_workspace": false} | null,
     "workspace": "default" | null}

The worker (``jobs/worker``) registers the task; the board only defers it by name.

Settings: ``$LONGSCOPE_WORKER_STALL_S`` (default 30 s): a worker silent for longer is dead, its
running job is failed. Workers send a heartbeat every ``--heartbeat`` seconds (default 10 s).
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
import os
import re
import threading
import time

import procrastinate
import psycopg_pool
from procrastinate.jobs import Status

from storage import job_board
from storage.catalog_lock import catalog_dsn

#: procrastinate queue of the probe jobs, and the task's full name (namespace ``longscope``)
QUEUE = "probes"
NAMESPACE = "longscope"
TASK = f"{NAMESPACE}:probe"
DEFAULT_STALL_S = 30.0


def stall_seconds() -> float:
    """Seconds without a heartbeat after which a worker counts as dead (``$LONGSCOPE_WORKER_STALL_S``).

    Raises:
        ValueError: the variable is set but not a positive number.
    """
    raw = os.environ.get("LONGSCOPE_WORKER_STALL_S")
    if not raw:
        return DEFAULT_STALL_S
    value = float(raw)
    if value <= 0:
        raise ValueError(f"LONGSCOPE_WORKER_STALL_S must be a positive number of seconds, not {raw!r}")
    return value


def redact(location: str) -> str:
    """``location`` with any ``password=...`` masked (for logs and the board)."""
    return re.sub(r"password=\S+", "password=…", str(location))


def queue_dsn(store_location: str) -> str:
    """The PostgreSQL connection string of a team store's catalog (where its job queue lives).

    Raises:
        ValueError: the store is not a ``ducklake:postgres:...`` URL.
    """
    dsn = catalog_dsn(str(store_location))
    if dsn is None:
        raise ValueError(f"{store_location}: probe jobs on a worker need a team store with a PostgreSQL catalog "
                         "(ducklake:postgres:dbname=... host=...); an embedded .duckdb store runs probes in the app")
    return dsn


def new_app(dsn: str, *, small_pool: bool = False) -> procrastinate.App:
    """A procrastinate App on ``dsn`` (not opened); ``small_pool`` opens one connection per use."""
    kwargs = {"pool_factory": psycopg_pool.AsyncNullConnectionPool} if small_pool else {}
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn, **kwargs))


def ensure_schema(dsn: str) -> bool:
    """Create procrastinate's schema and the progress table in ``dsn`` unless there (idempotent,
    safe from several processes at once). Returns True when created now.

    Raises:
        storage.job_board.QueueUnavailableError: PostgreSQL cannot be reached.
    """
    app = new_app(dsn)

    def apply() -> None:
        with app.open():
            app.schema_manager.apply_schema()
    return job_board.ensure_schema(dsn, apply)


class TeamQueue:
    """The board's handle on one team store's queue (thread-safe; one per process per store)."""

    def __init__(self, dsn: str, stall_s: float | None = None):
        self.dsn = dsn
        self.stall_s = stall_s if stall_s is not None else stall_seconds()
        self._app: procrastinate.App | None = None
        self._lock = threading.Lock()
        self._last_reap = 0.0

    def _opened(self) -> procrastinate.App:
        with self._lock:
            if self._app is None:
                ensure_schema(self.dsn)
                self._app = new_app(self.dsn).open()
            return self._app

    def enqueue(self, kind: str, label: str, options: dict, scope: dict | None, workspace: str | None) -> int:
        """Queue a probe job (JSON arguments, see the module doc); returns its id at once."""
        app = self._opened()
        return app.configure_task(TASK, queue=QUEUE).defer(kind=kind, label=label, options=options, scope=scope,
                                                           workspace=workspace)

    def cancel(self, job_id: int) -> bool:
        """Cancel a queued job, or ask its worker to stop a running one at its next check; False
        when the job has already ended."""
        return self._opened().job_manager.cancel_job_by_id(job_id, abort=True)

    def jobs(self, kind: str | None = None, limit: int = 20, job_id: int | None = None) -> list[job_board.JobRow]:
        """The newest jobs (of ``kind``), after failing those of dead workers (at most every 2 s)."""
        self._opened()
        if time.monotonic() - self._last_reap > 2:
            self._last_reap = time.monotonic()
            fail_stalled(self.dsn, self.stall_s)
        with job_board.connect(self.dsn) as conn:
            return job_board.list_jobs(conn, TASK, kind, limit, job_id)

    def live_workers(self) -> int:
        """Workers that sent a heartbeat within the stall time."""
        self._opened()
        with job_board.connect(self.dsn) as conn:
            return job_board.live_workers(conn, self.stall_s)


def _run(coroutine_fn):
    """Run ``coroutine_fn()`` to completion from synchronous code: ``asyncio.run`` in this thread,
    or in a short-lived thread of its own when this thread already runs an event loop (a notebook,
    an async test harness), where ``asyncio.run`` refuses."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine_fn())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="team-queue") as pool:
        return pool.submit(asyncio.run, coroutine_fn()).result()


def fail_stalled(dsn: str, stall_s: float) -> list[int]:
    """Mark failed every running probe job whose worker sent no heartbeat for ``stall_s`` seconds
    (procrastinate's ``get_stalled_jobs``), with an error saying so; returns their ids."""
    async def go() -> list[int]:
        app = new_app(dsn, small_pool=True)
        async with app.open_async():
            stalled = await app.job_manager.get_stalled_jobs(queue=QUEUE, task_name=TASK,
                                                             seconds_since_heartbeat=stall_s)
            failed = []
            for job in stalled:
                try:
                    await app.job_manager.finish_job_by_id_async(job.id, Status.FAILED, delete_job=False)
                except procrastinate.exceptions.ConnectorException:
                    continue  # it ended meanwhile
                failed.append(job.id)
            return failed
    ids = _run(go)
    if ids:
        with job_board.connect(dsn) as conn:
            for job_id in ids:
                job_board.record_end(conn, job_id, error=(
                    f"the worker running this job stopped sending heartbeats for over {stall_s:g} s (killed, out "
                    "of host memory, or its machine was lost); the job was marked failed. Run it again (a NIAH "
                    "sweep resumes from the cells it stored)."))
    return ids
