"""Per-item samples (``samples``): what a run recorded about how its samples were scored."""
from __future__ import annotations

from storage.db import Store
from storage.scope import Scope, require_visible


def sample_scorers(store: Store, run_id: int, *, scope: Scope | None = None) -> list[str]:
    """Distinct per-sample scoring rules recorded for a run ('from the file' when NULL)."""
    cur = store.cursor()
    require_visible(cur, scope, [run_id])
    rows = cur.execute(
        "SELECT DISTINCT coalesce(scorer, 'from the file') FROM samples WHERE run_id = ? ORDER BY 1", [run_id]
    ).fetchall()
    return [r[0] for r in rows]
