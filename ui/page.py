"""The one way a page starts: :func:`page_setup` opens the store, signs the visitor in (or stops
at the sign-in form: ``ui.auth``), draws the title, takes the fingerprint (carrying the signed-in
:class:`storage.scope.Scope`, so every cached loader reads with it) and handles the states every
page shares (the database held by another process, an empty store, a link to runs the visitor
has no access to).

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
from storage.runs import check_visible, count_visible
from storage.scope import NoAccessError, Scope
from ui.auth import require_sign_in, signed_in_scope

EMPTY_STORE = "The store is empty: add result files on **Upload & runs** (or `longscope ingest PATH...`)."
SCOPE_KEY = "_longscope_scope"
NO_ACCESS = "No access: this link names runs or results that are not in your workspaces (or were deleted)."
#: query parameters that carry run ids (permalinks of the results and analysis pages)
RUN_ID_PARAMS = ("runs", "base", "cand", "run", "cell")  # cell: RUN:LENGTH:DEPTH,...
#: query parameters that carry the ids of other workspace-owned tables (the probe pages' permalinks)
ID_PARAMS = {"runs": RUN_ID_PARAMS, "probe_runs": ("probe",), "traceback_runs": ("tb",)}


def page_setup(title: str, caption: str | None = None, *, needs_runs: bool = False) -> tuple[Store, StoreFingerprint]:
    """Start a page: title and caption, then the store and its fingerprint.

    Stops the page (``st.stop``) at the sign-in form when sign-in is on and nobody is signed in
    (``ui.auth.require_sign_in``), with a readable message when another process holds the database
    file (``$LONGSCOPE_DB`` or ``data/longscope.duckdb``), with :data:`NO_ACCESS` when the URL
    names runs (:data:`RUN_ID_PARAMS`) the visitor may not see, and, with ``needs_runs``, with
    :data:`EMPTY_STORE` and a link to the upload page when the store holds no run they may see.

    Returns:
        (store, fingerprint): pass the fingerprint to the cached loaders of :mod:`ui.data` and
        :mod:`ui.probe_data`; the store only to code that writes (probe jobs).
    """
    _leave_pages_folder_discovery()
    require_sign_in()  # signed out with sign-in on: the sign-in form, and nothing of this page
    st.title(title)
    if caption:
        st.caption(caption)
    try:
        store = open_store(default_db_path())
    except StoreBusyError as exc:
        st.error(str(exc), icon=":material/lock:")
        st.stop()
    scope = signed_in_scope(store)
    st.session_state[SCOPE_KEY] = scope  # the full scope (identity, roles) for writes: current_scope()
    fp = store_fingerprint(store)._replace(scope=scope.reader())
    try:
        for table, keys in ID_PARAMS.items():
            linked = [int(x) for key in keys for item in str(st.query_params.get(key) or "").split(",")
                      if (x := item.split(":")[0].strip()).isdigit()]
            check_visible(store, linked, scope=scope, table=table)
    except NoAccessError:
        st.error(NO_ACCESS, icon=":material/block:")
        st.stop()
    if needs_runs and count_visible(store, scope=scope) == 0:
        st.info(EMPTY_STORE)
        st.page_link("pages/upload.py", label="Upload results", icon=":material/upload_file:")
        st.stop()
    return store, fp


def current_scope() -> Scope:
    """The signed-in user's full :class:`storage.scope.Scope` (identity and roles), for what a page
    writes or offers to change; ``fp.scope`` is only its reader (shared caches).

    Raises:
        NoAccessError: called before :func:`page_setup`.
    """
    scope = st.session_state.get(SCOPE_KEY)
    if scope is None:
        raise NoAccessError("page_setup has not run")
    return scope


def _leave_pages_folder_discovery() -> None:
    """Rerun through ``app.py`` when Streamlit ran this page by its ``pages/`` folder discovery
    (only the first run of a fresh server process; see the module docstring)."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False  # what st.navigation sets on its first call
        st.rerun()
