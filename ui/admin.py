"""What the Admin page does to the store: workspace members and roles (``storage.workspaces``),
the audit log (``storage.audit``), deleted runs, probe runs and tracebacks and their restore / purge
(``storage.trash``). Each call takes the signed-in scope; ``storage/`` refuses whoever is not admin."""
from __future__ import annotations

from storage.audit import audit_log
from storage.runs import deleted_runs, restore_run, retention_days
from storage.trash import KINDS, deleted, purge, restore
from storage.scope import ADMIN, ROLES, NoAccessError
from storage.workspaces import create_workspace, list_workspaces, members, set_role

# the page's API: the storage names it uses
__all__ = ["ADMIN", "ROLES", "NoAccessError", "audit_log", "create_workspace", "deleted", "deleted_runs",
           "list_workspaces", "members", "purge_expired", "restore", "restore_run", "retention_days", "set_role"]

#: the other deletable results, as the Admin page names them
RESULT_KINDS = {"probe": "Probe runs (retrieval heads, masking)", "traceback": "Tracebacks"}


def purge_expired(store) -> dict[str, list[int]]:
    """Remove for good every run, probe run and traceback deleted longer ago than the retention
    window (``storage.trash.purge``, audited); returns ``{kind: ids purged}`` (kinds with none left out)."""
    return {k: ids for k in KINDS if (ids := purge(store, k))}
