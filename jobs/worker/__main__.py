"""``python -m jobs.worker``: the same as ``longscope worker`` (same flags), which it hands over to."""
from __future__ import annotations

import sys

from cli.main import run_worker

if __name__ == "__main__":
    sys.exit(run_worker(sys.argv[1:], prog="python -m jobs.worker"))
