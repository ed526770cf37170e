"""Peak extra memory of ingesting one large tidy JSONL (or CSV) file, by route (a benchmark, not a test).

Routes, each in a fresh Python process with a fresh store:

* ``cli``: ``storage.ingest.ingest_paths([FILE])`` - what ``python -m storage.ingest FILE`` does;
* ``app``: what the Upload page does with an uploaded file - the bytes are already in memory
  (Streamlit holds the upload; counted in the baseline), then ``storage.sources.from_upload``,
  ``storage.ingest.prepare`` and ``storage.ingest.commit``.

Extra memory = the process's peak resident set size during the ingest (Linux ``VmHWM``, restarted
just before it through ``/proc/self/clear_refs``) minus its resident set size just before. "Warm"
(the default): the process has first ingested a small file of another run (``--warm-mb``, 1 MB), as
a server has after its first upload, so what every process pays once (importing the importers,
DuckDB's and Arrow's first allocations: about 60 MiB) is not counted as the upload's; ``--cold``
counts it (a fresh CLI process). ``--store team``: into a team store (DuckLake, its catalog in a
throw-away local PostgreSQL cluster, ``tests/pg_cluster.py``; data files on local disk) instead of
a DuckDB file. Goal: <= 2x the file size.

Usage::

    python benchmarks/upload_memory.py [--mb 150] [--routes cli app] [--cold | --warm-mb 1]
        [--store file|team] [--format jsonl|csv] [--out FILE.json]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time
sys.path.insert(0, {root!r})
from pathlib import Path
from storage.db import open_store
from storage.ingest import commit, ingest_paths, prepare
from storage.sources import from_upload

def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))

path, route, warm = Path({path!r}), {route!r}, {warm!r}
store = open_store({db!r}, data_path={data_path!r})
if warm:
    ingest_paths([Path(warm)], store, model="warm-up-model")
data = path.read_bytes() if route == "app" else None
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # restart the peak (VmHWM) here: imports and opening the store are not counted
before, t = status("VmRSS:"), time.perf_counter()
if route == "cli":
    plan, written = ingest_paths([path], store)
else:
    sources, skipped = from_upload(path.name, data)
    plan = prepare(sources, store, skipped)
    written = commit(plan, store)
wall = time.perf_counter() - t
assert written and not plan.failed, [f.message for f in plan.failed]
peak = status("VmHWM:")
print(before, peak, wall)
"""


def tidy_file(path: Path, mb: float, seed: int = 0) -> int:
    """Write tidy NIAH trials (one run; 40 lengths x 21 depths, repeated trials, a short needle and
    response per row) as JSON Lines or CSV (by ``path``'s suffix); returns the number of rows.
    ``mb`` sets the row count, 5,200 rows per unit: a unit is about 1.45 MiB of JSON Lines (292
    bytes per line; ``--mb 104``: 150.6 MiB) and 0.9 MiB of CSV."""
    rows_per_mb = 5200
    n = int(mb * rows_per_mb)
    rng = np.random.default_rng(seed)
    lengths = np.linspace(1000, 128000, 40).round().astype("int64")
    depths = np.linspace(0, 100, 21).round(3)
    df = pd.DataFrame({"model": "synthetic-model-7b-instruct", "benchmark": "niah", "task": "single_needle",
                       "context_length": lengths[np.arange(n) % 40], "depth_percent": depths[(np.arange(n) // 40) % 21],
                       "score": rng.integers(1, 11, n).astype("float64"), "scale": "judge_1_10",
                       "trial": np.arange(n) // 840, "needle": "The best thing to do in San Francisco is eat a sandwich.",
                       "response": "Eat a sandwich and sit in Dolores Park."})
    if path.suffix == ".csv":
        df.to_csv(path, index=False)
    else:
        df.to_json(path, orient="records", lines=True)
    return n


def measure(path: Path, route: str, workdir: Path, warm: Path | None, cluster=None) -> dict[str, float]:
    """Peak extra memory of one ingest in a fresh child process (into a new team store's database of
    ``cluster`` when given, else a new DuckDB file)."""
    if cluster is None:
        db, data_path = str(workdir / f"{route}.duckdb"), None
    else:
        db, data_path = "ducklake:postgres:" + cluster.create_database(f"upload_{route}"), str(workdir / f"lake_{route}")
    code = CHILD.format(root=str(ROOT), path=str(path), route=route, db=db, data_path=data_path,
                        warm=str(warm) if warm else None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()[-1].split()
    before, peak, wall = int(out[0]), int(out[1]), float(out[2])
    size = path.stat().st_size
    return {"file_mb": round(size / 2 ** 20, 1), "extra_mb": round((peak - before) / 2 ** 20, 1),
            "extra_x_file": round((peak - before) / size, 2), "wall_s": round(wall, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=150)
    ap.add_argument("--routes", nargs="+", default=["cli", "app"], choices=["cli", "app"])
    ap.add_argument("--cold", action="store_true", help="measure in a fresh process (no warm-up ingest)")
    ap.add_argument("--warm-mb", type=float, default=1, help="size of the warm-up file (MB)")
    ap.add_argument("--store", choices=["file", "team"], default="file")
    ap.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    results = {}
    cluster = None
    if args.store == "team":
        sys.path.insert(0, str(ROOT))
        from tests.pg_cluster import PgCluster
        cluster = PgCluster().start()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"trials.{args.format}"
        n = tidy_file(path, args.mb)
        warm = None if args.cold else Path(tmp) / "warm-up.jsonl"
        if warm:
            tidy_file(warm, args.warm_mb, seed=1)
        print(f"{n:,} trials, {path.stat().st_size / 2 ** 20:,.1f} MiB {args.format}, {'cold' if args.cold else 'warm'}")
        for route in args.routes:
            results[route] = measure(path, route, Path(tmp), warm, cluster)
            print(f"  {route}: {results[route]}")
    if cluster is not None:
        cluster.stop()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
