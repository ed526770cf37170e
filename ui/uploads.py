"""What the Upload & runs page does to the store: read uploaded files, plan their ingest, store
the plan, rename and delete runs (``storage.ingest`` and ``storage.runs``; every write changes the
store fingerprint, so the cached loaders see it on the next rerun)."""
from __future__ import annotations

import pandas as pd

from storage.importers.parsed import count_summary
from storage.importers.registry import importers
from storage.ingest import MissingModelError, commit, prepare
from storage.importers.source import SourceFile
from storage.plan import DUPLICATE, ERROR, READY, REPEATED
from storage.runs import delete_run, rename_run, retention_days
from storage.scales import check_override
from storage.scope import NoAccessError
from storage.sources import SkippedInput, from_upload

# the page's API: the storage names it uses, and the helpers below
__all__ = ["DUPLICATE", "ERROR", "MAX_ERRORS_SHOWN", "READY", "REPEATED", "MissingModelError", "NoAccessError",
           "check_override", "commit", "count_summary", "delete_run", "folderless", "prepare", "read_uploads", "rename_run", "retention_days",
           "supported_formats"]

#: per-file error messages the page spells out below its preview table (the table lists every one)
MAX_ERRORS_SHOWN = 20


def supported_formats() -> pd.DataFrame:
    """One row per registered importer: format (id), what (its label)."""
    return pd.DataFrame([{"format": m.FORMAT, "what": getattr(m, "LABEL", "")} for m in importers()])


def read_uploads(uploads: list[tuple[str, bytes]]) -> tuple[list[SourceFile], list[SkippedInput]]:
    """Uploaded ``(name, bytes)`` files as source files (zip archives expanded), and the inputs
    set aside with the reason (``storage.sources.from_upload``)."""
    sources, skipped = [], []
    for name, data in uploads:
        s, k = from_upload(name, data)
        sources += s
        skipped += k
    return sources, skipped


def folderless(paths: list[str]) -> int:
    """How many of the files read came without any folder in their path: files picked one by one
    (the browser sends file names only, so names a harness keeps in folders cannot be read, unlike
    ``longscope ingest FOLDER``, a folder upload or a zip)."""
    return sum("/" not in p for p in paths)
