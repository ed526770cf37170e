""""Delete a result" on the probe pages: a retrieval-head detection, a masking check or a traceback,
offered to whoever may delete it (an admin of its workspace, or the member who ran it), confirmed in
a dialog, then soft-deleted in ``storage/`` (hidden at once, audited, restorable by an admin from
the Admin page within the retention window; ``storage.trash``)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.display_text import markdown_literal as md
from storage.db import Store
from storage.probes import delete_probe_run
from storage.scope import NoAccessError, Scope
from storage.traceback import delete_traceback
from storage.trash import retention_days

#: kind -> (id column, what the result is called, the storage call that soft-deletes it)
_KINDS = {"probe": ("probe_id", "probe run", delete_probe_run), "traceback": ("traceback_id", "traceback", delete_traceback)}


def delete_panel(store: Store, scope: Scope, kind: str, results: pd.DataFrame, names: dict[int, str]) -> None:
    """An expander to delete one of ``results`` (rows with the id column, ``workspace`` and
    ``created_by``; ``names``: id -> label shown) that ``scope`` may change; nothing when none.
    A deletion reruns the page with a note in ``st.session_state["last_deleted"]``."""
    id_col, noun, delete = _KINDS[kind]
    mine = [int(r[id_col]) for _, r in results.iterrows() if scope.may_change(r["workspace"], r["created_by"])]
    note = st.session_state.pop("last_deleted", None)
    if note:
        st.success(note)
    if not mine:
        return

    @st.dialog(f"Delete {noun}?")
    def confirm(item: int) -> None:
        st.write(f"{noun.capitalize()} **{md(names.get(item, str(item)))}** will be hidden from every page at once. "
                 f"An admin can restore it from the Admin page for {retention_days()} days; after that it is "
                 "removed for good. The deletion is recorded in the audit log.")
        if st.button("Delete", type="primary", key=f"delete_{kind}_confirm"):
            try:
                delete(store, item, scope=scope)
            except NoAccessError as exc:
                st.error(str(exc))
            else:
                st.session_state["last_deleted"] = f"Deleted {noun} {item}."
                st.rerun()

    with st.expander(f"Delete a {noun}"):
        item = st.selectbox(noun.capitalize(), mine, format_func=lambda i: names.get(i, str(i)), key=f"delete_{kind}")
        if st.button("Delete…", key=f"delete_{kind}_go"):
            confirm(int(item))
