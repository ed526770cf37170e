"""Probe job queue: one job at a time per device, progress/ETA, cancel, out-of-memory message."""
from __future__ import annotations

import threading
import time

from jobs.queue import JobQueue


def _wait(job, timeout=10.0):
    t0 = time.time()
    while job.status in ("queued", "running") and time.time() - t0 < timeout:
        time.sleep(0.01)
    return job


def test_one_job_at_a_time_per_device_and_cancel():
    q = JobQueue()
    gate, running = threading.Event(), []

    def slow(job):
        running.append(job.id)
        for i in range(100):
            job.progress(i, 100, "step", length=1024)
            job.check()
            if i == 1:
                gate.wait(5)
            time.sleep(0.001)
        return "finished"

    first = q.submit("niah", "first", slow, device="cpu")
    second = q.submit("niah", "second", lambda job: "second done", device="cpu")
    time.sleep(0.2)
    assert first.status == "running" and second.status == "queued"      # same device: waits
    assert first.eta_s is not None and 0 < first.fraction < 0.05
    first.cancel()
    gate.set()
    assert _wait(first).status == "cancelled" and first.result is None
    assert _wait(second).status == "done" and second.result == "second done"
    assert [j.id for j in q.jobs()] == [second.id, first.id]               # newest first


def test_out_of_memory_names_the_length_and_queue_survives():
    q = JobQueue()

    def oom(job):
        job.progress(0, 2, "", length=1024)
        job.progress(1, 2, "", length=8192)
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: "
                           "you tried to allocate 72000000000 bytes")

    failed = _wait(q.submit("rh", "big", oom))
    assert failed.status == "failed"
    assert failed.error.startswith("out of memory at context length 8192 tokens on cpu")
    assert _wait(q.submit("rh", "next", lambda job: 42)).result == 42
    other = _wait(q.submit("rh", "bug", lambda job: 1 / 0))
    assert other.status == "failed" and other.error.startswith("ZeroDivisionError")
