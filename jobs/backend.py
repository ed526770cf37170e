"""Where a probe job runs, picked by the store: one interface for the pages and the probe modules.

* embedded ``.duckdb`` store (one user): the in-process queue ``jobs.queue`` (threads in the app);
* team store on a PostgreSQL catalog: the procrastinate queue ``jobs.team_queue``, run by workers
  (``python -m jobs.worker`` / ``longscope worker``) on GPU servers.

Both hand back :class:`JobView` snapshots (same fields, same states), so the job panel draws
either without branching::

    b = backend_for(store)
    job_id = b.submit(spec, options, store, device="cpu", scope=scope, workspace=ws)
    view = b.get(job_id); b.cancel(job_id); b.jobs(kind); b.live_workers()
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from analysis.vocabulary import JobState
from jobs.queue import Job, ProgressFigures, job_queue
from jobs.scoping import as_user, scope_to_json
from jobs.team_queue import TeamQueue, queue_dsn
from storage.job_board import JobRow
from storage.scope import Scope

#: procrastinate status -> the board's job state
_STATES: dict[str, JobState] = {"todo": "queued", "doing": "running", "succeeded": "done", "failed": "failed",
                                "cancelled": "cancelled", "aborted": "cancelled", "aborting": "running"}


@dataclass(frozen=True)
class ProbeSpec:
    """What the backends need to know of one probe: its kind, a label, how to run it in-process
    (``run(options, store, ctx)``) and a one-line summary of its result."""

    kind: str
    label: str
    run: Callable[[Any, Any, Any], Any]
    summary: Callable[[Any], str]


@dataclass(frozen=True)
class JobView(ProgressFigures):
    """A snapshot of one probe job. Times are Unix seconds; ``length`` is the last context length
    reported (tokens); ``owner``/``workspace`` say who queued it and where it writes (None: local)."""

    id: int
    kind: str
    label: str
    device: str | None
    status: JobState
    done: int = 0
    total: int = 0
    message: str = ""
    length: int | None = None
    submitted: float | None = None
    started: float | None = None
    finished: float | None = None
    summary: str | None = None
    error: str | None = None
    owner: str | None = None
    workspace: str | None = None
    cancelling: bool = False



class InProcessBackend:
    """The embedded store's queue: ``jobs.queue`` threads in this process (unchanged behaviour)."""

    remote = False

    def __init__(self) -> None:
        self._meta: dict[int, tuple[ProbeSpec, str | None, str | None]] = {}
        self._lock = threading.Lock()

    def submit(self, spec: ProbeSpec, options: Any, store: Any, *, device: str, scope: Scope | None = None,
               workspace: str | None = None) -> int:
        """Queue ``spec.run(options, store, job)`` on ``device`` as ``scope``; returns the job id."""
        fn = as_user(lambda j: spec.run(options, store, j), scope, workspace)
        job = job_queue().submit(spec.kind, spec.label, fn, device=device)
        with self._lock:
            self._meta[job.id] = (spec, scope.identity if scope else None, workspace)
        return job.id

    def _view(self, job: Job) -> JobView:
        spec, owner, workspace = self._meta.get(job.id, (None, None, None))
        summary = spec.summary(job.result) if spec and job.status == "done" else None
        return JobView(job.id, job.kind, job.label, job.device, job.status, job.done, job.total, job.message,
                       job.length, job.submitted, job.started, job.finished, summary, job.error, owner, workspace,
                       cancelling=job.cancel_event.is_set() and job.status in ("queued", "running"))

    def get(self, job_id: int) -> JobView | None:
        job = job_queue().get(job_id)
        return self._view(job) if job else None

    def jobs(self, kind: str | None = None, limit: int = 20) -> list[JobView]:
        return [self._view(j) for j in job_queue().jobs(kind)[:limit]]

    def cancel(self, job_id: int) -> bool:
        job = job_queue().get(job_id)
        if job is None or job.status not in ("queued", "running"):
            return False
        job.cancel()
        return True

    def live_workers(self) -> int | None:
        """None: the in-process queue needs no worker."""
        return None


class TeamBackend:
    """The team store's queue (``jobs.team_queue``): jobs run on workers, seen from any process."""

    remote = True

    def __init__(self, dsn: str):
        self.queue = TeamQueue(dsn)

    def submit(self, spec: ProbeSpec, options: Any, store: Any, *, device: str, scope: Scope | None = None,
               workspace: str | None = None) -> int:
        """Queue the job as JSON (the options, the scope); the worker's ``--device`` decides where
        it runs (``device`` is ignored). Returns the job id."""
        return self.queue.enqueue(spec.kind, spec.label, options.model_dump(mode="json"), scope_to_json(scope),
                                  workspace)

    @staticmethod
    def _view(row: JobRow) -> JobView:
        a = row.args
        return JobView(row.id, a.get("kind", ""), a.get("label", ""), row.device, _STATES.get(row.status, "failed"),
                       row.done, row.total, row.message, row.length, row.submitted, row.started, row.finished,
                       row.summary, row.error, (a.get("scope") or {}).get("identity"), a.get("workspace"),
                       cancelling=row.abort_requested and row.status == "doing")

    def get(self, job_id: int) -> JobView | None:
        rows = self.queue.jobs(job_id=job_id, limit=1)
        return self._view(rows[0]) if rows else None

    def jobs(self, kind: str | None = None, limit: int = 20) -> list[JobView]:
        return [self._view(r) for r in self.queue.jobs(kind, limit)]

    def cancel(self, job_id: int) -> bool:
        return self.queue.cancel(job_id)

    def live_workers(self) -> int:
        return self.queue.live_workers()


_IN_PROCESS = InProcessBackend()
_TEAM: dict[str, TeamBackend] = {}
_LOCK = threading.Lock()


def backend_for(store: Any) -> InProcessBackend | TeamBackend:
    """The backend serving ``store`` (a ``storage.db.Store``): the team queue for a team store on
    PostgreSQL, else the in-process queue.

    Raises:
        ValueError: a team store whose catalog is not PostgreSQL (no queue to put the job in).
    """
    if not getattr(store, "team", False):
        return _IN_PROCESS
    dsn = queue_dsn(store.path)
    with _LOCK:
        if dsn not in _TEAM:
            _TEAM[dsn] = TeamBackend(dsn)
        return _TEAM[dsn]


def submit(spec: ProbeSpec, options: Any, store: Any, *, device: str, scope: Scope | None = None,
           workspace: str | None = None) -> int:
    """Queue a probe job with the backend of ``store`` (:func:`backend_for`); returns its id."""
    return backend_for(store).submit(spec, options, store, device=device, scope=scope, workspace=workspace)
