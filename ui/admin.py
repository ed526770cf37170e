"""What the Admin page does to the store: workspace members and roles (``storage.workspaces``),
the audit log (``storage.audit``), deleted runs and their restore / purge (``storage.runs``).
Each call takes the signed-in scope; ``storage/`` refuses whoever is not admin."""
from __future__ import annotations

from storage.audit import audit_log
from storage.runs import deleted_runs, purge_deleted, restore_run, retention_days
from storage.scope import ADMIN, ROLES, NoAccessError
from storage.workspaces import create_workspace, list_workspaces, members, set_role

# the page's API: the storage names it uses
__all__ = ["ADMIN", "ROLES", "NoAccessError", "audit_log", "create_workspace", "deleted_runs", "list_workspaces",
           "members", "purge_deleted", "restore_run", "retention_days", "set_role"]
