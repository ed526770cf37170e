"""``longscope ingest PATH... [--db FILE] [--model NAME] [--workspace NAME]``: store result files (``storage.ingest.main``)."""
from __future__ import annotations

HELP = "store harness result files, folders or .zip archives (one line per file; non-zero exit on any failure)"


def main(argv: list[str]) -> int:
    """Hand the arguments to ``storage.ingest.main`` (the same code as the Upload page)."""
    from storage.ingest import main as ingest_main

    return ingest_main(argv, prog="longscope ingest")
