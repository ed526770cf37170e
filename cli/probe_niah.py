"""Live NIAH sweep: context lengths x needle depths in the model's own tokenizer, stored as an
ordinary run, resumable (``jobs/niah_sweep.py``).

Example::

    longscope probe niah --model smollm2 --lengths 1024 2048 4096 --depths 0 50 100 [--export DIR]

``--export DIR`` also writes the run as gkamradt ``needlehaystack`` per-test JSON.
"""
from __future__ import annotations

import argparse

from analysis.probes.needles import BUILTIN
from cli.options import add_options, options_from
from cli.progress import TqdmProgress
from jobs.niah_sweep import NiahSweepOptions, export_needlehaystack, run
from jobs.options import Haystack
from storage.db import add_store_options, store_from_args

HELP = "live NIAH sweep: lengths x depths in the model's own tokenizer, stored as a run (resumable)"
OVERRIDES = {"haystack": {"type": Haystack.from_file, "metavar": "FILE"},
             "needle": {"choices": sorted(BUILTIN), "default": "passkey", "convert": BUILTIN.__getitem__}}


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The sweep's options (:class:`NiahSweepOptions`) and where the result goes."""
    add_options(ap, NiahSweepOptions, overrides=OVERRIDES)
    add_store_options(ap)
    ap.add_argument("--export", metavar="DIR", help="also write needlehaystack per-test JSON files here")


def options(args: argparse.Namespace) -> NiahSweepOptions:
    """The parsed flags as the job's options."""
    return options_from(args, NiahSweepOptions, overrides=OVERRIDES)


def main(args: argparse.Namespace) -> int:
    """Run the sweep; prints the not-run cells and a summary. Returns the exit status."""
    opts = options(args)
    store = store_from_args(args)
    with TqdmProgress("NIAH sweep") as ctx:
        res = run(opts, store, ctx)
    for nr in res.not_run:
        print(f"{nr['context_length']} tokens, depth {nr['depth_percent']:g}%: {nr['reason']}")
    acc = "n/a" if res.accuracy is None else f"{res.accuracy:.1%}"
    print(f"run {res.run_id} ({res.run_key}): {len(res.ran)} cells run, {len(res.skipped)} already stored, "
          f"{len(res.not_run)} not run; accuracy of the cells run: {acc}")
    if args.export and res.run_id is not None:
        paths = export_needlehaystack(store, res.run_id, args.export, res.config["model_name"])
        print(f"exported {len(paths)} files to {args.export}")
    return 0
