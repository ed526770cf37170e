"""The one way a page starts: :func:`page_setup` draws the title, opens the store, takes its
fingerprint and handles the two states every page shares (the database held by another process,
and an empty store).

It also makes deep links work on a fresh server. Streamlit decides once per process, when the
first browser session starts, whether the app uses its older ``pages/`` folder discovery: it does
whenever a ``pages/`` folder sits beside ``app.py``, so that first run executes the page file the
URL names *instead of* ``app.py`` (until ``st.navigation`` runs once, which turns discovery off for
the process). A URL path unknown to the discovery (``/heatmap`` for ``pages/niah_heatmap.py``)
then showed "Page not found" before ``app.py``'s navigation routed it. Hence ``app.py`` uses the
file names as URL paths (both agree), and a page run by the discovery turns it off and reruns,
so ``app.py`` (layout, navigation) runs the same page.
"""
from __future__ import annotations

import streamlit as st

from storage.db import Store, StoreBusyError, default_db_path, open_store
from storage.fingerprint import StoreFingerprint, store_fingerprint

EMPTY_STORE = "The store is empty: add result files on **Upload & runs** (or `longscope ingest PATH...`)."


def page_setup(title: str, caption: str | None = None, *, needs_runs: bool = False) -> tuple[Store, StoreFingerprint]:
    """Start a page: title and caption, then the store and its fingerprint.

    Stops the page (``st.stop``) with a readable message when another process holds the database
    file (``$LONGSCOPE_DB`` or ``data/longscope.duckdb``), and, with ``needs_runs``, with
    :data:`EMPTY_STORE` and a link to the upload page when the store holds no run.

    Returns:
        (store, fingerprint): pass the fingerprint to the cached loaders of :mod:`ui.data` and
        :mod:`ui.probe_data`; the store only to code that writes (probe jobs).
    """
    _leave_pages_folder_discovery()
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


def _leave_pages_folder_discovery() -> None:
    """Rerun through ``app.py`` when Streamlit ran this page by its ``pages/`` folder discovery
    (only the first run of a fresh server process; see the module docstring)."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False  # what st.navigation sets on its first call
        st.rerun()
