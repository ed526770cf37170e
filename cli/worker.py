"""Probe worker for the team store: claims probe jobs queued on the board (NIAH sweep, retrieval
heads, traceback) one at a time, runs them on this machine's device, and stores the results in
the same team store; the board shows progress, ETA, cancel.

Example (on a GPU server that reaches the catalog's PostgreSQL and mounts the data folder)::

    export PGPASSWORD=...
    longscope worker --store 'ducklake:postgres:dbname=longscope host=db.internal user=longscope' \\
        --data-path /mnt/longscope-lake/ --device cuda:0

One worker per device (start another with --device cuda:1). SIGTERM or Ctrl-C stops it: the
running job stops at its next check and is queued again for the next worker.
"""
from __future__ import annotations

import argparse
import logging
import sys

from storage.db import add_store_options, default_db_path

HELP = "run probe jobs queued on the team board (one at a time on --device)"


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The store, the device, the heartbeat."""
    add_store_options(ap)
    ap.add_argument("--device", help="where the models are loaded: cuda:0, cuda, mps, cpu (default: best available)")
    ap.add_argument("--heartbeat", type=float, default=10.0, metavar="SECONDS",
                    help="seconds between heartbeats (default 10; the board takes a worker silent for "
                         "$LONGSCOPE_WORKER_STALL_S, default 30 s, for dead and fails its job)")
    ap.add_argument("--name", help="worker name in the logs (default: host:device)")


def main(args: argparse.Namespace) -> int:
    """Run the worker until SIGTERM; returns the exit status (2 when it cannot start)."""
    from jobs.worker.serve import WorkerSetupError, serve
    from storage.db import StoreBusyError
    from storage.job_board import QueueUnavailableError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("procrastinate").setLevel(logging.WARNING)  # its lines repeat the job's whole JSON
    location = args.store or args.db or default_db_path()
    try:
        serve(location, data_path=args.data_path, device=args.device, heartbeat_s=args.heartbeat, name=args.name)
    except (WorkerSetupError, StoreBusyError, QueueUnavailableError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
