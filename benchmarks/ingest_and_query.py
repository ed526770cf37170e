"""Store benchmarks on synthetic NIAH trials (a benchmark, not a timed test).

(a) ``ingest``: ingest N synthetic trials from one tidy JSONL file with the real pipeline
    (``storage.ingest.ingest_paths``, as ``python -m storage.ingest`` does) into a fresh store, and
    compare with DuckDB's own ``read_json`` of the same file into a table of a fresh database
    (goal: ratio <= 2).
(b) ``heatmap``: the NIAH heatmap aggregate (``storage.trials.heatmap_cells``: n, mean score and raw
    score counts per length x depth cell) over ``--heatmap-trials`` (default 10M) stored trials of
    one run (goal: <= 0.3 s), and its ratio to a pandas groupby computing the same from a DataFrame
    already in memory.

Usage::

    python benchmarks/ingest_and_query.py [--trials 1000000] [--heatmap-trials 10000000] [--repeats 3] [--parts ingest heatmap]

Each part is a function ``part(args, workdir) -> dict`` registered in :data:`PARTS`; it prints its
lines and returns its numbers.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.db import open_store  # noqa: E402
from storage.ingest import ingest_paths  # noqa: E402

N_LENGTHS, N_DEPTHS = 20, 20


def synthetic_trials(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` NIAH trials in the tidy format: 20 lengths x 20 depths x ``n / 400`` trials per cell.

    Lengths 1k..128k tokens, depths 0..100 %, binary scores drawn with a recall that falls with
    length and dips at mid depth (a lost-in-the-middle shape), fixed ``seed``.
    """
    per_cell = max(1, n // (N_LENGTHS * N_DEPTHS))
    lengths = np.linspace(1000, 128000, N_LENGTHS).round().astype("int64")
    depths = np.linspace(0, 100, N_DEPTHS).round(3)
    length = np.repeat(lengths, N_DEPTHS * per_cell)
    depth = np.tile(np.repeat(depths, per_cell), N_LENGTHS)
    recall = 0.98 - 0.4 * (length / lengths.max()) * (1 - np.abs(depth - 50) / 50)
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "model": "synthetic-model",
        "benchmark": "niah",
        "task": "single_needle",
        "context_length": length,
        "depth_percent": depth,
        "score": (rng.random(len(length)) < recall).astype("float64"),
        "scale": "binary",
        "trial": np.tile(np.arange(per_cell), N_LENGTHS * N_DEPTHS),
    })


def write_jsonl(df: pd.DataFrame, path: Path) -> None:
    """One JSON object per line (written by DuckDB: pandas' writer is ~10x slower)."""
    con = duckdb.connect()
    con.register("df", df)
    con.execute(f"COPY df TO '{path}' (FORMAT json)")
    con.close()


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, all threads) of ``fn()``.

    CPU time is reported beside wall time because the 2-core machine is shared: other processes
    stretch wall time but not the work done.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _report(label: str, runs: list[tuple[float, float]]) -> None:
    print(f"    {label:<22}: {min(w for w, _ in runs):6.2f} s wall, {min(c for _, c in runs):6.2f} s CPU  "
          f"(runs: {', '.join(f'{w:.2f}' for w, _ in runs)})")


def bench_ingest(args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    """Part (a): pipeline ingest vs DuckDB ``read_json`` of the same JSONL (best of ``--repeats``).

    Both write into a fresh on-disk database and close it (checkpoint). The pipeline does what
    ``python -m storage.ingest FILE`` does: read and hash the file, detect the format, parse and
    validate it, then write files / runs / niah_trials in one transaction.
    """
    path = workdir / "trials.jsonl"
    write_jsonl(synthetic_trials(args.trials), path)
    print(f"(a) ingest {args.trials:,} trials, {path.stat().st_size / 2**20:,.0f} MiB JSONL")
    ours, duck = [], []
    for i in range(args.repeats):
        con = duckdb.connect(str(workdir / f"duck_{i}.duckdb"))

        def duck_read() -> None:
            con.execute(f"CREATE TABLE trials AS SELECT * FROM read_json('{path}')")
            con.close()

        duck.append(_timed(duck_read))
        store = open_store(workdir / f"store_{i}.duckdb")

        def pipeline() -> None:
            plan, written = ingest_paths([path], store)
            if plan.failed or len(written) != 1:
                raise RuntimeError(f"ingest failed: {[o.message for o in plan.files]}")
            store.close()

        ours.append(_timed(pipeline))
    _report("pipeline ingest_paths", ours)
    _report("duckdb read_json", duck)
    wall = min(w for w, _ in ours) / min(w for w, _ in duck)
    cpu = min(c for _, c in ours) / min(c for _, c in duck)
    print(f"    ratio                 : {wall:6.2f}x wall, {cpu:6.2f}x CPU  (goal <= 2x)")
    return {"pipeline_s": min(w for w, _ in ours), "duckdb_s": min(w for w, _ in duck), "ratio_wall": wall, "ratio_cpu": cpu}


def pandas_heatmap(trials: pd.DataFrame) -> pd.DataFrame:
    """The same aggregate as ``heatmap_cells`` with pandas: n, mean score, raw-score counts per cell."""
    g = trials.groupby(["context_length", "depth_percent"], sort=True)
    out = g["score"].agg(n="size", mean_score="mean")
    counts = trials.groupby(["context_length", "depth_percent", "score_raw"]).size().rename("c").reset_index()
    raw = counts.groupby(["context_length", "depth_percent"], sort=True).apply(
        lambda c: dict(zip(c["score_raw"], c["c"])), include_groups=False)
    out["raw_counts"] = raw.to_numpy()
    return out.reset_index()


def bench_heatmap(args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    """Part (b): heatmap aggregate over ``--heatmap-trials`` stored trials (best of ``--repeats``)."""
    from storage.trials import heatmap_cells
    from tests.factories import write_parsed
    from storage.importers.parsed import ParsedFile

    n = args.heatmap_trials
    df = synthetic_trials(n, seed=1)
    trials = df.rename(columns={"score": "score_raw"})[["context_length", "depth_percent", "score_raw"]]
    store = open_store(workdir / "heatmap.duckdb")
    t0 = time.perf_counter()
    run_ids = write_parsed(store, [ParsedFile(format="synthetic", run_key="bench:heatmap", benchmark="niah",
                                              score_scale="binary", length_unit="tokens", model="synthetic-model",
                                              model_source="field", niah_trials=trials)])
    print(f"(b) heatmap aggregate over {len(trials):,} stored trials (stored in {time.perf_counter() - t0:.1f} s)")
    run_id = next(iter(run_ids.values()))
    cells = heatmap_cells(store, [run_id])  # warm-up (and a check)
    assert int(cells["n"].sum()) == len(trials) and len(cells) == N_LENGTHS * N_DEPTHS
    ours = [_timed(lambda: heatmap_cells(store, [run_id])) for _ in range(args.repeats)]
    frame = trials.assign(score=trials["score_raw"])
    theirs = [_timed(lambda: pandas_heatmap(frame)) for _ in range(args.repeats)]
    _report("duckdb heatmap_cells", ours)
    _report("pandas groupby", theirs)
    best, best_pd = min(w for w, _ in ours), min(w for w, _ in theirs)
    print(f"    heatmap_cells {best:.3f} s (goal <= 0.3 s); pandas / duckdb = {best_pd / best:.1f}x")
    store.close()
    return {"duckdb_s": best, "pandas_s": best_pd, "speedup_vs_pandas": best_pd / best}


#: part name -> function; run in this order
PARTS: dict[str, Callable[[argparse.Namespace, Path], dict[str, float]]] = {"ingest": bench_ingest, "heatmap": bench_heatmap}


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Run the selected parts in a temporary folder; returns ``{part: numbers}``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=1_000_000, help="synthetic trials for part (a)")
    ap.add_argument("--heatmap-trials", type=int, default=10_000_000, help="stored trials for part (b)")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats (the best is reported)")
    ap.add_argument("--parts", nargs="+", choices=list(PARTS), default=list(PARTS))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="longscope-bench-") as tmp:
        return {name: PARTS[name](args, Path(tmp)) for name in args.parts}


if __name__ == "__main__":
    main()
