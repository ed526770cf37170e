"""Soft delete, restore and purge of the workspace-owned results (issue 11): runs, probe runs
(retrieval-head detections, masking checks) and tracebacks, all alike.

Deleting sets ``deleted_at`` / ``deleted_by``: the result is hidden from every query at once
(``storage.scope.visible_sql``) and nothing of it is removed. An admin of its workspace restores it
within the retention window (``$LONGSCOPE_RETENTION_DAYS``, default 30); :func:`purge` then removes
it for good. Each change writes an audit row (``storage.audit``) with the state before, in the same
transaction.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from storage import audit
from storage.db import Store
from storage.scope import ADMIN, NoAccessError, Scope, resolve

#: days a soft-deleted result can be restored before :func:`purge` removes it (``$LONGSCOPE_RETENTION_DAYS``)
DEFAULT_RETENTION_DAYS = 30


@dataclass(frozen=True)
class Kind:
    """A workspace-owned result: its audit entity name, table, id column, the column shown as its
    name, the columns kept in the audit before-state, and the tables holding its rows by id."""

    entity: str
    table: str
    id_col: str
    label_col: str
    before_cols: tuple[str, ...]
    children: tuple[str, ...]


KINDS = {k.entity: k for k in (
    Kind("run", "runs", "run_id", "label", ("label", "model", "benchmark", "harness"),
         ("niah_trials", "task_scores", "samples")),
    Kind("probe", "probe_runs", "probe_id", "label", ("kind", "label", "model"),
         ("probe_head_scores", "probe_trials", "probe_masked_heads")),
    Kind("traceback", "traceback_runs", "traceback_id", "question", ("label", "model", "method", "question", "answer"),
         ("traceback_passages",)),
)}


def retention_days() -> int:
    """Days a deleted result stays restorable: ``$LONGSCOPE_RETENTION_DAYS`` (default 30)."""
    return int(os.environ.get("LONGSCOPE_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def changeable(cur, scope: Scope, entity: str, item_id: int, *, deleted: bool = False) -> dict:
    """The item's before-state (id, :attr:`Kind.before_cols`, workspace, created_by, created_at,
    deleted_at) once ``scope`` may change it: an admin of its workspace, or the member who created
    it; ``deleted``: look among soft-deleted items instead (restoring needs the admin role).

    Raises:
        NoAccessError: absent, not visible, or the scope's role does not allow the change.
    """
    k = KINDS[entity]
    cols = (k.id_col, *k.before_cols, "workspace", "created_by", "created_at", "deleted_at")
    row = cur.execute(f"SELECT {', '.join(cols)} FROM {k.table} WHERE {k.id_col} = ? AND deleted_at IS "
                      f"{'NOT ' if deleted else ''}NULL", [item_id]).fetchone()
    before = dict(zip(cols, map(_plain, row))) if row else None
    if before is None or scope.role(before["workspace"]) is None:
        raise NoAccessError(f"no access to {entity} {item_id} (absent, deleted, or in a workspace you are not a member of)")
    if not (scope.allows(before["workspace"], ADMIN) if deleted else scope.may_change(before["workspace"], before["created_by"])):
        raise NoAccessError(f"{scope.identity} may not change {entity} {item_id}: "
                            + ("restoring needs the admin role" if deleted else
                               f"a viewer cannot, a member only changes the {entity}s they created"))
    return before


def soft_delete(store: Store, entity: str, item_id: int, *, scope: Scope | None = None,
                before_extra: dict | None = None) -> None:
    """Hide one run / probe run / traceback everywhere at once, restorable by an admin with
    :func:`restore` until :func:`purge`; audited (action ``delete``) with its before-state (and
    ``before_extra``, e.g. a traceback's passages).

    Raises:
        NoAccessError: no such visible item, or ``scope`` may not delete it (a viewer never may).
    """
    scope = resolve(scope)
    k = KINDS[entity]
    with store.transaction() as cur:
        before = changeable(cur, scope, entity, item_id)
        cur.execute(f"UPDATE {k.table} SET deleted_at = current_timestamp, deleted_by = ? WHERE {k.id_col} = ?",
                    [scope.identity, item_id])
        audit.record(cur, scope.identity, before["workspace"], "delete", entity, item_id, {**before, **(before_extra or {})})


def restore(store: Store, entity: str, item_id: int, *, scope: Scope | None = None) -> None:
    """Undo :func:`soft_delete` (admins of the item's workspace), with an audit row.

    Raises:
        NoAccessError: no such deleted item in a workspace where ``scope`` is admin.
        ValueError: deleted longer ago than :func:`retention_days` (due for :func:`purge`).
    """
    scope = resolve(scope)
    k = KINDS[entity]
    with store.transaction() as cur:
        before = changeable(cur, scope, entity, item_id, deleted=True)
        if datetime.fromisoformat(before["deleted_at"]) < datetime.now() - timedelta(days=retention_days()):
            raise ValueError(f"{entity} {item_id} was deleted more than {retention_days()} days ago: past the "
                             "retention window, it can no longer be restored")
        cur.execute(f"UPDATE {k.table} SET deleted_at = NULL, deleted_by = NULL WHERE {k.id_col} = ?", [item_id])
        audit.record(cur, scope.identity, before["workspace"], "restore", entity, item_id, before)


def deleted(store: Store, entity: str, *, scope: Scope | None = None) -> pd.DataFrame:
    """Soft-deleted items of ``entity`` in the workspaces where ``scope`` is admin, newest deletion
    first: the id column, :attr:`Kind.before_cols`, workspace, created_by, deleted_at, deleted_by."""
    scope = resolve(scope)
    k = KINDS[entity]
    admin_of = None if scope.every_workspace else [w for w in scope.workspaces if scope.allows(w, ADMIN)]
    return store.cursor().execute(
        f"""SELECT {k.id_col}, {', '.join(k.before_cols)}, workspace, created_by, deleted_at, deleted_by FROM {k.table}
            WHERE deleted_at IS NOT NULL AND (?::VARCHAR[] IS NULL OR workspace IN (SELECT unnest(?::VARCHAR[])))
            ORDER BY deleted_at DESC""", [admin_of, admin_of]).df()


def purge(store: Store, entity: str, *, older_than: timedelta | None = None, actor: str = "retention") -> list[int]:
    """Remove for good the items of ``entity`` soft-deleted more than ``older_than`` ago (default
    :func:`retention_days`): their rows (and, for runs, the files no other run holds, so they can be
    ingested again). One transaction, one audit row (``purge``) per item.

    Returns:
        The ids purged.
    """
    k = KINDS[entity]
    cutoff = datetime.now() - (older_than if older_than is not None else timedelta(days=retention_days()))
    with store.transaction() as cur:
        gone = cur.execute(f"SELECT {k.id_col}, workspace, {k.label_col} FROM {k.table}"
                           " WHERE deleted_at IS NOT NULL AND deleted_at <= ?", [cutoff]).fetchall()
        for item_id, workspace, label in gone:
            for table in k.children:
                cur.execute(f"DELETE FROM {table} WHERE {k.id_col} = ?", [item_id])
            if entity == "run":
                cur.execute(
                    """DELETE FROM files WHERE file_id IN (
                           SELECT file_id FROM run_files WHERE run_id = ?
                           EXCEPT SELECT file_id FROM run_files WHERE run_id <> ?)""", [item_id, item_id])
                cur.execute("DELETE FROM run_files WHERE run_id = ?", [item_id])
            cur.execute(f"DELETE FROM {k.table} WHERE {k.id_col} = ?", [item_id])
            audit.record(cur, actor, workspace, "purge", entity, item_id, {k.label_col: label})
    return [r[0] for r in gone]
