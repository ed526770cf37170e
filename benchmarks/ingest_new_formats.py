"""Ingest speed of the aggregate formats (a benchmark, not a timed test).

(a) ``summaries``: N synthetic LongBench-Pro-shaped summary JSON files (one model folder each, the
    documented key structure: overall, iterations, 6 length buckets, 4 breakdowns, BoN-1..3 with
    the same sub-keys, pass@1..3; 0-1 values from a fixed seed) through the real pipeline
    (``storage.ingest.ingest_paths``: read, detect, parse, one transaction) into a fresh store.
(b) ``table``: a Markdown README table of N model rows x 6 lengths read with the table reader
    (``analysis.result_tables``), mapped with the suggested roles and stored as published numbers
    (``storage.published.save_published``).

Goal (issue 12): both together under 5 s for N = 1,000. Wall time and the process's CPU time are
both printed: on a shared machine the wall time includes waiting for a core (the load average is
printed too), the CPU time does not.

Usage::

    python benchmarks/ingest_new_formats.py [--n 1000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.result_tables import find_tables, suggest_mapping, to_published  # noqa: E402
from storage.db import open_store  # noqa: E402
from storage.ingest import ingest_paths  # noqa: E402
from storage.published import save_published  # noqa: E402

BUCKETS = ["8k", "16k", "32k", "64k", "128k", "256k"]
BREAKDOWNS = {"contextual_requirement": ["Full", "Partial"], "difficulty": ["Easy", "Moderate", "Hard", "Extreme"],
              "primary_task": [f"T{k}. Task {k}" for k in range(1, 12)], "language": ["Chinese", "English"]}
LENGTHS = ["1K", "2K", "4K", "8K", "16K", "32K"]


def summary(rng: np.random.Generator) -> dict:
    """One LongBench-Pro-shaped summary with random 0-1 scores (iterations averaged as documented)."""
    def r():
        return float(rng.uniform(0.1, 0.9))
    its = [r() for _ in range(3)]
    obj = {"date": "2025-10-01", "total_questions_num": 1500, "inference_iterations": 3, "total_samples_num": 4500,
           "fail_samples_num": 0, "inference_inconsistent_samples_num": 0, "average_overall_metric": sum(its) / 3,
           **{f"inference_iteration_{k}_overall_metric": v for k, v in enumerate(its, 1)},
           "average_token_length_metric": {b: r() for b in BUCKETS},
           **{f"average_{name}_metric": {k: r() for k in keys} for name, keys in BREAKDOWNS.items()}}
    for k in (1, 2, 3):
        obj[f"BoN-{k}"] = {"overall_metric": r(), "token_length": {b: r() for b in BUCKETS},
                           **{name: {key: r() for key in keys} for name, keys in BREAKDOWNS.items()}}
        obj[f"pass@{k}"] = r()
    return obj


def write_summaries(n: int, root: Path, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    out = root / "output"
    for i in range(n):
        d = out / f"model-{i:04d}"
        d.mkdir(parents=True)
        (d / "nonthinking_context-120000_bon-3_summary.json").write_text(json.dumps(summary(rng)))
    return out


def markdown_table(n: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    lines = ["## Results", "", "| Models | Claimed Length | " + " | ".join(LENGTHS) + " |",
             "|---|---|" + "---|" * len(LENGTHS)]
    for i in range(n):
        lines.append(f"| Model {i} | 128K | " + " | ".join(f"{v:.1f}" for v in rng.uniform(10, 99, len(LENGTHS))) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    text = markdown_table(args.n)
    best = {"summaries": float("inf"), "table": float("inf")}
    cpu = {"summaries": float("inf"), "table": float("inf")}
    for rep in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_summaries(args.n, Path(tmp))
            store = open_store(Path(tmp) / "bench.duckdb")
            t, c = time.perf_counter(), time.process_time()
            plan, written = ingest_paths([folder], store)
            best["summaries"] = min(best["summaries"], time.perf_counter() - t)
            cpu["summaries"] = min(cpu["summaries"], time.process_time() - c)
            assert not plan.failed and len(written) == args.n, plan.failed[:3]
            n_scores = store.cursor().execute("SELECT count(*) FROM task_scores").fetchone()[0]
            t, c = time.perf_counter(), time.process_time()
            (table,) = find_tables(text)
            rows, _ = to_published(table.frame, suggest_mapping(table.frame), "nolima", "synthetic README")
            stored = save_published(store, rows, origin="table")
            best["table"] = min(best["table"], time.perf_counter() - t)
            cpu["table"] = min(cpu["table"], time.process_time() - c)
            assert stored == args.n * len(LENGTHS)
            store.close()
    total, total_cpu = best["summaries"] + best["table"], cpu["summaries"] + cpu["table"]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; best of {args.repeats}")
    print(f"{args.n:,} LongBench Pro summaries ({n_scores:,} task scores): {best['summaries']:.2f} s wall, "
          f"{cpu['summaries']:.2f} s CPU")
    print(f"{args.n:,}-row Markdown table ({args.n * len(LENGTHS):,} published numbers): {best['table']:.2f} s wall, "
          f"{cpu['table']:.2f} s CPU")
    print(f"total {total:.2f} s wall, {total_cpu:.2f} s CPU (goal < 5 s): {'ok' if total < 5 else 'SLOWER THAN THE GOAL'}")
    return 0 if total < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
