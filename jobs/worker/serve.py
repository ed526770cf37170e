"""Start a probe worker on a team store: open the store, make sure the queue's schema exists,
fail the jobs of workers that died, then let procrastinate claim jobs one at a time (concurrency
1: one job per device) until SIGTERM / SIGINT, which stops the running job at its next check
(re-queued) and exits cleanly.
"""
from __future__ import annotations

import logging
import socket

from jobs.team_queue import NAMESPACE, QUEUE, ensure_schema, fail_stalled, new_app, redact, stall_seconds
from jobs.worker.task import blueprint
from storage.db import is_team_store, open_store

log = logging.getLogger("longscope.worker")


class WorkerSetupError(ValueError):
    """The worker cannot serve this store or these settings (the message says why and what to do)."""


def check_settings(location: str, heartbeat_s: float, stall_s: float) -> None:
    """Refuse an embedded store and a heartbeat too slow for the stall time.

    Raises:
        WorkerSetupError: ``location`` is not a team store, or ``heartbeat_s`` is not below half
            of ``stall_s`` (a live worker would be taken for dead).
    """
    if not is_team_store(str(location)):
        raise WorkerSetupError(
            f"{location} is an embedded DuckDB store: the app runs its probe jobs itself (in-process queue), a "
            "worker is for the team store. Give --store 'ducklake:postgres:dbname=... host=... user=...' "
            "(or set LONGSCOPE_STORE) and --data-path.")
    if not str(location).startswith("ducklake:postgres:"):
        raise WorkerSetupError(f"{location}: the job queue needs a PostgreSQL catalog (ducklake:postgres:...)")
    if not 0 < heartbeat_s < stall_s / 2:
        raise WorkerSetupError(f"--heartbeat {heartbeat_s:g} s must be positive and below half the stall time "
                               f"({stall_s:g} s, LONGSCOPE_WORKER_STALL_S), or a live worker is taken for dead")


def serve(location: str, data_path: str | None = None, device: str | None = None, heartbeat_s: float = 10.0,
          name: str | None = None) -> None:
    """Run a worker on the team store ``location`` until SIGTERM / SIGINT. ``device`` (cuda:0,
    cpu, ...; None = best available) is where every job's model is loaded; heartbeats every
    ``heartbeat_s`` seconds.

    Raises:
        WorkerSetupError: see :func:`check_settings`.
        storage.db.StoreBusyError: the team store cannot be opened.
        storage.job_board.QueueUnavailableError: the queue's PostgreSQL cannot be reached.
    """
    stall_s = stall_seconds()
    check_settings(location, heartbeat_s, stall_s)
    if device is None:
        from analysis.probes.models import pick_device

        device = pick_device()[0]
    from transformers import AutoModelForCausalLM, GenerationMixin  # noqa: F401  (the first job need not wait)

    dsn = location[len("ducklake:postgres:"):]
    store = open_store(location, data_path=data_path)
    if ensure_schema(dsn):
        log.info("created the job queue's tables in the catalog database")
    for job_id in fail_stalled(dsn, stall_s):
        log.warning("job %s was left running by a dead worker: marked failed", job_id)
    name = name or f"{socket.gethostname()}:{device}"
    app = new_app(dsn)
    app.add_tasks_from(blueprint, namespace=NAMESPACE)
    log.info("worker %s: device %s, queue %r of %s, heartbeat every %g s (dead after %g s); SIGTERM stops it",
             name, device, QUEUE, redact(store.path), heartbeat_s, stall_s)
    try:
        app.run_worker(queues=[QUEUE], concurrency=1, name=name, wait=True, update_heartbeat_interval=heartbeat_s,
                       stalled_worker_timeout=stall_s, abort_job_polling_interval=min(1.0, heartbeat_s),
                       fetch_job_polling_interval=5.0, shutdown_graceful_timeout=0,
                       additional_context={"store": store, "device": device, "dsn": dsn})
    finally:
        store.close()
    log.info("worker %s stopped", name)
