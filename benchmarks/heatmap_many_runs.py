"""Very large NIAH heatmaps in the browser (a benchmark, not a timed test).

(a) ``runs``: ``--runs`` (default 300) NIAH runs of 35 lengths x 35 depths (1,225 cells each) all
    picked on the heatmap page (``/niah_heatmap?runs=1,...,300``). Goal: the first chart drawn within 5 s.
(a') ``pick``: the same store; the heatmap page is open on the last run (its chart drawn), then the
    user clicks "Pick all 300 NIAH runs". Goal: the first chart of the picked runs drawn within 5 s
    of the click. (a) includes what any fresh tab pays before a first chart (Streamlit's page load
    and the lazy load of its 4.7 MB plotly.js chunk); (a') is the pick itself.
(a'') ``one``: the same store, a fresh tab on one run: the floor of (a) on this machine.
(b) ``cells``: one run of ``--lengths`` x ``--depths`` (default 400 x 300 = 120,000 cells), which the
    page aggregates into at most 60 x 60 bins ("aggregated from N cells").

For each part it starts ``streamlit run app.py`` on a fresh store, opens the page in Debian's
chromium (Playwright) and measures, from the navigation (or the click), the time until the paint
that shows the first chart with all its squares and until the script run has finished, plus the
page's Plotly JSON size. Times are taken in the page (``performance.now()``).

Usage::

    python benchmarks/heatmap_many_runs.py [--runs 300] [--lengths 400] [--depths 300] [--parts runs pick one cells]
        [--workdir DIR] [--out FILE.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.heatmap import MAX_BINS, MAX_CELLS  # noqa: E402
from benchmarks.app_server import start_app  # noqa: E402
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


#: In-page watch (an init script or evaluated later): when a plot not marked ``__before`` has all its
#: ``n`` squares in the DOM, the next animation frame (the paint that shows it) is recorded in
#: ``window.__painted`` (ms of ``performance.now()``: since navigation). Timing in the page, not by
#: Playwright's polling, which a main thread busy drawing the next charts starves for seconds.
PAINT_WATCH = """n => { window.__painted = null; const drawn = () => [...document.querySelectorAll('.js-plotly-plot')]
  .some(p => !p.__before && p.querySelectorAll('.point').length >= n);
  const obs = new MutationObserver(() => { if (window.__painted === null && drawn()) { window.__painted = -1;
    obs.disconnect(); requestAnimationFrame(() => { window.__painted = performance.now(); }); } });
  obs.observe(document, {subtree: true, childList: true}); }"""
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def launch(pw):
    """Debian's chromium, headless, software rendering (as on the CI machines)."""
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])


def time_first_chart(url: str, min_points: int) -> dict[str, float]:
    """Open ``url`` in a fresh tab (after a warm-up visit of the Home page, so the server's imports
    are done) and time, from the navigation, the paint of the first chart with >= ``min_points``
    squares and the end of the script run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        warm = browser.new_page()
        warm.goto(url.split("/niah_heatmap")[0], wait_until="domcontentloaded")
        warm.wait_for_selector(IDLE, timeout=300_000)
        warm.close()
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.add_init_script(f"({PAINT_WATCH})({min_points})")
        page.goto(url, wait_until="commit")
        page.wait_for_function("() => window.__painted > 0", timeout=900_000, polling=200)
        page.wait_for_selector(IDLE, timeout=900_000)
        first, done = page.evaluate("() => [window.__painted, performance.now()]")
        charts = page.locator(".js-plotly-plot").count()
        size = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                             ".reduce((s, p) => s + JSON.stringify({data: p.data, layout: p.layout}).length, 0)")
        heap = page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize : null")
        text = page.inner_text("body")
        browser.close()
    return {"first_chart_s": round(first / 1000, 2), "script_done_s": round(done / 1000, 2), "charts": charts,
            "plotly_json_mb": round(size / 2 ** 20, 2), "js_heap_mb": heap and round(heap / 2 ** 20, 1),
            "aggregated_note": "aggregated from" in text}


def time_pick(url: str, last_run: int, n_runs: int, min_points: int) -> dict[str, float]:
    """Open the heatmap page on ``last_run`` alone, wait for its chart, click "Pick all" and time,
    from the click, the paint of the first chart of the picked runs (a new plot with >=
    ``min_points`` squares) and the end of the script run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"{url}/niah_heatmap?runs={last_run}", wait_until="domcontentloaded")
        page.wait_for_function("n => [...document.querySelectorAll('.js-plotly-plot')].some("
                               "p => p.querySelectorAll('.point').length >= n)", arg=min_points, timeout=900_000)
        page.wait_for_selector(IDLE, timeout=900_000)
        button = page.get_by_role("button", name=f"Pick all {n_runs:,} NIAH runs")
        button.wait_for(timeout=60_000)
        page.evaluate("() => { document.querySelectorAll('.js-plotly-plot').forEach(p => { p.__before = true; });"
                      " document.addEventListener('click', () => { window.__clicked = performance.now(); },"
                      " {capture: true, once: true}); }")
        page.evaluate(PAINT_WATCH, min_points)
        button.click()
        page.wait_for_function("() => window.__painted > 0", timeout=900_000, polling=200)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length > 1", timeout=900_000)
        page.wait_for_selector(IDLE, timeout=900_000)
        first, done = page.evaluate("() => [window.__painted - window.__clicked, performance.now() - window.__clicked]")
        charts = page.locator(".js-plotly-plot").count()
        browser.close()
    return {"first_chart_s": round(first / 1000, 2), "script_done_s": round(done / 1000, 2), "charts": charts}


def stored_runs(name: str, grids: list[pd.DataFrame], workdir: Path) -> tuple[Path, list[int]]:
    """The store of part ``name`` in ``workdir`` (built from ``grids`` unless kept from an earlier
    run) and its run ids."""
    db = workdir / f"{name}.duckdb"
    if db.exists():  # kept from an earlier run (--workdir)
        store = open_store(db)
        ids = sorted(int(r) for r in list_runs(store)["run_id"])
        store.close()
    else:
        t = time.perf_counter()
        ids = build_store(db, grids, workdir)
        print(f"({name}) {len(ids)} run(s), {sum(map(len, grids)):,} trials stored in {time.perf_counter() - t:.0f} s")
    return db, ids


def part(store: str, grids: list[pd.DataFrame], min_points: int, workdir: Path, how: str = "all") -> dict:
    """Serve the store ``store`` (built from ``grids`` when not in ``workdir``) and time the page
    opened on all its runs (``how="all"``) or on its first run (``"one"``) with
    :func:`time_first_chart`, or the "Pick all" click (``"pick"``, :func:`time_pick`)."""
    db, ids = stored_runs(store, grids, workdir)
    proc, url = start_app(db)
    try:
        if how == "pick":
            res = time_pick(url, ids[-1], len(ids), min_points)
        else:
            res = time_first_chart(f"{url}/niah_heatmap?runs={','.join(map(str, ids if how == 'all' else ids[:1]))}",
                                   min_points)
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
    ap.add_argument("--parts", nargs="+", default=["runs", "pick", "one", "cells"],
                    choices=["runs", "pick", "one", "cells"])
    ap.add_argument("--out", type=Path)
    ap.add_argument("--workdir", type=Path, help="keep the stores here and reuse them (default: a temporary folder)")
    args = ap.parse_args()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = args.workdir or tmp
        lengths, depths = np.linspace(1000, 128000, 35).round().astype("int64"), np.linspace(0, 100, 35).round(3)
        grids = [niah_grid(f"model-{i:03d}", lengths, depths, i) for i in range(args.runs)]
        for name, how in [(p, h) for p, h in (("runs", "all"), ("pick", "pick"), ("one", "one")) if p in args.parts]:
            out[name] = {"runs": args.runs if how != "one" else 1, "cells_per_run": 35 * 35,
                         **part("runs", grids, 35 * 35, Path(tmp), how)}
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
