"""Peak extra memory of ingesting one large tidy JSONL file, by route (a benchmark, not a test).

Routes, each in a fresh Python process with a fresh store:

* ``cli``: ``storage.ingest.ingest_paths([FILE])`` - what ``python -m storage.ingest FILE`` does;
* ``app``: what the Upload page does with an uploaded file - the bytes are already in memory
  (Streamlit holds the upload; counted in the baseline), then ``storage.sources.from_upload``,
  ``storage.ingest.prepare`` and ``storage.ingest.commit``.

Extra memory = the process's peak resident set size during the ingest (Linux ``VmHWM``, restarted
just before it through ``/proc/self/clear_refs``) minus its resident set size just before (modules
imported, store open). Goal: <= 2x the file size.

Usage::

    python benchmarks/upload_memory.py [--mb 150] [--routes cli app] [--out FILE.json]
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

path, route = Path({path!r}), {route!r}
store = open_store(Path({db!r}))
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


def tidy_jsonl(path: Path, mb: float, seed: int = 0) -> int:
    """Write about ``mb`` MB of tidy NIAH trials (one run; 40 lengths x 21 depths, repeated trials,
    a short needle and response per row); returns the number of rows."""
    rows_per_mb = 5200  # about 200 bytes per line
    n = int(mb * rows_per_mb)
    rng = np.random.default_rng(seed)
    lengths = np.linspace(1000, 128000, 40).round().astype("int64")
    depths = np.linspace(0, 100, 21).round(3)
    df = pd.DataFrame({"model": "synthetic-model-7b-instruct", "benchmark": "niah", "task": "single_needle",
                       "context_length": lengths[np.arange(n) % 40], "depth_percent": depths[(np.arange(n) // 40) % 21],
                       "score": rng.integers(1, 11, n).astype("float64"), "scale": "judge_1_10",
                       "trial": np.arange(n) // 840, "needle": "The best thing to do in San Francisco is eat a sandwich.",
                       "response": "Eat a sandwich and sit in Dolores Park."})
    df.to_json(path, orient="records", lines=True)
    return n


def measure(path: Path, route: str, workdir: Path) -> dict[str, float]:
    code = CHILD.format(root=str(ROOT), path=str(path), route=route, db=str(workdir / f"{route}.duckdb"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()[-1].split()
    before, peak, wall = int(out[0]), int(out[1]), float(out[2])
    size = path.stat().st_size
    return {"file_mb": round(size / 2 ** 20, 1), "extra_mb": round((peak - before) / 2 ** 20, 1),
            "extra_x_file": round((peak - before) / size, 2), "wall_s": round(wall, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=150)
    ap.add_argument("--routes", nargs="+", default=["cli", "app"], choices=["cli", "app"])
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "trials.jsonl"
        n = tidy_jsonl(path, args.mb)
        print(f"{n:,} trials, {path.stat().st_size / 2 ** 20:,.1f} MiB JSONL")
        for route in args.routes:
            results[route] = measure(path, route, Path(tmp))
            print(f"  {route}: {results[route]}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
