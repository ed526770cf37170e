"""Probe job queue: one job at a time per device, with progress, ETA, cancel and clear OOM errors.

Framework-free (no streamlit, no torch at import); in-process threads, one worker per device. A
job is a function ``fn(job) -> result`` (in practice an orchestration function of ``jobs/``) that
reports through its :class:`Job`, an ``analysis.probes.progress.Progress``:

    ctx.progress(done, total, "message", length=8192)   # length = context length being run
    ctx.check()                                         # raises JobCancelled once cancel() was asked

Usage::

    q = job_queue()                         # process-wide, shared by every browser session
    job = q.submit("niah-sweep", "SmolLM2 1K-4K", fn, device="cpu")
    job.status, job.fraction, job.eta_s, job.message; job.cancel(); job.result / job.error

A job that runs out of memory fails with "out of memory at context length N tokens …" (N is the
last ``length`` it reported) and the queue keeps running.
"""
from __future__ import annotations

import itertools
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from analysis.vocabulary import JobState


class JobCancelled(Exception):
    """Raised inside a job by :meth:`Job.check` after :meth:`Job.cancel`."""


def is_oom(exc: BaseException) -> bool:
    """True for torch's OutOfMemoryError and allocator failures (CUDA, MPS, CPU)."""
    name = type(exc).__name__
    text = str(exc).lower()
    return name == "OutOfMemoryError" or isinstance(exc, MemoryError) or "out of memory" in text \
        or "can't allocate memory" in text or "not enough memory" in text


def oom_message(exc: BaseException, length: int | None, device: str) -> str:
    """The user-facing message for an out-of-memory failure."""
    where = f"at context length {length} tokens" if length else "before any context length was reported"
    return (f"out of memory {where} on {device}: that length does not fit. Run shorter lengths, "
            f"or use a larger device. ({type(exc).__name__}: {str(exc)[:200]})")


class ProgressFigures:
    """``fraction`` and ``eta_s`` of anything with ``status``, ``done``, ``total`` and ``started``
    (epoch seconds): a queued :class:`Job` here, a job row of the team queue (``jobs.backend``)."""

    @property
    def fraction(self) -> float:
        """Done / total (0 before the first report)."""
        return self.done / self.total if self.total else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left, extrapolated linearly from the elapsed time; None before the first unit."""
        if self.status != "running" or not self.done or not self.started:
            return None
        return (time.time() - self.started) / self.done * (self.total - self.done)


@dataclass
class Job(ProgressFigures):
    """A queued probe job (read its fields from any thread); the ``ctx`` its function reports to."""

    id: int = 0
    kind: str = ""
    label: str = ""
    device: str = "cpu"
    fn: Callable[["Job"], Any] | None = field(default=None, repr=False)
    status: JobState = "queued"
    done: int = 0
    total: int = 0
    message: str = ""
    submitted: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: Any = None
    error: str | None = None
    length: int | None = None   # the last context length reported (tokens): named by an OOM failure
    cancel_event: threading.Event = field(default_factory=threading.Event, repr=False)

    def progress(self, done: int, total: int, message: str = "", length: int | None = None) -> None:
        """Record ``done`` of ``total`` units; ``length`` = the context length now being run."""
        if length is not None:
            self.length = length
        self.done, self.total, self.message = done, total, message

    def check(self) -> None:
        """Raise :class:`JobCancelled` if the job was asked to stop."""
        if self.cancel_event.is_set():
            raise JobCancelled("cancelled")

    def cancel(self) -> None:
        """Ask the job to stop at its next :meth:`check` (a queued job never starts)."""
        self.cancel_event.set()



class JobQueue:
    """FIFO queue with one worker thread per device: at most one running job per device."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: list[Job] = []
        self._ids = itertools.count(1)
        self._workers: dict[str, threading.Thread] = {}
        self._wake: dict[str, threading.Condition] = {}

    def submit(self, kind: str, label: str, fn: Callable[[Job], Any], device: str = "cpu") -> Job:
        """Queue ``fn(job)``; returns the :class:`Job` at once."""
        job = Job(id=next(self._ids), kind=kind, label=label, device=device, fn=fn)
        with self._lock:
            self._jobs.append(job)
            cond = self._wake.setdefault(device, threading.Condition(self._lock))
            if device not in self._workers or not self._workers[device].is_alive():
                t = threading.Thread(target=self._work, args=(device,), daemon=True, name=f"probe-{device}")
                self._workers[device] = t
                t.start()
            cond.notify()
        return job

    def jobs(self, kind: str | None = None) -> list[Job]:
        """All jobs (newest first), optionally of one kind."""
        with self._lock:
            return [j for j in reversed(self._jobs) if kind is None or j.kind == kind]

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return next((j for j in self._jobs if j.id == job_id), None)

    def _next(self, device: str) -> Job:
        with self._lock:
            while True:
                job = next((j for j in self._jobs if j.device == device and j.status == "queued"), None)
                if job is not None:
                    job.status = "running"
                    job.started = time.time()
                    return job
                self._wake[device].wait()

    def _work(self, device: str) -> None:
        while True:
            job = self._next(device)
            try:
                job.check()
                job.result = job.fn(job)
                job.status = "done"
            except JobCancelled:
                job.status = "cancelled"
            except BaseException as exc:  # the queue must survive any job failure
                job.status = "failed"
                job.error = oom_message(exc, job.length, device) if is_oom(exc) else \
                    f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
                free_device_memory()
            finally:
                job.finished = time.time()


def free_device_memory() -> None:
    """Collect garbage and return cached CUDA memory after a failed job (an OOM leaves tensors)."""
    import gc
    import sys

    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


_QUEUE: JobQueue | None = None
_QUEUE_LOCK = threading.Lock()


def job_queue() -> JobQueue:
    """The process-wide queue (created on first use)."""
    global _QUEUE
    with _QUEUE_LOCK:
        if _QUEUE is None:
            _QUEUE = JobQueue()
        return _QUEUE
