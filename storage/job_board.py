"""Probe jobs of the team store as the board sees them: every SQL statement about the PostgreSQL
job queue (procrastinate's tables, https://procrastinate.readthedocs.io) and the progress table
LongScope keeps beside them.

The queue lives in the database of the team store's DuckLake catalog (the ``dbname=... host=...``
part of the ``ducklake:postgres:...`` URL; libpq's environment, e.g. ``PGPASSWORD``, applies).
procrastinate owns claiming, cancelling and the workers' heartbeats; this module adds one table,
``longscope_job_progress`` (one row per started job: done / total units, message, context length
in tokens, the worker's device, start / end times, a one-line summary or the error), written by
the worker (:func:`record_start`, :func:`record_progress`, :func:`record_end`) and read by any
board process (:func:`list_jobs`, :func:`live_workers`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import psycopg

#: advisory lock key taken while the queue's schema is created (two first users at once must not both create it)
SCHEMA_LOCK_KEY = 0x4C6F6E67516A6F62  # "LongQjob"

_PROGRESS_DDL = """
CREATE TABLE IF NOT EXISTS longscope_job_progress (
    job_id bigint PRIMARY KEY REFERENCES procrastinate_jobs(id) ON DELETE CASCADE,
    worker_device text,
    done integer NOT NULL DEFAULT 0,
    total integer NOT NULL DEFAULT 0,
    message text NOT NULL DEFAULT '',
    context_length integer,
    started_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    summary text,
    error text
)"""


class QueueUnavailableError(RuntimeError):
    """The job queue's PostgreSQL database cannot be reached (the message names it)."""


def connect(dsn: str) -> psycopg.Connection:
    """An autocommit connection to the queue's database (close it, or use it in ``with``).

    Raises:
        QueueUnavailableError: PostgreSQL cannot be reached or refuses the login.
    """
    try:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise QueueUnavailableError(f"cannot reach the job queue's PostgreSQL ({dsn}): {exc}") from exc


def ensure_schema(dsn: str, apply_queue_schema: Callable[[], None]) -> bool:
    """Create the queue's tables once: ``apply_queue_schema()`` (procrastinate's schema) when
    ``procrastinate_jobs`` does not exist yet, then the progress table. Serialised across clients
    by an advisory lock; safe to call on every start. Returns True when the queue schema was created.

    Raises:
        QueueUnavailableError: PostgreSQL cannot be reached.
    """
    with connect(dsn) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [SCHEMA_LOCK_KEY])
        try:
            exists = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()[0]
            if not exists:
                apply_queue_schema()
            conn.execute(_PROGRESS_DDL)
            return not exists
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [SCHEMA_LOCK_KEY])


def record_start(conn: psycopg.Connection, job_id: int, device: str) -> None:
    """A worker on ``device`` started job ``job_id`` (again, after a re-queue: progress restarts)."""
    conn.execute("""
        INSERT INTO longscope_job_progress (job_id, worker_device, started_at, updated_at)
        VALUES (%s, %s, now(), now())
        ON CONFLICT (job_id) DO UPDATE SET worker_device = excluded.worker_device, done = 0, total = 0,
            message = '', context_length = NULL, started_at = now(), updated_at = now(), finished_at = NULL,
            summary = NULL, error = NULL""", [job_id, device])


def record_progress(conn: psycopg.Connection, job_id: int, done: int, total: int, message: str,
                    length: int | None) -> None:
    """``done`` of ``total`` units of job ``job_id``; ``length`` = context length now run (tokens)."""
    conn.execute("""
        UPDATE longscope_job_progress SET done = %s, total = %s, message = %s,
            context_length = coalesce(%s, context_length), updated_at = now()
        WHERE job_id = %s""", [done, total, message[:500], length, job_id])


def record_end(conn: psycopg.Connection, job_id: int, *, summary: str | None = None, error: str | None = None) -> None:
    """Job ``job_id`` ended: a one-line ``summary`` of what it stored, or the ``error`` it failed with."""
    conn.execute("""
        INSERT INTO longscope_job_progress (job_id, finished_at, summary, error) VALUES (%s, now(), %s, %s)
        ON CONFLICT (job_id) DO UPDATE SET finished_at = now(), updated_at = now(), summary = excluded.summary,
            error = excluded.error""", [job_id, summary, error])


@dataclass(frozen=True)
class JobRow:
    """One queued, running or finished probe job as stored.

    ``status`` is procrastinate's (todo, doing, succeeded, failed, cancelled, aborted); times are
    Unix seconds (None when not reached); ``args`` are the job's JSON arguments.
    """

    id: int
    status: str
    abort_requested: bool
    args: dict[str, Any]
    device: str | None
    done: int
    total: int
    message: str
    length: int | None
    submitted: float | None
    started: float | None
    finished: float | None
    summary: str | None
    error: str | None


_LIST = """
SELECT j.id, j.status::text, j.abort_requested, j.args, p.worker_device, coalesce(p.done, 0), coalesce(p.total, 0),
       coalesce(p.message, ''), p.context_length,
       extract(epoch FROM (SELECT min(e.at) FROM procrastinate_events e WHERE e.job_id = j.id))::float8,
       extract(epoch FROM p.started_at)::float8,
       extract(epoch FROM coalesce(p.finished_at, CASE WHEN j.status NOT IN ('todo', 'doing') THEN
           (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id) END))::float8,
       p.summary, p.error
  FROM procrastinate_jobs j LEFT JOIN longscope_job_progress p ON p.job_id = j.id
 WHERE j.task_name = %(task)s AND (%(kind)s::text IS NULL OR j.args->>'kind' = %(kind)s)
   AND (%(job_id)s::bigint IS NULL OR j.id = %(job_id)s)
 ORDER BY j.id DESC LIMIT %(limit)s"""


def list_jobs(conn: psycopg.Connection, task: str, kind: str | None = None, limit: int = 20,
              job_id: int | None = None) -> list[JobRow]:
    """The newest ``limit`` jobs of procrastinate task ``task`` (of probe ``kind`` when given; the
    one job ``job_id`` when given), newest first."""
    rows = conn.execute(_LIST, {"task": task, "kind": kind, "limit": limit, "job_id": job_id}).fetchall()
    return [JobRow(*r) for r in rows]


def live_workers(conn: psycopg.Connection, within_s: float) -> int:
    """Workers whose last heartbeat is at most ``within_s`` seconds old."""
    return conn.execute("SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat > now() - "
                        "make_interval(secs => %s)", [within_s]).fetchone()[0]
