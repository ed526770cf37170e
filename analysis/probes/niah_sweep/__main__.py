"""``python -m analysis.probes.niah_sweep``: kept for scripts and notebooks; the same as
``longscope probe niah`` (same flags), which it hands over to."""
from __future__ import annotations

import sys

from cli.main import run_probe


def main(argv: list[str] | None = None) -> int:
    """Run ``longscope probe niah`` with ``argv`` (default: the command line); returns the exit status."""
    return run_probe("niah", sys.argv[1:] if argv is None else argv, prog="python -m analysis.probes.niah_sweep")


if __name__ == "__main__":
    sys.exit(main())
