"""The procrastinate task a worker runs: one probe job, from its JSON arguments
(``jobs.team_queue``), through the probe's own job function (``jobs/<probe>.py``: the same code
path as ``longscope probe ...``), as the user who queued it (``jobs.scoping``).

Outcome as procrastinate records it (the board maps it in ``jobs.backend``): succeeded (a summary
line stored), failed (the error stored; an out-of-memory failure names the context length),
aborted (cancelled from the board: the job stops at its next ``check``; what it stored so far is
kept). A job stopped by the worker's shutdown (SIGTERM) is re-queued, at most
:data:`MAX_ATTEMPTS` times in all.
"""
from __future__ import annotations

import logging
import time
import traceback as tb
from typing import Any

import procrastinate
from procrastinate.exceptions import JobAborted

from jobs import niah_sweep, retrieval_heads
from jobs import traceback as traceback_job
from jobs.queue import free_device_memory, is_oom, oom_message
from jobs.scoping import as_user, scope_from_json
from jobs.team_queue import QUEUE
from storage import job_board

log = logging.getLogger("longscope.worker")
MAX_ATTEMPTS = 3
#: kind -> (options model, job function, summary of its result)
PROBES = {
    niah_sweep.KIND: (niah_sweep.NiahSweepOptions, niah_sweep.run, niah_sweep.summary),
    retrieval_heads.KIND: (retrieval_heads.RetrievalHeadsOptions, retrieval_heads.run, retrieval_heads.summary),
    traceback_job.KIND: (traceback_job.TracebackOptions, traceback_job.run, traceback_job.summary),
}
blueprint = procrastinate.Blueprint()


class UnknownProbeError(ValueError):
    """A job names a probe kind this worker does not know (a newer board than the worker?)."""


class WorkerProgress:
    """The ``analysis.probes.progress.Progress`` of a job on a worker: progress goes to the
    progress table (at most every ``min_interval_s`` seconds, and always the last unit);
    ``check()`` raises ``JobAborted`` once the board cancelled the job (procrastinate tells the
    worker through LISTEN/NOTIFY and polling) or the worker is shutting down."""

    def __init__(self, conn, job_id: int, context: procrastinate.JobContext, min_interval_s: float = 0.5):
        self.conn, self.job_id, self.context, self.min_interval_s = conn, job_id, context, min_interval_s
        self.length: int | None = None
        self._last = 0.0

    def progress(self, done: int, total: int, message: str = "", length: int | None = None) -> None:
        if length is not None:
            self.length = length
        now = time.monotonic()
        if now - self._last >= self.min_interval_s or done >= total:
            self._last = now
            job_board.record_progress(self.conn, self.job_id, done, total, message, length)

    def check(self) -> None:
        if self.context.should_abort():
            raise JobAborted(f"job {self.job_id}: {self.context.abort_reason().value}")


def parse_options(kind: str, options: dict[str, Any], device: str | None):
    """The probe's options model from the job's JSON, to run on ``device`` (this worker's).

    Raises:
        UnknownProbeError: ``kind`` is not a probe this worker runs.
        pydantic.ValidationError: the options do not fit the probe's model.
    """
    if kind not in PROBES:
        raise UnknownProbeError(f"unknown probe kind {kind!r} (this worker runs {', '.join(PROBES)})")
    return PROBES[kind][0].model_validate({**options, "device": device})


@blueprint.task(name="probe", queue=QUEUE, pass_context=True,
                retry=procrastinate.RetryStrategy(max_attempts=MAX_ATTEMPTS, retry_exceptions={JobAborted}))
def probe(context: procrastinate.JobContext, kind: str, label: str, options: dict[str, Any],
          scope: dict | None = None, workspace: str | None = None) -> str:
    """Run one probe job; returns its summary line. ``context.additional_context`` holds the
    worker's ``store`` and ``device``.

    Raises:
        JobAborted: cancelled from the board, or the worker shuts down (then re-queued).
        whatever the probe raises (stored as the job's error; the job is failed).
    """
    store, device = context.additional_context["store"], context.additional_context["device"]
    job_id = context.job.id
    with job_board.connect(context.additional_context["dsn"]) as conn:
        job_board.record_start(conn, job_id, device or "auto")
        ctx = WorkerProgress(conn, job_id, context)
        log.info("job %s started: %s (%s) on %s, queued by %s", job_id, label, kind, device or "auto",
                 (scope or {}).get("identity", "the command line"))
        started = time.monotonic()
        try:
            opts = parse_options(kind, options, device)
            _, run, summarize = PROBES[kind]
            result = as_user(lambda job: run(opts, store, job), scope_from_json(scope), workspace)(ctx)
        except JobAborted:
            reason = context.abort_reason()
            job_board.record_end(conn, job_id, summary=f"stopped: the worker shut down (re-queued unless stopped "
                                 f"{MAX_ATTEMPTS} times)" if reason and reason.value == "shutdown"
                                 else "cancelled from the board")
            log.info("job %s stopped (%s) after %.1f s", job_id, reason.value if reason else "abort",
                     time.monotonic() - started)
            raise
        except BaseException as exc:
            error = oom_message(exc, ctx.length, device or "auto") if is_oom(exc) else \
                f"{type(exc).__name__}: {exc}\n{tb.format_exc(limit=4)}"
            job_board.record_end(conn, job_id, error=error)
            free_device_memory()
            log.error("job %s failed after %.1f s: %s", job_id, time.monotonic() - started, error.splitlines()[0])
            raise
        line = summarize(result)
        job_board.record_end(conn, job_id, summary=line)
        log.info("job %s done in %.1f s: %s", job_id, time.monotonic() - started, line)
        return line
