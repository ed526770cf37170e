"""Admin: workspace members and roles, the audit log, and restoring deleted runs, probe runs and
tracebacks (issue 11).

Shown to everyone in the navigation; only admins of a workspace see (and change) anything here,
and ``storage/`` refuses the others as well."""
import streamlit as st

from ui.admin import (ADMIN, RESULT_KINDS, ROLES, NoAccessError, audit_log, create_workspace, deleted, deleted_runs,
                      list_workspaces, members, purge_expired, restore, restore_run, retention_days, set_role)
from ui.page import current_scope, page_setup

store, fp = page_setup("Admin", "Workspace members and roles, the audit log, deleted runs.")
scope = current_scope()
admin_of = [w for w in (list_workspaces(store) if scope.every_workspace else scope.workspaces) if scope.allows(w, ADMIN)]
if not admin_of:
    st.error("No access: this page is for workspace admins.", icon=":material/block:")
    st.stop()

purged = purge_expired(store)  # results past the retention window go for good (audited as 'purge')
if purged:
    st.caption(f"Removed for good (deleted more than {retention_days()} days ago): "
               + "; ".join(f"{kind} {', '.join(map(str, ids))}" for kind, ids in purged.items()) + ".")

members_tab, audit_tab, deleted_tab, results_tab = st.tabs(["Members", "Audit log", "Deleted runs",
                                                            "Deleted probe results"])

with members_tab:
    ws = st.selectbox("Workspace", admin_of, key="admin_ws")
    st.dataframe(members(store, ws, scope=scope), hide_index=True, width="stretch")
    with st.form("grant"):
        c1, c2 = st.columns([3, 1])
        who = c1.text_input("Identity (e-mail for OIDC sign-in, user name for the users file)")
        role = c2.selectbox("Role", list(ROLES) + ["remove"])
        if st.form_submit_button("Apply"):
            try:
                set_role(store, ws, who, None if role == "remove" else role, scope=scope)
            except (ValueError, NoAccessError) as exc:
                st.error(str(exc))
            else:
                st.rerun()
    with st.form("new_workspace"):
        name = st.text_input("New workspace (you become its admin)")
        if st.form_submit_button("Create"):
            try:
                create_workspace(store, name.strip(), scope=scope)
            except (ValueError, NoAccessError) as exc:
                st.error(str(exc))
            else:
                st.rerun()

with audit_tab:
    log = audit_log(store, scope=scope)
    st.dataframe(log.assign(before=[str(b) for b in log["before"]], after=[str(a) for a in log["after"]]),
                 hide_index=True, width="stretch")

with deleted_tab:
    gone = deleted_runs(store, scope=scope)
    st.caption(f"Deleted runs stay restorable for {retention_days()} days ($LONGSCOPE_RETENTION_DAYS).")
    if gone.empty:
        st.caption("No deleted run.")
    else:
        st.dataframe(gone, hide_index=True, width="stretch")
        labels = dict(zip(gone["run_id"].astype(int), gone["label"]))
        rid = st.selectbox("Run", list(labels), format_func=lambda r: f"{r} · {labels[r]}", key="restore_run")
        if st.button("Restore", type="primary"):
            try:
                restore_run(store, int(rid), scope=scope)
            except (NoAccessError, ValueError) as exc:
                st.error(str(exc))
            else:
                st.success(f"Restored run {rid} ({labels[rid]}).")
                st.rerun()

with results_tab:
    st.caption(f"Deleted probe runs and tracebacks stay restorable for {retention_days()} days.")
    for kind, title in RESULT_KINDS.items():
        st.markdown(f"**{title}**")
        gone = deleted(store, kind, scope=scope)
        if gone.empty:
            st.caption("None deleted.")
            continue
        st.dataframe(gone, hide_index=True, width="stretch")
        id_col = gone.columns[0]
        names = dict(zip(gone[id_col].astype(int), gone["label"].fillna(gone.get("question", gone["label"]))))
        item = st.selectbox(title, list(names), format_func=lambda i: f"{i} · {names[i]}", key=f"restore_{kind}",
                            label_visibility="collapsed")
        if st.button("Restore", type="primary", key=f"restore_{kind}_go"):
            try:
                restore(store, kind, int(item), scope=scope)
            except (NoAccessError, ValueError) as exc:
                st.error(str(exc))
            else:
                st.rerun()
