"""Store maintenance (run it now and then, e.g. nightly from cron, while the board is in use)::

    python -m storage.maintain [--store FILE_OR_DUCKLAKE_URL] [--data-path DIR]

On the team store many small ingests leave rows inlined in the PostgreSQL catalog, small Parquet
files and old snapshots; DuckLake's ``CHECKPOINT`` folds them (:meth:`storage.db.Store.checkpoint`).
Prints the row counts before and after (they must not change) and exits 1 if they did.
"""
from __future__ import annotations

import argparse
import sys

from storage.db import StoreBusyError, add_store_options, store_from_args
from storage.runs import store_totals


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns 0 on success, 1 if the row counts changed, 2 if the store cannot be opened."""
    ap = argparse.ArgumentParser(prog="python -m storage.maintain", description=__doc__.split("\n\n")[0])
    add_store_options(ap)
    args = ap.parse_args(argv)
    try:
        store = store_from_args(args)
    except StoreBusyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    before = store_totals(store)
    store.checkpoint()
    after = store_totals(store)
    print(f"checkpoint of {store.path}: " + ", ".join(f"{k} {v:,}" for k, v in after.items()))
    if after != before:
        print(f"FAILED: row counts changed from {before}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
