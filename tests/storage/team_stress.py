"""Many clients writing one team store at once: the stress test's workers, reader and files
(used by tests/storage/test_team_store.py and benchmarks/team_store.py).

Files: ``n_runs`` NIAH runs in the original gkamradt layout (one folder = one run), two files per
run (context lengths 1000 and 2000 tokens, depth 50 %, one trial each), all contents distinct.
Each worker process ingests its share one file per ingest (distinct and duplicate files mixed:
every file is ingested by several workers); the reader process queries heatmaps meanwhile.

Run as ``python -m tests.storage.team_stress worker|reader STORE DATA_PATH JSON_ARGS OUT``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LENGTHS = (1000, 2000)


def write_files(folder: Path, n_runs: int) -> list[str]:
    """Write the runs' files under ``folder``; returns their paths (run k's files are 2k, 2k+1)."""
    paths = []
    for k in range(n_runs):
        run = folder / f"run_{k:03d}"
        run.mkdir(parents=True, exist_ok=True)
        for length in LENGTHS:
            p = run / f"token_len_{length}_depth_50_results.json"
            p.write_text(json.dumps({"model": f"stress-model-{k}", "context_length": length, "depth_percent": 50.0,
                                     "score": 1 + (k + length // 1000) % 10,
                                     "model_response": f"answer of run {k} at {length} tokens"}))
            paths.append(str(p))
    return paths


def worker_share(paths: list[str], worker: int, n_ingests: int) -> list[str]:
    """The files worker ``worker`` ingests, in order: a stride through all files from an offset, so
    every file is taken by several workers, at different moments."""
    return [paths[(worker * 7 + i * 3) % len(paths)] for i in range(n_ingests)]


def run_worker(store_url: str, data_path: str, files: list[str], out: str) -> None:
    """Ingest ``files`` one per commit; write {ingests, runs_written, retries, commit_seconds, errors}."""
    sys.path.insert(0, str(ROOT))
    from storage.db import open_store
    from storage.ingest import ingest_paths

    store = open_store(store_url, data_path=data_path)
    written, errors, start = 0, [], time.perf_counter()
    for path in files:
        try:
            plan, runs = ingest_paths([path], store)
            errors += [f.message for f in plan.failed]
            written += len(runs)
        except Exception as exc:  # recorded and asserted on by the test
            errors.append(f"{type(exc).__name__}: {exc}")
    Path(out).write_text(json.dumps({"ingests": len(files), "runs_written": written, "retries": store.stats.retries,
                                     "commits": store.stats.commits, "commit_seconds": store.stats.seconds,
                                     "queue_seconds": store.stats.queue_seconds,
                                     "seconds": time.perf_counter() - start, "errors": errors}))


def run_reader(store_url: str, data_path: str, stop_file: str, out: str) -> None:
    """Query the heatmap of every run until ``stop_file`` exists; write {queries, errors, seconds}."""
    sys.path.insert(0, str(ROOT))
    from storage.db import open_store
    from storage.runs import list_runs
    from storage.trials import heatmap_cells

    store = open_store(store_url, data_path=data_path)
    queries, errors, seconds = 0, [], []
    while not os.path.exists(stop_file):
        try:
            t = time.perf_counter()
            ids = [int(i) for i in list_runs(store)["run_id"]]
            if ids:
                heatmap_cells(store, ids)
            seconds.append(time.perf_counter() - t)
            queries += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.2)
    Path(out).write_text(json.dumps({"queries": queries, "errors": errors, "query_seconds": seconds}))


def run_stress(store_url: str, data_path: str, folder: Path, *, workers: int = 8, ingests: int = 50,
               n_runs: int = 20, timeout: float = 600) -> dict:
    """Start ``workers`` ingesting processes and one reader on one team store; wait for them.

    Returns:
        {"wall_seconds", "workers": [worker results], "reader": reader result}.

    Raises:
        RuntimeError: a process exited non-zero (its stderr in the message) or timed out.
    """
    paths = write_files(folder / "files", n_runs)
    stop = folder / "stop"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "tests.storage.team_stress"]
    reader = subprocess.Popen([*cmd, "reader", store_url, data_path, json.dumps(str(stop)), str(folder / "reader.json")],
                              cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    start = time.perf_counter()
    procs = [subprocess.Popen([*cmd, "worker", store_url, data_path, json.dumps(worker_share(paths, w, ingests)),
                               str(folder / f"worker_{w}.json")], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
             for w in range(workers)]
    try:
        for p in procs:
            _, err = p.communicate(timeout=timeout)
            if p.returncode:
                raise RuntimeError(f"stress worker failed ({p.returncode}): {err[-3000:]}")
        wall = time.perf_counter() - start
    finally:
        stop.write_text("stop")
        for p in procs:
            if p.poll() is None:
                p.kill()
        _, err = reader.communicate(timeout=120)
    if reader.returncode:
        raise RuntimeError(f"stress reader failed ({reader.returncode}): {err[-3000:]}")
    return {"wall_seconds": wall,
            "workers": [json.loads((folder / f"worker_{w}.json").read_text()) for w in range(workers)],
            "reader": json.loads((folder / "reader.json").read_text())}


if __name__ == "__main__":
    role, url, data, arg, out = sys.argv[1:6]
    if role == "worker":
        run_worker(url, data, json.loads(arg), out)
    else:
        run_reader(url, data, json.loads(arg), out)
