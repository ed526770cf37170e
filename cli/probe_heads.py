"""Retrieval-head detection (Wu et al. 2024) on a NIAH grid, and the masking check: top-k heads vs k
random non-retrieval heads (``jobs/retrieval_heads.py``).

Example::

    longscope probe heads --model smollm2 --lengths 1024 --depths 10 50 90 [--mask-k 15] [--out FILE.csv]

``--out`` writes one row per head: ``layer, head, score, hits, samples`` (0-based layer and
query-head indices). The exit status is 1 when no sample was answered correctly: no head can be
scored and nothing is stored.
"""
from __future__ import annotations

import argparse
import sys

from analysis.probes.needles import BUILTIN
from cli.options import add_options, options_from
from cli.progress import TqdmProgress
from jobs.options import Haystack
from jobs.retrieval_heads import NoSuccessfulSampleError, RetrievalHeadsOptions, run
from storage.db import add_store_options, store_from_args

HELP = "retrieval-head detection on a NIAH grid, then optionally the masking check"
OVERRIDES = {"haystack": {"type": Haystack.from_file, "metavar": "FILE"},
             "needles": {"choices": sorted(BUILTIN), "default": ["passkey", "sf-sandwich", "beijing"],
                         "convert": BUILTIN.__getitem__}}


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The detection's options (:class:`RetrievalHeadsOptions`) and where the result goes."""
    add_options(ap, RetrievalHeadsOptions, overrides=OVERRIDES)
    add_store_options(ap)
    ap.add_argument("--no-store", action="store_true", help="do not write the result to the DuckDB store")
    ap.add_argument("--out", metavar="FILE.csv", help="CSV with columns layer, head, score, hits, samples")


def options(args: argparse.Namespace) -> RetrievalHeadsOptions:
    """The parsed flags as the job's options."""
    return options_from(args, RetrievalHeadsOptions, overrides=OVERRIDES)


def main(args: argparse.Namespace) -> int:
    """Detect (and check); prints the model, the not-run cells, the best heads. Returns the exit status."""
    opts = options(args)
    store = None if args.no_store else store_from_args(args)  # busy store: refused before the model loads
    info = opts.load().info
    print(f"model: {info.name}: {info.n_layers} layers x {info.n_heads} heads ({info.n_kv_heads} KV), "
          f"context limit {info.context_limit}, {info.device}/{info.dtype}")
    try:
        with TqdmProgress("retrieval heads") as ctx:
            out = run(opts, store, ctx)
    except NoSuccessfulSampleError as exc:
        print(f"error: 0 successful samples: {exc}", file=sys.stderr)
        return 1
    res = out.scores
    for nr in res.not_run:
        print(f"{nr['context_length']} tokens, depth {nr['depth_percent']:g}%: {nr['reason']}")
    print(f"samples used: {res.n_used}, dropped (model answered wrong): {res.n_dropped}")
    if out.probe_id is not None:
        print(f"stored as probe run {out.probe_id}")
    df = res.frame()
    print(f"heads >= {opts.threshold}: {res.fraction_above(opts.threshold):.1%} "
          f"({int((res.scores >= opts.threshold).sum())} of {res.scores.size})")
    print(df.head(10).to_string(index=False))
    if args.out:
        df.to_csv(args.out, index=False)
        print(f"wrote {args.out}")
    if out.masking is not None:
        print(out.masking.by_condition().to_string(index=False))
        if out.masking_id is not None:
            print(f"masking stored as probe run {out.masking_id}")
    return 0
