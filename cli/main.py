"""``longscope``: the one command line of LongScope.

    longscope ingest PATH... [--db FILE] [--model NAME]
    longscope probe niah  --model smollm2 --lengths 1024 2048 --depths 0 50 100 [--export DIR]
    longscope probe heads --model smollm2 --lengths 1024 --depths 10 50 90 [--mask-k 15] [--out FILE.csv]
    longscope probe trace --model smollm2 --context FILE --question Q [--method tracllm] [--k 5]
    longscope worker --store 'ducklake:postgres:...' [--data-path DIR] [--device cuda:0]

Each probe subcommand builds the same options object as its page and calls the same job function
(``jobs/``). The older entry points (``python -m storage.ingest``, ``python -m
analysis.probes.niah_sweep``, ``... .retrieval_heads``, ``... .traceback``, ``python -m jobs.worker``)
hand over to this module with the same flags.
"""
from __future__ import annotations

import argparse
import sys

from cli import ingest, probe_heads, probe_niah, probe_trace, worker
from storage.db import StoreBusyError

#: ``probe`` subcommand -> its module (``add_arguments(parser)``, ``main(args)``, ``HELP``, doc = epilog)
PROBES = {"niah": probe_niah, "heads": probe_heads, "trace": probe_trace}


def _epilog(module) -> str:
    return module.__doc__.split("\n\n", 1)[1] if "\n\n" in module.__doc__ else ""


def probe_parser(name: str, prog: str | None = None) -> argparse.ArgumentParser:
    """The parser of ``longscope probe <name>`` (``prog`` = how the command was typed)."""
    module = PROBES[name]
    ap = argparse.ArgumentParser(prog=prog or f"longscope probe {name}", description=module.__doc__.split("\n\n")[0],
                                 epilog=_epilog(module), formatter_class=argparse.RawDescriptionHelpFormatter)
    module.add_arguments(ap)
    return ap


def parser() -> argparse.ArgumentParser:
    """The top-level parser (its ``--help`` lists the subcommands)."""
    ap = argparse.ArgumentParser(prog="longscope", description="LongScope: long-context evaluation results and "
                                 "live probes.", epilog="`longscope <command> --help` describes each command.")
    sub = ap.add_subparsers(dest="command", metavar="{ingest,probe,worker}", required=True)
    sub.add_parser("ingest", help=ingest.HELP, add_help=False)
    probe = sub.add_parser("probe", help="live probes on a causal LM: niah | heads | trace",
                           description="Live probes on a causal LM (results go to the store, like the app's).")
    kinds = probe.add_subparsers(dest="probe", metavar="{niah,heads,trace}", required=True)
    for name, module in PROBES.items():
        kinds.add_parser(name, help=module.HELP, add_help=False)
    sub.add_parser("worker", help=worker.HELP, add_help=False)
    return ap


def run_worker(argv: list[str], prog: str = "longscope worker") -> int:
    """Parse ``argv`` as ``longscope worker`` and run the worker until SIGTERM; returns the exit status."""
    ap = argparse.ArgumentParser(prog=prog, description=worker.__doc__.split("\n\n")[0], epilog=_epilog(worker),
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    worker.add_arguments(ap)
    return worker.main(ap.parse_args(argv))


def run_probe(name: str, argv: list[str], prog: str | None = None) -> int:
    """Parse ``argv`` as ``longscope probe <name>`` and run it; returns the exit status (2, with the
    same message as ``longscope ingest``, when another process holds the embedded store: every probe
    opens its store before it computes anything, so no result is lost)."""
    args = probe_parser(name, prog).parse_args(argv)
    try:
        return PROBES[name].main(args)
    except StoreBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``longscope`` console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["ingest"]:
        return ingest.main(argv[1:])
    if argv[:1] == ["worker"]:
        return run_worker(argv[1:])
    if argv[:1] == ["probe"] and argv[1:2] and argv[1] in PROBES:
        return run_probe(argv[1], argv[2:])
    parser().parse_args(argv)  # prints help or the usage error and exits
    return 2


if __name__ == "__main__":
    sys.exit(main())
