"""Published numbers stored in the database (``published_numbers``, migration 0004): typed in on the
Published-number check page or read from a README / leaderboard table (:mod:`analysis.result_tables`).

The shipped numbers stay in ``data/published/`` (:func:`analysis.published.load_published`); these
are the user's, kept across sessions, and the check uses both.
"""
from __future__ import annotations

import math

import pandas as pd

from storage import audit
from storage.db import Store
from storage.ids import allocate_ids
from storage.scope import MEMBER, NoAccessError, Scope, resolve
from storage.scales import SCALES

COLUMNS = ["benchmark", "model", "aliases", "setting", "task", "tasks", "length_label", "length_value", "value",
           "scale", "source", "note", "origin"]
ORIGINS = {"entered", "table"}


def _require_writer(scope: Scope | None) -> Scope:
    """Published numbers are reference data shared by every workspace: a member (or admin) of any
    workspace may add or delete them, a viewer may not.

    Raises:
        NoAccessError: ``scope`` is viewer everywhere (or no scope while sign-in is on).
    """
    scope = resolve(scope)
    if not (scope.every_workspace or any(scope.allows(w, MEMBER) for w in scope.workspaces)):
        raise NoAccessError(f"{scope.identity} is a viewer: only members change the stored published numbers")
    return scope


def save_published(store: Store, rows: pd.DataFrame, origin: str, entered_by: str | None = None, *,
                   scope: Scope | None = None) -> int:
    """Store published numbers in one transaction; returns how many were stored. ``entered_by``
    defaults to the scope's identity.

    Args:
        rows: columns benchmark, model, value (required), and any of :data:`COLUMNS`; ``value`` as
            published, ``scale`` default ``pct_0_100``, ``source`` default 'entered by the user'.
        origin: 'entered' | 'table'.

    Raises:
        ValueError: unknown origin or scale, or a row without benchmark / model / numeric value
            (names the row); nothing is stored then.
        NoAccessError: ``scope`` is a viewer (:func:`_require_writer`).
    """
    scope = _require_writer(scope)
    entered_by = entered_by or scope.identity
    if origin not in ORIGINS:
        raise ValueError(f"unknown origin {origin!r}; known: {', '.join(sorted(ORIGINS))}")
    clean = []
    for i, r in enumerate(rows.to_dict("records"), start=1):
        rec = {c: _text(r.get(c)) for c in COLUMNS if c not in ("value", "length_value")}
        for field in ("benchmark", "model"):
            if not rec[field]:
                raise ValueError(f"published row {i}: field '{field}' is empty")
        try:
            value = float(r.get("value"))
        except (TypeError, ValueError):
            raise ValueError(f"published row {i}: field 'value' is not a number: {r.get('value')!r:.40}") from None
        if math.isnan(value):
            raise ValueError(f"published row {i}: field 'value' is empty")
        rec["scale"] = rec["scale"] or "pct_0_100"
        if rec["scale"] not in SCALES:
            raise ValueError(f"published row {i}: field 'scale' {rec['scale']!r} is not one of {', '.join(SCALES)}")
        length = r.get("length_value")
        rec.update(benchmark=rec["benchmark"].lower(), value=value, origin=origin,
                   source=rec["source"] or "entered by the user",
                   length_value=None if length is None or pd.isna(length) else float(length))
        clean.append(rec)
    if not clean:
        return 0
    df = pd.DataFrame(clean, columns=COLUMNS)
    def write(cur) -> None:
        first = allocate_ids(cur, "published_id", len(df))
        cur.register("_new_published", df.assign(published_id=range(first, first + len(df))))
        cur.execute(f"""INSERT INTO published_numbers (published_id, {', '.join(COLUMNS)}, entered_by)
                        SELECT published_id, {', '.join(COLUMNS)}, ? FROM _new_published""", [entered_by])
        cur.unregister("_new_published")
    store.write(write)
    return len(clean)


def stored_published(store: Store) -> pd.DataFrame:
    """Every stored published number (columns ``published_id``, :data:`COLUMNS`, entered_at), oldest first."""
    return store.cursor().execute(
        f"SELECT published_id, {', '.join(COLUMNS)}, entered_at FROM published_numbers ORDER BY published_id").df()


def delete_published(store: Store, published_ids: list[int], *, scope: Scope | None = None) -> int:
    """Delete stored published numbers by id, with one audit row each (the row before); returns
    how many were deleted.

    Raises:
        NoAccessError: ``scope`` is a viewer (:func:`_require_writer`).
    """
    scope = _require_writer(scope)
    if not published_ids:
        return 0
    def write(cur) -> int:
        gone = cur.execute(f"SELECT published_id, {', '.join(COLUMNS)} FROM published_numbers"
                           " WHERE published_id IN (SELECT unnest(?))", [list(map(int, published_ids))]).df()
        for row in gone.to_dict("records"):
            audit.record(cur, scope.identity, None, "delete", "published_number", row["published_id"],
                         {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()})
        n = len(gone)
        cur.execute("DELETE FROM published_numbers WHERE published_id IN (SELECT unnest(?))", [list(map(int, published_ids))])
        return int(n)
    return store.write(write)


def _text(x) -> str | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    s = str(x).strip()
    return s or None
