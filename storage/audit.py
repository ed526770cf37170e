"""The audit trail (``audit_log``): who changed what, when, and the state before (issue 11).

Rows are only ever appended, inside the transaction of the change they record (so a change and
its record commit or roll back together)."""
from __future__ import annotations

from typing import Any

import pandas as pd

from storage.db import Store
from storage.json_column import from_json, to_json
from storage.scope import ADMIN, Scope, resolve


def record(cur, actor: str, workspace: str | None, action: str, entity: str, entity_id: Any,
           before: Any = None, after: Any = None) -> None:
    """Append one audit row with the cursor of the change's own transaction.

    Args:
        actor: the signed-in identity (``local`` with sign-in off).
        action: rename | delete | restore | purge | traceback_delete | grant | revoke.
        entity: run | traceback | member; ``entity_id`` its id.
        before / after: JSON-able states (dicts) before and after the change.
    """
    cur.execute(
        "INSERT INTO audit_log (actor, workspace, action, entity, entity_id, before_state, after_state)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [actor, workspace, action, entity, str(entity_id), to_json(before), to_json(after)])


def audit_log(store: Store, *, scope: Scope | None = None, limit: int = 500) -> pd.DataFrame:
    """The newest ``limit`` audit rows of the workspaces where ``scope`` is admin.

    Returns:
        Columns at, actor, workspace, action, entity, entity_id, before (dict), after (dict); newest first.
    """
    scope = resolve(scope)
    admin_of = None if scope.every_workspace else [w for w in scope.workspaces if scope.allows(w, ADMIN)]
    df = store.cursor().execute(
        """SELECT happened_at AS at, actor, workspace, action, entity, entity_id, before_state AS "before",
                  after_state AS "after" FROM audit_log
           WHERE ?::VARCHAR[] IS NULL OR workspace IN (SELECT unnest(?::VARCHAR[]))
           ORDER BY happened_at DESC LIMIT ?""", [admin_of, admin_of, int(limit)]).df()
    for col in ("before", "after"):
        df[col] = [from_json(v, {}) for v in df[col]]
    return df
