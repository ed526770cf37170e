"""Probe jobs on the team store run by a worker PROCESS (``python -m jobs.worker``, CPU, the tiny
random Llama model folder) through the PostgreSQL queue (procrastinate): a job queued by this
process is claimed and completed with its results in the team store; progress is visible from
here while it runs; cancel stops it; SIGTERM stops the worker cleanly and re-queues its job; a
worker killed with SIGKILL leaves its job failed (not "running") within a bounded time.

Every wait polls with a deadline. Skips without PostgreSQL (``.ci/run`` installs it).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("procrastinate")

from analysis.probes.needles import PASSKEY  # noqa: E402
from jobs import niah_sweep  # noqa: E402
from jobs.backend import TeamBackend, backend_for  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HEARTBEAT_S, STALL_S = 0.5, 3.0
#: generous bounds for a loaded 2-core machine (the worker imports torch and transformers first)
START_S, JOB_S = 90.0, 90.0


@pytest.fixture
def team(team_location, monkeypatch):
    """``(store, backend)`` of a fresh team store; the board side of the test uses a 3 s stall time."""
    from storage.db import open_store

    monkeypatch.setenv("LONGSCOPE_WORKER_STALL_S", str(STALL_S))
    url, data = team_location
    store = open_store(url, data_path=data)
    backend = backend_for(store)
    assert isinstance(backend, TeamBackend) and backend.queue.stall_s == STALL_S
    yield store, backend
    store.close()


class Worker:
    """``python -m jobs.worker`` on the CPU in a subprocess (its log in ``log``)."""

    def __init__(self, store, log: Path):
        self.log = log
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "LONGSCOPE_WORKER_STALL_S": str(STALL_S)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jobs.worker", "--store", store.path, "--data-path", store.data_path,
             "--device", "cpu", "--heartbeat", str(HEARTBEAT_S), "--name", "test-worker"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture
def worker(team, tmp_path):
    w = Worker(team[0], tmp_path / "worker.log")
    yield w
    w.stop()


def wait_for(backend, job_id: int, until, timeout: float, worker: Worker | None = None):
    """Poll the job until ``until(view)`` holds (at most ``timeout`` s); returns the view.

    Raises:
        AssertionError: the deadline passed or the worker exited (its log in the message).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = backend.get(job_id)
        if view is not None and until(view):
            return view
        if worker is not None and worker.proc.poll() is not None and not until(view):
            raise AssertionError(f"worker exited ({worker.proc.returncode}): {worker.output()}")
        time.sleep(0.2)  # polling the queue, bounded by the deadline
    raise AssertionError(f"job {job_id} did not reach the state in {timeout} s: {view}\n"
                         + (worker.output() if worker else ""))


def sweep(model_dir, lengths, depths, trials) -> niah_sweep.NiahSweepOptions:
    return niah_sweep.NiahSweepOptions(model=str(model_dir), device="cpu", lengths=lengths, depths=depths,
                                       trials=trials, max_new_tokens=4, needle=PASSKEY, label="tiny via worker")


def long_sweep(model_dir) -> niah_sweep.NiahSweepOptions:
    """Enough cells (4 lengths x 11 depths x 4 trials) to be still running when the test acts."""
    return sweep(model_dir, [300, 350, 400, 450], [float(d) for d in range(0, 101, 10)], 4)


def test_a_worker_process_claims_and_completes_a_queued_job(team, worker, tiny_model_dir):
    """2 lengths x 1 depth x 2 trials queued by alice: the worker stores 4 trials in 2 cells of one
    run in her workspace, stamped with her name; the board sees the job done with the summary. A
    job whose model does not exist then fails with the loader's error, and the worker goes on."""
    from storage.scope import make_scope

    store, backend = team
    alice = make_scope("alice", [("default", "member")])
    job_id = niah_sweep.submit(sweep(tiny_model_dir, [300, 400], [50.0], 2), store, device="cpu", model_name="tiny",
                               scope=alice, workspace="default")
    queued = backend.get(job_id)
    assert queued.status == "queued" and queued.owner == "alice" and queued.workspace == "default"
    view = wait_for(backend, job_id, lambda v: v.status in ("done", "failed", "cancelled"), START_S + JOB_S, worker)
    assert view.status == "done", view.error
    assert view.device == "cpu" and view.total == view.done == 4              # trials
    run_id = int(view.summary.split(":")[0].removeprefix("run "))
    assert view.summary == f"run {run_id}: 2 cells run, 0 already stored (skipped), 0 not run · " \
                           f"accuracy {view.summary.rsplit(' ', 1)[1]}"
    rows = store.cursor().execute("SELECT context_length, count(*) FROM niah_trials WHERE run_id = ? GROUP BY 1 "
                                  "ORDER BY 1", [run_id]).fetchall()
    assert rows == [(300, 2), (400, 2)]
    run = store.cursor().execute("SELECT label, workspace, created_by FROM runs WHERE run_id = ?", [run_id]).fetchone()
    assert run == ("tiny via worker", "default", "alice")             # run as the user who queued it
    assert view.submitted <= view.started <= view.finished
    print(f"\nenqueue -> start {view.started - view.submitted:.2f} s (includes the worker's start-up), "
          f"run {view.finished - view.started:.2f} s")
    assert backend.live_workers() == 1

    missing = sweep(tiny_model_dir.parent / "no-such-model", [300], [50.0], 1)   # a job that fails
    bad = niah_sweep.submit(missing, store, device="cpu", model_name="missing")
    failed = wait_for(backend, bad, lambda v: v.status in ("done", "failed"), JOB_S, worker)
    assert failed.status == "failed" and failed.error.startswith("ModelLoadError: ") and "no-such-model" in failed.error
    assert worker.proc.poll() is None and backend.live_workers() == 1   # the worker goes on


def test_cancel_stops_the_running_job_and_sigterm_requeues_and_exits(team, worker, tiny_model_dir):
    """Cancel from the board: the running job ends 'cancelled' with only some cells stored; then a
    job running when the worker gets SIGTERM goes back to 'queued' and the worker exits 0."""
    store, backend = team
    first = niah_sweep.submit(long_sweep(tiny_model_dir), store, device="cpu", model_name="tiny")
    # 5 trials reported: the first cell (4 trials) is stored and the second is running
    running = wait_for(backend, first, lambda v: v.status == "running" and v.done >= 5, START_S + JOB_S, worker)
    assert running.total == 4 * 11 * 4 and running.length in (300, 350, 400, 450)  # progress seen from here
    asked = time.monotonic()
    assert backend.cancel(first)
    view = wait_for(backend, first, lambda v: v.status != "running", JOB_S, worker)
    print(f"\ncancel -> stopped {time.monotonic() - asked:.2f} s")
    assert view.status == "cancelled" and view.summary == "cancelled from the board"
    stored = store.cursor().execute("SELECT count(*) FROM niah_trials").fetchone()[0]
    assert 0 < stored < 4 * 11 * 4 and stored % 4 == 0          # whole cells only, not the whole grid

    second = niah_sweep.submit(long_sweep(tiny_model_dir), store, device="cpu", model_name="tiny")
    started = wait_for(backend, second, lambda v: v.status == "running" and v.done >= 1, JOB_S, worker)
    latency = started.started - started.submitted                   # idle worker: woken by LISTEN/NOTIFY
    print(f"enqueue -> start on an idle worker {latency:.2f} s")
    assert 0 <= latency < 10
    worker.proc.send_signal(signal.SIGTERM)
    assert worker.proc.wait(timeout=JOB_S) == 0, worker.output()
    assert backend.get(second).status == "queued"                  # re-queued for the next worker
    assert backend.live_workers() == 0


def test_a_killed_worker_leaves_its_job_failed_within_the_stall_time(team, worker, tiny_model_dir):
    """SIGKILL mid-job: no heartbeat for 3 s -> the board marks the job failed, saying why."""
    store, backend = team
    job_id = niah_sweep.submit(long_sweep(tiny_model_dir), store, device="cpu", model_name="tiny")
    wait_for(backend, job_id, lambda v: v.status == "running" and v.done >= 1, START_S + JOB_S, worker)
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait(timeout=30)
    killed = time.monotonic()
    view = wait_for(backend, job_id, lambda v: v.status != "running", STALL_S + 15)
    print(f"\nkill -> failed {time.monotonic() - killed:.2f} s (stall time {STALL_S} s)")
    assert view.status == "failed" and "stopped sending heartbeats" in view.error
    assert backend.live_workers() == 0
