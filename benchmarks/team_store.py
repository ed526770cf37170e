"""Team store (DuckLake: PostgreSQL catalog + Parquet) vs the embedded DuckDB file, same data,
side by side in one run, plus the many-writers stress figures.

(a) ingest: ``tests.factories.synthetic_store`` (NIAH runs of 35 lengths x 35 depths x repeats,
    binary scores, plus RULER-like task scores) written through the real ingest commit into each
    backend; trials per second.
(b) heatmap query: ``storage.trials.heatmap_cells`` over 1 run, 10 runs and every run (median of
    ``--repeats`` after one warm-up), as ingested and after ``Store.checkpoint()`` (maintenance:
    on the team store it merges the many small Parquet files); goal team <= 2x embedded.
(c) stress: 8 processes x 50 ingests (distinct and duplicate files) + a heatmap reader on one team
    store (tests/storage/team_stress.py): runs/s, retries, p95 commit time, p95 queue wait.

The PostgreSQL catalog is a throw-away local cluster (tests/pg_cluster.py) unless ``--store`` names
one. Usage::

    python benchmarks/team_store.py [--trials 1000000 10000000] [--repeats 5] [--skip-stress]
        [--out benchmarks/results/team_store.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.db import open_store  # noqa: E402
from storage.runs import list_runs  # noqa: E402
from storage.trials import heatmap_cells  # noqa: E402
from tests.factories import synthetic_store  # noqa: E402
from tests.pg_cluster import PgCluster  # noqa: E402
from tests.storage import team_stress  # noqa: E402


def _median(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)] if xs else float("nan")


def bench_backend(store, trials: int, repeats: int) -> dict:
    n_niah = 80
    t = time.perf_counter()
    synthetic_store(store, n_niah=n_niah, n_ruler=20, trials_total=trials)
    ingest_s = time.perf_counter() - t
    n = store.cursor().execute("SELECT count(*) FROM niah_trials").fetchone()[0]
    runs = len(list_runs(store))
    niah = [r for r, in store.cursor().execute(
        "SELECT DISTINCT run_id FROM niah_trials ORDER BY run_id").fetchall()]
    out = {"trials": int(n), "ingest_s": round(ingest_s, 2), "trials_per_s": round(n / ingest_s),
           "commits": store.stats.commits}
    for stage in ("", "after_checkpoint_"):
        if stage:
            t = time.perf_counter()
            store.checkpoint()  # maintenance (team store: inlined rows to Parquet, small files merged)
            out["checkpoint_s"] = round(time.perf_counter() - t, 2)
        for label, pick in (("1_run", niah[:1]), ("10_runs", niah[:10]), ("all_runs", niah)):
            cells = heatmap_cells(store, pick)
            assert int(cells["n"].sum()) == store.cursor().execute(
                "SELECT count(*) FROM niah_trials WHERE run_id IN (SELECT unnest(?))", [pick]).fetchone()[0]
            out[f"heatmap_{stage}{label}_s"] = round(_median(lambda: heatmap_cells(store, pick), repeats), 4)
    out["runs"] = runs
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-stress", action="store_true",
                    help="only parts (a) and (b); the --out file keeps its earlier 'stress' figures")
    ap.add_argument("--stress-workers", type=int, default=8)
    ap.add_argument("--stress-ingests", type=int, default=50)
    ap.add_argument("--stress-runs", type=int, default=20)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "team_store.json")
    args = ap.parse_args()
    cluster = PgCluster().start()
    work = Path(tempfile.mkdtemp(prefix="team-bench-"))
    result = {"machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start "
                         "(shared machine: other test suites running)",
              "catalog": "PostgreSQL (local throw-away cluster, fsync off), data path on local disk"}
    try:
        for n in args.trials:
            emb = open_store(work / f"embedded_{n}.duckdb")
            e = bench_backend(emb, n, args.repeats)
            emb.close()
            url = "ducklake:postgres:" + cluster.create_database(f"bench_{n}")
            team = open_store(url, data_path=str(work / f"lake_{n}"))
            tm = bench_backend(team, n, args.repeats)
            team.close()
            ratio = {k: round(tm[k] / e[k], 2) for k in e if k.startswith("heatmap_")}
            result[f"trials_{n}"] = {"embedded": e, "team": tm, "team_over_embedded_heatmap": ratio,
                                     "team_over_embedded_ingest_s": round(tm["ingest_s"] / e["ingest_s"], 2)}
            print(json.dumps(result[f"trials_{n}"], indent=1), flush=True)
        if args.skip_stress:
            if args.out.exists() and "stress" in (earlier := json.loads(args.out.read_text())):
                result["stress"] = earlier["stress"]
        else:
            url = "ducklake:postgres:" + cluster.create_database("stress")
            data = str(work / "stress_lake")
            open_store(url, data_path=data).close()
            s = team_stress.run_stress(url, data, work / "stress", workers=args.stress_workers,
                                       ingests=args.stress_ingests, n_runs=args.stress_runs)
            commits = [x for w in s["workers"] for x in w["commit_seconds"]]
            waits = [x for w in s["workers"] for x in w["queue_seconds"]]
            store = open_store(url, data_path=data)
            runs, files = (store.cursor().execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("runs", "files"))
            store.close()
            result["stress"] = {
                "processes": args.stress_workers, "ingests_per_process": args.stress_ingests,
                "distinct_files": args.stress_runs * 2, "runs_stored": runs, "files_stored": files,
                "wall_s": round(s["wall_seconds"], 1), "runs_per_s": round(runs / s["wall_seconds"], 2),
                "ingests_per_s": round(args.stress_workers * args.stress_ingests / s["wall_seconds"], 2),
                "write_commits": len(commits), "retries": sum(w["retries"] for w in s["workers"]),
                "p50_commit_s": round(statistics.median(commits), 3), "p95_commit_s": round(_p95(commits), 3),
                "p95_queue_wait_s": round(_p95(waits), 3),
                "errors": sum(len(w["errors"]) for w in s["workers"]) + len(s["reader"]["errors"]),
                "reader_queries": s["reader"]["queries"],
                "reader_p95_query_s": round(_p95(s["reader"]["query_seconds"]), 3)}
            print(json.dumps(result["stress"], indent=1), flush=True)
    finally:
        cluster.stop()
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
