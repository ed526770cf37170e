"""``jobs.backend`` picks where a probe job runs by the store, and both backends answer with the
same ``JobView``; the worker refuses what it cannot serve; the queue's schema is created once; the
probe page on the team store queues, shows the job with "no worker is running", and cancels it.
(The worker process itself: tests/jobs/test_worker.py.)"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from jobs.backend import InProcessBackend, ProbeSpec, TeamBackend, backend_for

ROOT = Path(__file__).resolve().parents[2]


def _wait(backend, job_id, until, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = backend.get(job_id)
        if until(view):
            return view
        time.sleep(0.02)  # polling, bounded by the deadline
    raise AssertionError(f"job {job_id}: {backend.get(job_id)}")


def test_embedded_store_runs_jobs_in_process_with_summary_and_cancel(tmp_path):
    """Embedded store -> the in-process queue: a job reports 2/4 then ends done with its summary
    line; a second job on the same device waits, is cancelled at its next check."""
    from storage.db import open_store

    store = open_store(tmp_path / "s.duckdb")
    backend = backend_for(store)
    assert isinstance(backend, InProcessBackend) and backend.live_workers() is None
    go = threading.Event()

    def run(options, store_, ctx):
        ctx.progress(2, 4, "half", length=512)
        go.wait(10)
        ctx.check()
        return options * 2

    spec = ProbeSpec("test-kind", "doubling", run, lambda result: f"result {result}")
    first = backend.submit(spec, 21, store, device="test-dev")
    second = backend.submit(spec, 1, store, device="test-dev")
    running = _wait(backend, first, lambda v: v.done == 2)
    assert (running.status, running.total, running.length, running.fraction) == ("running", 4, 512, 0.5)
    assert backend.get(second).status == "queued"                    # one job at a time per device
    assert backend.cancel(second) and backend.get(second).cancelling
    go.set()
    done = _wait(backend, first, lambda v: v.status == "done")
    assert done.summary == "result 42" and done.error is None
    assert _wait(backend, second, lambda v: v.status != "queued").status == "cancelled"
    assert [v.id for v in backend.jobs("test-kind")][:2] == [second, first]
    assert not backend.cancel(first)                                  # already ended
    store.close()


def test_the_worker_refuses_an_embedded_store_and_a_slow_heartbeat(tmp_path, capsys):
    from cli.main import run_worker
    from jobs.worker.serve import WorkerSetupError, check_settings

    assert run_worker(["--store", str(tmp_path / "s.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "embedded DuckDB store" in err and "in-process queue" in err and "ducklake:postgres:" in err
    with pytest.raises(WorkerSetupError, match="below half the stall time"):
        check_settings("ducklake:postgres:dbname=x", heartbeat_s=20, stall_s=30)
    with pytest.raises(WorkerSetupError, match="PostgreSQL catalog"):
        check_settings("ducklake:sqlite:x.db", heartbeat_s=1, stall_s=30)
    check_settings("ducklake:postgres:dbname=x", heartbeat_s=10, stall_s=30)


def test_stall_time_setting(monkeypatch):
    from jobs.team_queue import stall_seconds

    monkeypatch.delenv("LONGSCOPE_WORKER_STALL_S", raising=False)
    assert stall_seconds() == 30.0
    monkeypatch.setenv("LONGSCOPE_WORKER_STALL_S", "4.5")
    assert stall_seconds() == 4.5
    monkeypatch.setenv("LONGSCOPE_WORKER_STALL_S", "0")
    with pytest.raises(ValueError, match="LONGSCOPE_WORKER_STALL_S"):
        stall_seconds()


def test_scope_travels_as_json():
    from jobs.scoping import scope_from_json, scope_to_json
    from storage.scope import local_scope, make_scope

    for scope in (make_scope("bob", [("a", "member"), ("b", "viewer")]), local_scope(), None):
        doc = scope_to_json(scope)
        assert scope_from_json(json.loads(json.dumps(doc))) == scope


def test_queue_schema_is_created_once(team_location):
    from jobs.team_queue import ensure_schema, queue_dsn

    dsn = queue_dsn(team_location[0])
    results = []
    threads = [threading.Thread(target=lambda: results.append(ensure_schema(dsn))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [False, False, True]                   # three clients at once: created once
    assert ensure_schema(dsn) is False


def test_stalled_jobs_are_checked_also_from_a_thread_running_an_event_loop(team_location):
    """The board's check for dead workers runs procrastinate's async calls; from a thread that already
    runs an event loop (a notebook, Playwright's sync API in a test session) it must still work."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from jobs.team_queue import ensure_schema, fail_stalled, queue_dsn

    dsn = queue_dsn(team_location[0])
    ensure_schema(dsn)

    async def board_in_a_loop():
        return fail_stalled(dsn, 30.0)

    # a thread of its own runs the loop (the test session's main thread may run Playwright's already)
    with ThreadPoolExecutor(max_workers=1) as pool:
        stalled = pool.submit(asyncio.run, board_in_a_loop()).result(timeout=120)
    assert stalled == []  # no job at all: nothing stalled, and no RuntimeError


def test_probe_page_on_the_team_store_queues_and_cancels(team_location, monkeypatch):
    """The NIAH page on the team store: Run queues a job (nothing runs in the page's process); the
    panel shows it queued with "No worker is running" and the command; Cancel cancels it."""
    from streamlit.testing.v1 import AppTest

    from storage.db import open_store

    url, data = team_location
    monkeypatch.setenv("LONGSCOPE_STORE", url)
    monkeypatch.setenv("LONGSCOPE_DATA_PATH", data)
    at = AppTest.from_file(str(ROOT / "pages" / "probe_niah.py"), default_timeout=180).run()
    assert not at.exception, at.exception
    at.text_input[0].set_value("300")
    at.text_input[1].set_value("50")
    next(b for b in at.button if b.label == "Run sweep").click().run()
    assert not at.exception, at.exception
    backend = backend_for(open_store(url, data_path=data))
    assert isinstance(backend, TeamBackend)
    [job] = backend.jobs("niah-sweep")
    assert job.status == "queued" and job.label.startswith("NIAH sweep")
    warning = " ".join(w.value for w in at.warning)
    assert "No worker is running" in warning and f"longscope worker --store '{url}' --data-path {data}" in warning
    next(b for b in at.button if b.label == "Cancel").click().run()
    assert backend.get(job.id).status == "cancelled"
    at.run()
    assert not at.exception, at.exception
    assert any(w.value.startswith(f"{job.label}: cancelled") for w in at.warning)   # this session's job ended
    assert not [b for b in at.button if b.label == "Cancel"]


def test_the_panel_line_of_a_running_job():
    """What the progress bar says: state, device, trials, the message (context length), ETA, owner."""
    from jobs.backend import JobView
    from ui.job_panel import _progress_line, worker_hint

    view = JobView(7, "niah-sweep", "NIAH sweep · tiny", "cuda:0", "running", done=2, total=6,
                   message="300 tokens, depth 50%", started=time.time() - 10, owner="alice")
    assert _progress_line(view) == ("NIAH sweep · tiny: running on cuda:0 · 2/6 300 tokens, depth 50% · "
                                    "about 20 s left · queued by alice")
    queued = JobView(8, "niah-sweep", "NIAH sweep · tiny", None, "queued")
    assert _progress_line(queued) == "NIAH sweep · tiny: queued · waiting for a worker"

    class Team:
        path, data_path = "ducklake:postgres:dbname=l host=db password=x", "/lake/"
    assert worker_hint(Team) == "longscope worker --store 'ducklake:postgres:dbname=l host=db password=…' " \
                                "--data-path /lake/ --device cuda:0"


def test_a_password_in_the_store_url_is_never_shown():
    from jobs.team_queue import redact

    assert redact("ducklake:postgres:dbname=lake password=s3cr3t host=db") == \
        "ducklake:postgres:dbname=lake password=… host=db"


def test_eta_is_the_elapsed_time_per_unit_times_the_units_left():
    """Started 10 s ago, 2 of 6 trials done: 5 s per trial, 4 left -> 20 s (queued or finished: none)."""
    from jobs.backend import JobView

    now = time.time()
    view = JobView(1, "niah-sweep", "x", "cpu", "running", done=2, total=6, started=now - 10)
    assert view.fraction == pytest.approx(1 / 3) and view.eta_s == pytest.approx(20, abs=0.5)
    assert JobView(2, "k", "x", None, "queued").eta_s is None
    assert JobView(3, "k", "x", "cpu", "running", done=0, total=6, started=now - 10).eta_s is None
    assert JobView(4, "k", "x", "cpu", "done", done=6, total=6, started=now - 10, finished=now).eta_s is None
