"""The page-side handle on the store: one per process, with a readable error when it is busy."""
from __future__ import annotations

import streamlit as st

from storage.db import Store, StoreBusyError, default_db_path, open_store


def get_store() -> Store:
    """The process-wide store (``$LONGSCOPE_DB`` or ``data/longscope.duckdb``); stops the page with
    a clear message when another process holds the database file."""
    try:
        return open_store(default_db_path())
    except StoreBusyError as exc:
        st.error(str(exc))
        st.stop()
