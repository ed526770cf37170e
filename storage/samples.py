"""Per-item samples (``samples``): what a run recorded about how its samples were scored."""
from __future__ import annotations

from storage.db import Store


def sample_scorers(store: Store, run_id: int) -> list[str]:
    """Distinct per-sample scoring rules recorded for a run ('from the file' when NULL)."""
    rows = store.cursor().execute(
        "SELECT DISTINCT coalesce(scorer, 'from the file') FROM samples WHERE run_id = ? ORDER BY 1", [run_id]
    ).fetchall()
    return [r[0] for r in rows]
