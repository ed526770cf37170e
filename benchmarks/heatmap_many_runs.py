"""Very large NIAH heatmaps in the browser (a benchmark, not a timed test).

(a) ``runs``: ``--runs`` (default 300) NIAH runs of 35 lengths x 35 depths (1,225 cells each) all
    picked on the heatmap page (``/niah_heatmap?runs=1,...,300``). Goal: the first chart drawn within 5 s.
(b) ``cells``: one run of ``--lengths`` x ``--depths`` (default 400 x 300 = 120,000 cells), which the
    page aggregates into at most 60 x 60 bins ("aggregated from N cells").

For each part it starts ``streamlit run app.py`` on a fresh store, opens the page in Debian's
chromium (Playwright) and measures, from the navigation, the time until the first chart's squares
are all drawn and until the script run has finished, plus the page's Plotly JSON size.

Usage::

    python benchmarks/heatmap_many_runs.py [--runs 300] [--lengths 400] [--depths 300] [--parts runs cells]
        [--workdir DIR] [--out FILE.json]
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.heatmap import MAX_BINS, MAX_CELLS  # noqa: E402
from storage.db import open_store  # noqa: E402
from storage.ingest import ingest_paths  # noqa: E402
from storage.runs import list_runs  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def niah_grid(model: str, lengths: np.ndarray, depths: np.ndarray, seed: int) -> pd.DataFrame:
    """One trial per (length, depth) cell in the tidy format; binary scores with a recall that
    falls with length (fixed ``seed``)."""
    length, depth = np.repeat(lengths, len(depths)), np.tile(depths, len(lengths))
    recall = 0.98 - 0.5 * length / lengths.max()
    score = (np.random.default_rng(seed).random(len(length)) < recall).astype("float64")
    return pd.DataFrame({"model": model, "benchmark": "niah", "task": "single_needle", "context_length": length,
                         "depth_percent": depth, "score": score, "scale": "binary"})


def build_store(path: Path, grids: list[pd.DataFrame], workdir: Path) -> list[int]:
    """Write each grid as one JSONL file and ingest them all (``storage.ingest.ingest_paths``)."""
    files = []
    for i, df in enumerate(grids):
        files.append(workdir / f"run_{i:04d}.jsonl")
        df.to_json(files[-1], orient="records", lines=True)
    store = open_store(path)
    plan, _ = ingest_paths(files, store)
    assert not plan.failed, [f.message for f in plan.failed][:3]
    ids = sorted(int(r) for r in list_runs(store)["run_id"])
    store.close()
    return ids


def serve(db: Path):
    """``streamlit run app.py`` on a free port against ``db``; returns (process, base URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)],
                            cwd=ROOT, env={**os.environ, "LONGSCOPE_DB": str(db)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("streamlit did not start")


def time_first_chart(url: str, min_points: int) -> dict[str, float]:
    """Open ``url`` (after a warm-up visit of the Home page, so the server's imports are done) and
    time the first chart with >= ``min_points`` squares, and the end of the script run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        warm = browser.new_page()
        warm.goto(url.split("/niah_heatmap")[0], wait_until="domcontentloaded")
        warm.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=300_000)
        warm.close()
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_function(
            "n => { const p = document.querySelector('.js-plotly-plot');"
            " return p && p._fullLayout && p.querySelectorAll('.point').length >= n; }",
            arg=min_points, timeout=900_000, polling=50)
        first = time.perf_counter() - t0
        page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=900_000)
        done = time.perf_counter() - t0
        charts = page.locator(".js-plotly-plot").count()
        size = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                             ".reduce((s, p) => s + JSON.stringify({data: p.data, layout: p.layout}).length, 0)")
        heap = page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize : null")
        text = page.inner_text("body")
        browser.close()
    return {"first_chart_s": round(first, 2), "script_done_s": round(done, 2), "charts": charts,
            "plotly_json_mb": round(size / 2 ** 20, 2), "js_heap_mb": heap and round(heap / 2 ** 20, 1),
            "aggregated_note": "aggregated from" in text}


def part(name: str, grids: list[pd.DataFrame], min_points: int, workdir: Path) -> dict:
    db = workdir / f"{name}.duckdb"
    if db.exists():  # kept from an earlier run (--workdir)
        store = open_store(db)
        ids = sorted(int(r) for r in list_runs(store)["run_id"])
        store.close()
    else:
        t = time.perf_counter()
        ids = build_store(db, grids, workdir)
        print(f"({name}) {len(ids)} run(s), {sum(map(len, grids)):,} trials stored in {time.perf_counter() - t:.0f} s")
    proc, url = serve(db)
    try:
        res = time_first_chart(f"{url}/niah_heatmap?runs={','.join(map(str, ids))}", min_points)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(f"    {res}")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--lengths", type=int, default=400)
    ap.add_argument("--depths", type=int, default=300)
    ap.add_argument("--parts", nargs="+", default=["runs", "cells"], choices=["runs", "cells"])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--workdir", type=Path, help="keep the stores here and reuse them (default: a temporary folder)")
    args = ap.parse_args()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = args.workdir or tmp
        if "runs" in args.parts:
            lengths, depths = np.linspace(1000, 128000, 35).round().astype("int64"), np.linspace(0, 100, 35).round(3)
            grids = [niah_grid(f"model-{i:03d}", lengths, depths, i) for i in range(args.runs)]
            out["runs"] = {"runs": args.runs, "cells_per_run": 35 * 35,
                           **part("runs", grids, 35 * 35, Path(tmp))}
        if "cells" in args.parts:
            lengths = np.arange(1, args.lengths + 1, dtype="int64") * 100
            depths = np.linspace(0, 100, args.depths).round(4)
            cells = args.lengths * args.depths
            drawn = cells if cells <= MAX_CELLS else min(args.lengths, MAX_BINS) * min(args.depths, MAX_BINS)
            out["cells"] = {"cells": cells, "bins_drawn": drawn,
                            **part("cells", [niah_grid("big-grid", lengths, depths, 0)], drawn, Path(tmp))}
    if args.out:
        args.out.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
