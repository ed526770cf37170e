"""Workspaces and their members (``workspaces``, ``workspace_members``), the first admin named at
deployment, and stamping new results with their workspace (issue 11).

Who is admin of what lives in the store, so an admin manages members from the app (the Admin
page) and every process sees the same roles. The first admin comes from the deployment:
``$LONGSCOPE_ADMIN`` (an identity: the OIDC e-mail, or a users-file name) is made admin of the
``default`` workspace on start while that workspace has no admin.
"""
from __future__ import annotations

import os
import re

import pandas as pd

from storage import audit
from storage.db import Store
from storage.scope import ADMIN, DEFAULT_WORKSPACE, ROLES, NoAccessError, Scope, make_scope, resolve

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def scope_for(store: Store, identity: str) -> Scope:
    """The :class:`Scope` of a signed-in ``identity``: its roles as stored (none: sees nothing)."""
    rows = store.cursor().execute(
        "SELECT workspace, role FROM workspace_members WHERE identity = ?", [identity]).fetchall()
    return make_scope(identity, [(w, r) for w, r in rows])


def list_workspaces(store: Store) -> list[str]:
    """Every workspace name, sorted."""
    return [r[0] for r in store.cursor().execute("SELECT DISTINCT name FROM workspaces ORDER BY name").fetchall()]


def members(store: Store, workspace: str, *, scope: Scope | None = None) -> pd.DataFrame:
    """Members of ``workspace`` (admins of it only): identity, role, granted_by, granted_at.

    Raises:
        NoAccessError: ``scope`` is not admin of the workspace.
    """
    resolve(scope).require(workspace, ADMIN)
    return store.cursor().execute(
        "SELECT identity, role, granted_by, granted_at FROM workspace_members WHERE workspace = ? ORDER BY identity",
        [workspace]).df()


def _set_role(cur, workspace: str, identity: str, role: str | None, actor: str) -> None:
    before = cur.execute("SELECT role FROM workspace_members WHERE workspace = ? AND identity = ?",
                         [workspace, identity]).fetchone()
    cur.execute("DELETE FROM workspace_members WHERE workspace = ? AND identity = ?", [workspace, identity])
    if role is not None:
        cur.execute("INSERT INTO workspace_members (workspace, identity, role, granted_by) VALUES (?, ?, ?, ?)",
                    [workspace, identity, role, actor])
    audit.record(cur, actor, workspace, "grant" if role else "revoke", "member", identity,
                 {"role": before[0] if before else None}, {"role": role})


def set_role(store: Store, workspace: str, identity: str, role: str | None, *, scope: Scope | None = None) -> None:
    """Give ``identity`` the ``role`` in ``workspace`` (None: remove it), with an audit row.

    Raises:
        ValueError: an unknown role, an empty identity, or an admin removing their own admin role
            (a workspace keeps an admin).
        NoAccessError: ``scope`` is not admin of the workspace.
    """
    scope = resolve(scope)
    scope.require(workspace, ADMIN)
    identity = identity.strip()
    if not identity:
        raise ValueError("an identity (e-mail or user name) is needed")
    if role is not None and role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if identity == scope.identity and role != ADMIN:
        raise ValueError("an admin cannot take away their own admin role (ask another admin)")
    with store.transaction() as cur:
        _set_role(cur, workspace, identity, role, scope.identity)


def create_workspace(store: Store, name: str, *, scope: Scope | None = None) -> None:
    """Create workspace ``name`` with the creator as its admin (any admin of some workspace may).

    Raises:
        ValueError: a name that is not 1-40 of ``a-z 0-9 _ -`` (starting with a letter or digit),
            or one that exists.
        NoAccessError: ``scope`` is admin of no workspace.
    """
    scope = resolve(scope)
    if not (scope.every_workspace or any(scope.allows(w, ADMIN) for w in scope.workspaces)):
        raise NoAccessError("only an admin creates workspaces")
    if not _NAME.match(name):
        raise ValueError(f"workspace name {name!r}: use 1-40 of a-z, 0-9, _ and -, starting with a letter or digit")
    with store.transaction() as cur:
        if cur.execute("SELECT 1 FROM workspaces WHERE name = ?", [name]).fetchone():
            raise ValueError(f"workspace {name!r} exists")
        cur.execute("INSERT INTO workspaces (name, created_by) VALUES (?, ?)", [name, scope.identity])
        _set_role(cur, name, scope.identity, ADMIN, scope.identity)


def ensure_first_admin(store: Store, identity: str | None = None) -> bool:
    """Make ``identity`` (default ``$LONGSCOPE_ADMIN``) admin of the ``default`` workspace when that
    workspace has no admin yet (the deployment's first admin). Returns True when it did."""
    identity = (identity or os.environ.get("LONGSCOPE_ADMIN") or "").strip()
    if not identity:
        return False
    has_admin = "SELECT 1 FROM workspace_members WHERE workspace = ? AND role = ?"
    if store.cursor().execute(has_admin, [DEFAULT_WORKSPACE, ADMIN]).fetchone():
        return False  # the usual case, read without taking the write lock
    with store.transaction() as cur:
        if cur.execute(has_admin, [DEFAULT_WORKSPACE, ADMIN]).fetchone():
            return False
        _set_role(cur, DEFAULT_WORKSPACE, identity, ADMIN, "deployment (LONGSCOPE_ADMIN)")
    return True


def owned_elsewhere(cur, run_ids: list[int], workspace: str) -> None:
    """Refuse to add to existing runs that live in another workspace (a run key is global, so an
    upload into workspace B must never merge into a run of workspace A).

    Raises:
        NoAccessError: some run is not in ``workspace`` (or is soft-deleted).
    """
    if not run_ids:
        return
    bad = cur.execute(
        "SELECT run_id FROM runs WHERE run_id IN (SELECT unnest(?::BIGINT[]))"
        " AND (workspace IS DISTINCT FROM ? OR deleted_at IS NOT NULL)", [list(run_ids), workspace]).fetchall()
    if bad:
        raise NoAccessError(f"these results would extend a run of another workspace (or a deleted run); "
                            f"upload them in that workspace, or restore the run first (run id(s) "
                            f"{', '.join(str(r[0]) for r in bad)})")


def claim_runs(cur, run_ids: list[int], workspace: str, identity: str) -> None:
    """Stamp newly written runs with their workspace and creator (in the writing transaction)."""
    if run_ids:
        cur.execute("UPDATE runs SET workspace = ?, created_by = ? WHERE run_id IN (SELECT unnest(?::BIGINT[]))",
                    [workspace, identity, list(run_ids)])
