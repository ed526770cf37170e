"""Re-render benchmark of the analysis pages on a synthetic store (a benchmark, not a timed test).

Store: 100 runs (80 binary NIAH runs holding 1,000,000 trials in all + 20 RULER-like task-score
runs), built once with ``tests.factories.synthetic_store`` and kept at ``--db``.

For every analysis page it times

* the data path: the page's queries (``storage/``) plus its analysis (``analysis/``) for
  the page's default selection, uncached (median of ``--repeats``);
* with ``--apptest``: a full script run in ``streamlit.testing.v1.AppTest``, cold (empty
  ``st.cache_data``) and again in the same session (a re-render: caches warm, as when a user
  moves a widget; median of 3, wall time and the process's CPU time). Goals: re-render <= 1 s,
  <= 0.2 CPU s per cached view (issue 13, item 11).

Usage::

    python benchmarks/rerender.py [--db /tmp/longscope_bench.duckdb] [--rebuild] [--repeats 3] [--apptest]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.bootstrap import N_RESAMPLES  # noqa: E402
from analysis.compare import cell_diff, config_differences, paired_test  # noqa: E402
from analysis.correlation import model_matrix, pairwise  # noqa: E402
from analysis.degradation import length_points  # noqa: E402
from analysis.depth import depth_points, length_bands, u_shape  # noqa: E402
from analysis.effective_length import ruler_table  # noqa: E402
from analysis.published import check_run, load_published  # noqa: E402
from storage.db import open_store  # noqa: E402
from storage.runs import list_runs, store_totals  # noqa: E402
from storage.scores import length_observations, paired_outcomes, run_cells  # noqa: E402
from storage.task_scores import run_task_scores, task_means  # noqa: E402
from storage.trials import depth_observations  # noqa: E402
from tests.factories import synthetic_store  # noqa: E402

PAGES = ["niah_heatmap", "length_degradation", "effective_length", "depth", "correlation", "compare_runs", "published_check"]


def build(db: Path, rebuild: bool) -> None:
    if rebuild and db.exists():
        db.unlink()
    if db.exists():
        return
    t = time.perf_counter()
    synthetic_store(open_store(db))
    print(f"built {db} in {time.perf_counter() - t:.1f} s")


def data_paths(store) -> dict:
    """page -> callable doing that page's default queries + analysis."""
    runs = list_runs(store)
    niah = runs[runs["kind"] == "trials"]["run_id"].tolist()
    scored = runs[runs["kind"] != "empty"]["run_id"].tolist()

    def degradation(ids):
        return [length_points(length_observations(store, [r]), n_resamples=N_RESAMPLES) for r in ids]

    def effective():
        pts = degradation(scored[:8])
        import pandas as pd
        p = pd.concat(pts)
        return ruler_table(p.assign(name=p["run_id"], score=p["mean"] * 100))

    def depth():
        obs = depth_observations(store, niah[:4])
        bands = length_bands(obs["context_length"], 3)
        return depth_points(obs, bands), u_shape(obs, bands)

    def correlation():
        m = model_matrix(task_means(store))
        return pairwise(m)

    def compare():
        a, b = niah[0], niah[1]
        meta = list_runs(store).set_index("run_id")
        return (cell_diff(run_cells(store, a), run_cells(store, b)),
                paired_test(paired_outcomes(store, a, b)),
                config_differences(meta.loc[a].to_dict(), meta.loc[b].to_dict()))

    def published():
        pub, meta = load_published(), list_runs(store).set_index("run_id")
        out = []
        for r in scored[:4]:
            run = meta.loc[r].copy()
            out.append(check_run(run, run_task_scores(store, [r]), pub))
        return out

    return {"length_degradation (6 runs, default)": lambda: degradation(scored[:6]),
            "length_degradation (all 100 runs)": lambda: degradation(scored),
            "effective_length (8 runs)": effective, "depth (4 NIAH runs)": depth,
            "correlation (100 runs)": correlation, "compare_runs (2 NIAH runs, 12.2k paired trials)": compare,
            "published_check (4 runs)": published, "list_runs": lambda: list_runs(store)}


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def apptest(db: Path) -> dict:
    from streamlit.testing.v1 import AppTest
    import streamlit as st

    os.environ["LONGSCOPE_DB"] = str(db)
    all_runs = ",".join(str(i) for i in list_runs(open_store(db))["run_id"])
    out = {}
    for page, params in [*((p, {}) for p in PAGES), ("length_degradation", {"runs": all_runs})]:
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=300)
        for k, v in params.items():
            at.query_params[k] = v
        if params:
            page = f"{page} (all {len(all_runs.split(','))} runs picked)"
        t = time.perf_counter()
        at.run()
        cold = time.perf_counter() - t
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].message}")
        warm, cpu = [], []
        for _ in range(3):
            t, c = time.perf_counter(), time.process_time()  # process CPU: the script thread and AppTest's own
            at.run()
            warm.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        out[page] = (cold, statistics.median(warm), statistics.median(cpu))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("/tmp/longscope_bench.duckdb"))
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--apptest", action="store_true")
    args = ap.parse_args(argv)
    build(args.db, args.rebuild)
    store = open_store(args.db)
    totals = store_totals(store)
    print(f"store: {totals['runs']} runs, {totals['niah_trials']:,} NIAH trials")
    print("data path (queries + analysis, uncached), median of", args.repeats)
    for name, fn in data_paths(store).items():
        print(f"  {name:<55} {timed(fn, args.repeats) * 1000:8.0f} ms")
    if args.apptest:
        print("AppTest full script run: cold (empty cache) / re-render (same session, median of 3) wall / CPU")
        for page, (cold, warm, cpu) in apptest(args.db).items():
            print(f"  {page:<55} {cold * 1000:8.0f} ms / {warm * 1000:6.0f} ms / {cpu * 1000:6.0f} ms CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
