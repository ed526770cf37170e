"""Who may see and change what: the :class:`Scope` every storage query is filtered by (issue 11).

The one rule, kept here and nowhere else: a run (``runs``), probe run (``probe_runs``) or traceback
(``traceback_runs``) is visible to a scope when its ``workspace`` is one the scope holds a role in
and it is not soft-deleted (``deleted_at IS NULL``; ``storage.trash``). The query functions of ``storage/``
take ``scope=`` and either add :func:`visible_sql` to their ``WHERE`` (lists) or call
:func:`require_visible` on the ids they were given (everything read by id, so a permalink with a
run id of another workspace gets :class:`NoAccessError`, never rows).

Roles per workspace, in increasing order (:data:`ROLES`):

- ``viewer``: read;
- ``member``: read, upload, run probes, rename / delete what they created;
- ``admin``: everything in the workspace, manage its members, view the audit log, restore.

A query given no scope runs as the scope of the enclosing :func:`acting_as` block (a probe job
runs its storage calls inside one, so code between the page and ``storage/`` needs no scope
argument); else, with sign-in off (the default: one person on localhost, ``LONGSCOPE_AUTH`` unset
or ``off``), as :func:`local_scope` (admin of every workspace), so the CLI and the single-user app
behave as before. With sign-in on, a query given no scope raises :class:`NoAccessError`: nothing
is read or written by accident without an identity.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterable, Iterator

VIEWER, MEMBER, ADMIN = "viewer", "member", "admin"
#: roles in increasing order of what they allow
ROLES = (VIEWER, MEMBER, ADMIN)
DEFAULT_WORKSPACE = "default"
LOCAL_IDENTITY = "local"
#: sign-in modes (``$LONGSCOPE_AUTH``): off (default), oidc (Streamlit's st.login), users (a users file)
AUTH_MODES = ("off", "oidc", "users")

#: table -> id column of the workspace-owned tables
_ID_COLUMN = {"runs": "run_id", "probe_runs": "probe_id", "traceback_runs": "traceback_id"}


class NoAccessError(PermissionError):
    """The scope may not read or change this (or it does not exist: the message never says which)."""


def auth_mode() -> str:
    """``$LONGSCOPE_AUTH`` (``off`` | ``oidc`` | ``users``; unset = ``off``).

    Raises:
        ValueError: another value (a typo must not silently leave the board open).
    """
    mode = (os.environ.get("LONGSCOPE_AUTH") or "off").strip().lower()
    if mode not in AUTH_MODES:
        raise ValueError(f"LONGSCOPE_AUTH must be one of {', '.join(AUTH_MODES)}, not {mode!r}")
    return mode


def sign_in_required() -> bool:
    """True when the deployment turned sign-in on (``$LONGSCOPE_AUTH`` is ``oidc`` or ``users``)."""
    return auth_mode() != "off"


@dataclass(frozen=True)
class Scope:
    """A signed-in identity and its roles: ``roles`` is a sorted tuple of (workspace, role);
    ``every_workspace`` (sign-in off only) makes it admin of every workspace. Hashable, so the
    cached loaders of ``ui/`` key on it."""

    identity: str
    roles: tuple[tuple[str, str], ...] = ()
    every_workspace: bool = False

    @property
    def workspaces(self) -> tuple[str, ...]:
        """The workspaces this scope holds a role in (sorted)."""
        return tuple(w for w, _ in self.roles)

    def role(self, workspace: str) -> str | None:
        """The role held in ``workspace`` (``admin`` everywhere for :func:`local_scope`), or None."""
        if self.every_workspace:
            return ADMIN
        return dict(self.roles).get(workspace)

    def allows(self, workspace: str, role: str) -> bool:
        """True when the role held in ``workspace`` is ``role`` or above (:data:`ROLES` order)."""
        held = self.role(workspace)
        return held is not None and ROLES.index(held) >= ROLES.index(role)

    def require(self, workspace: str, role: str) -> None:
        """Raise :class:`NoAccessError` unless :meth:`allows` (``workspace``, ``role``)."""
        if not self.allows(workspace, role):
            raise NoAccessError(f"{self.identity} needs the {role} role in workspace {workspace!r}")

    def reader(self) -> "Scope":
        """What this scope may read, without who is reading: the same workspaces, role viewer,
        identity ``reader``. Rows read depend only on the workspaces, so caches keyed on the
        reader are shared by every user of the same workspaces (``ui.page.page_setup``)."""
        return Scope("reader", tuple((w, VIEWER) for w in self.workspaces), self.every_workspace)

    def may_change(self, workspace: str, created_by: str | None) -> bool:
        """Rename / delete rule: an admin of the workspace, or a member who created the item."""
        return self.allows(workspace, ADMIN) or (self.allows(workspace, MEMBER) and created_by == self.identity)


def make_scope(identity: str, roles: Iterable[tuple[str, str]]) -> Scope:
    """A :class:`Scope` with ``roles`` sorted (so equal scopes hash equal).

    Raises:
        ValueError: a role not in :data:`ROLES`.
    """
    roles = tuple(sorted(set(roles)))
    for ws, role in roles:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r} for workspace {ws!r} (one of {', '.join(ROLES)})")
    return Scope(identity, roles)


def local_scope() -> Scope:
    """The scope of the single local user when sign-in is off: admin of every workspace."""
    return Scope(LOCAL_IDENTITY, ((DEFAULT_WORKSPACE, ADMIN),), every_workspace=True)


_ACTING: ContextVar[tuple[Scope, str | None] | None] = ContextVar("longscope_acting_as", default=None)


@contextmanager
def acting_as(scope: Scope, workspace: str | None = None) -> Iterator[None]:
    """Storage calls inside the block that get no ``scope`` use ``scope`` (and write new results
    to ``workspace``); for a probe job, whose code between page and storage takes no scope."""
    token = _ACTING.set((scope, workspace))
    try:
        yield
    finally:
        _ACTING.reset(token)


def resolve(scope: Scope | None) -> Scope:
    """``scope``, else the one of the enclosing :func:`acting_as`, else :func:`local_scope` when
    sign-in is off.

    Raises:
        NoAccessError: no scope given while sign-in is on.
    """
    if scope is not None:
        return scope
    if _ACTING.get() is not None:
        return _ACTING.get()[0]
    if sign_in_required():
        raise NoAccessError("sign-in is on (LONGSCOPE_AUTH): a signed-in scope is required")
    return local_scope()


def visible_sql(scope: Scope | None, alias: str = "", table: str = "runs") -> tuple[str, list]:
    """The SQL predicate (and its parameters) keeping the rows of ``table`` that ``scope`` may see.

    Args:
        alias: the table's alias in the query ("" = unqualified).
        table: ``runs``, ``probe_runs`` or ``traceback_runs`` (soft-deleted rows are hidden).

    Returns:
        (``"<predicate>"``, params) to put in a ``WHERE`` with ``AND``.
    """
    scope = resolve(scope)
    p = f"{alias}." if alias else ""
    if table not in _ID_COLUMN:
        raise ValueError(f"not a workspace-owned table: {table!r}")
    deleted = f"{p}deleted_at IS NULL"
    if scope.every_workspace:
        return f"({deleted})", []
    return f"({deleted} AND {p}workspace IN (SELECT unnest(?::VARCHAR[])))", [list(scope.workspaces)]


def require_visible(cur, scope: Scope | None, ids: Iterable[int], table: str = "runs") -> None:
    """Check that every id of ``table`` exists and is visible to ``scope``.

    Raises:
        NoAccessError: naming the ids that are absent, soft-deleted or in another workspace
            (one message for all three, so a non-member learns nothing about them).
    """
    ids = sorted({int(i) for i in ids})
    if not ids:
        return
    col = _ID_COLUMN[table]
    where, params = visible_sql(scope, table=table)
    seen = {r[0] for r in cur.execute(
        f"SELECT {col} FROM {table} WHERE {col} IN (SELECT unnest(?::BIGINT[])) AND {where}", [ids, *params]).fetchall()}
    missing = [i for i in ids if i not in seen]
    if missing:
        raise NoAccessError(f"no access to {table.removesuffix('s').replace('_', ' ')} "
                            f"{', '.join(map(str, missing))} (absent, deleted, or in a workspace you are not a member of)")


def target_workspace(scope: Scope | None, workspace: str | None, role: str = MEMBER) -> str:
    """The workspace a new result is written to (``workspace``, default :data:`DEFAULT_WORKSPACE`),
    after checking that ``scope`` holds ``role`` there.

    Raises:
        NoAccessError: the scope lacks the role.
    """
    scope = resolve(scope)
    acting = _ACTING.get()
    ws = workspace or (acting[1] if acting is not None else None) or (scope.workspaces[0] if len(scope.workspaces) == 1 and not scope.every_workspace
                       else DEFAULT_WORKSPACE)
    scope.require(ws, role)
    return ws
