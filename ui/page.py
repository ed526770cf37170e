"""The one way a page starts: :func:`page_setup` draws the title, opens the store, takes its
fingerprint and handles the two states every page shares (the database held by another process,
and an empty store)."""
from __future__ import annotations

import streamlit as st

from storage.db import Store, StoreBusyError, default_db_path, open_store
from storage.fingerprint import StoreFingerprint, store_fingerprint

EMPTY_STORE = "The store is empty: add result files on **Upload & runs** (or `python -m storage.ingest PATH...`)."


def page_setup(title: str, caption: str | None = None, *, needs_runs: bool = False) -> tuple[Store, StoreFingerprint]:
    """Start a page: title and caption, then the store and its fingerprint.

    Stops the page (``st.stop``) with a readable message when another process holds the database
    file (``$LONGSCOPE_DB`` or ``data/longscope.duckdb``), and, with ``needs_runs``, with
    :data:`EMPTY_STORE` and a link to the upload page when the store holds no run.

    Returns:
        (store, fingerprint): pass the fingerprint to the cached loaders of :mod:`ui.data` and
        :mod:`ui.probe_data`; the store only to code that writes (probe jobs).
    """
    st.title(title)
    if caption:
        st.caption(caption)
    try:
        store = open_store(default_db_path())
    except StoreBusyError as exc:
        st.error(str(exc), icon=":material/lock:")
        st.stop()
    fp = store_fingerprint(store)
    if needs_runs and fp.runs == 0:
        st.info(EMPTY_STORE)
        st.page_link("pages/upload.py", label="Upload results", icon=":material/upload_file:")
        st.stop()
    return store, fp
