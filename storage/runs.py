"""Runs: the one list of runs (with options), a run's files, rename, soft delete / restore / purge,
store totals (every SQL statement about the ``runs``, ``files`` and ``run_files`` tables outside
ingest). Every function is filtered by a :class:`storage.scope.Scope`."""
from __future__ import annotations

from datetime import timedelta

import pandas as pd

from storage import audit, trash
from storage.db import Store
from storage.json_column import from_json
from storage.scope import Scope, require_visible, resolve, visible_sql
from storage.trash import retention_days

__all__ = ["RUN_KINDS", "check_visible", "count_visible", "delete_run", "deleted_runs", "list_runs", "purge_deleted",
           "rename_run", "restore_run", "retention_days", "run_files", "store_totals"]


#: which table holds a run's scores, in this order of preference (``list_runs``'s ``kind``)
RUN_KINDS = ("trials", "samples", "tasks", "empty")


def list_runs(store: Store, *, kind: str | None = None, harness: str | None = None,
              newest_first: bool = False, scope: Scope | None = None) -> pd.DataFrame:
    """One row per run with its provenance, what it holds and row counts.

    Args:
        kind: only runs of this kind (one of :data:`RUN_KINDS`; ``"trials"`` = the NIAH runs).
        harness: only runs of this harness (importer format, e.g. ``longscope_probe_niah``).
        newest_first: sort by run_id descending (default ascending).
        scope: whose runs (:mod:`storage.scope`; soft-deleted runs are never listed).

    Returns:
        Columns run_id, label, model, model_source, benchmark, harness, evaluator, score_scale,
        length_unit, tokenizer, created_at, config (dict), kind ('trials' | 'samples' | 'tasks' |
        'empty': which table holds its scores, in that order of preference), tasks (distinct tasks
        scored; 1 for NIAH runs), n_files, files (first file path), n_trials (NIAH trials),
        n_task_scores, n_samples, n_scored_samples, workspace, created_by.

    Raises:
        ValueError: an unknown ``kind``.
        NoAccessError: no scope while sign-in is on.
    """
    if kind is not None and kind not in RUN_KINDS:
        raise ValueError(f"kind must be one of {', '.join(RUN_KINDS)}, not {kind!r}")
    visible, vparams = visible_sql(scope, "r")
    df = store.cursor().execute(
        f"""
        WITH listed AS (
            SELECT r.run_id, r.label, r.model, r.model_source, r.benchmark, r.harness, r.evaluator,
                   r.score_scale, r.length_unit, r.tokenizer, r.created_at, r.config,
                   CASE WHEN t.run_id IS NOT NULL THEN 'trials' WHEN p.n_scored_tasks > 0 THEN 'samples'
                        WHEN s.run_id IS NOT NULL THEN 'tasks' ELSE 'empty' END AS kind,
                   CASE WHEN t.run_id IS NOT NULL THEN 1
                        ELSE coalesce(s.n_tasks, nullif(p.n_scored_tasks, 0), 0) END AS tasks,
                   coalesce(f.n_files, 0) AS n_files, f.first_path AS files,
                   coalesce(t.n, 0) AS n_trials,
                   coalesce(s.n, 0) AS n_task_scores,
                   coalesce(p.n, 0) AS n_samples, coalesce(p.n_scored, 0) AS n_scored_samples,
                   r.workspace, r.created_by
            FROM runs r
            LEFT JOIN (SELECT rf.run_id, count(*) AS n_files, min(fl.path) AS first_path
                       FROM run_files rf JOIN files fl USING (file_id) GROUP BY rf.run_id) f USING (run_id)
            LEFT JOIN (SELECT run_id, count(*) AS n FROM niah_trials GROUP BY run_id) t USING (run_id)
            LEFT JOIN (SELECT run_id, count(*) AS n, count(DISTINCT task) AS n_tasks
                       FROM task_scores GROUP BY run_id) s USING (run_id)
            LEFT JOIN (SELECT run_id, count(*) AS n, count(score) AS n_scored,
                              count(DISTINCT task) FILTER (score IS NOT NULL) AS n_scored_tasks
                       FROM samples GROUP BY run_id) p USING (run_id)
            WHERE {visible}
        )
        SELECT * FROM listed
        WHERE (?::VARCHAR IS NULL OR kind = ?) AND (?::VARCHAR IS NULL OR harness = ?)
        ORDER BY run_id {"DESC" if newest_first else ""}
        """,
        [*vparams, kind, kind, harness, harness],
    ).df()
    df["config"] = [from_json(c, {}) for c in df["config"]]
    return df


def run_files(store: Store, run_id: int, *, scope: Scope | None = None) -> pd.DataFrame:
    """Files of a run: file_id (sha256), name, path, format, size_bytes, ingested_at, uploaded_by.

    Raises:
        NoAccessError: the run is not visible to ``scope``.
    """
    cur = store.cursor()
    require_visible(cur, scope, [run_id])
    return cur.execute(
        """SELECT f.* FROM files f JOIN run_files rf USING (file_id) WHERE rf.run_id = ? ORDER BY f.path""",
        [run_id],
    ).df()


def stored_labels(store: Store, workspace: str) -> set[tuple[str, str]]:
    """``(label, benchmark)`` of every run stored in ``workspace`` (soft-deleted ones too: they can be
    restored): a new run's default label differs from those of its benchmark there
    (``storage.run_labels``); other workspaces' labels are neither consulted nor revealed."""
    return {(r[0], r[1]) for r in store.cursor().execute(
        "SELECT DISTINCT label, benchmark FROM runs WHERE workspace = ?", [workspace]).fetchall()}


def rename_run(store: Store, run_id: int, label: str, *, scope: Scope | None = None) -> None:
    """Set a run's display label, with an audit row (who, when, the label before).

    Raises:
        ValueError: empty label.
        NoAccessError: no such visible run, or ``scope`` may not change it.
    """
    label = label.strip()
    if not label:
        raise ValueError("a run label cannot be empty")
    scope = resolve(scope)
    with store.transaction() as cur:
        before = trash.changeable(cur, scope, "run", run_id)
        cur.execute("UPDATE runs SET label = ? WHERE run_id = ?", [label, run_id])
        audit.record(cur, scope.identity, before["workspace"], "rename", "run", run_id, before, {"label": label})


def delete_run(store: Store, run_id: int, *, scope: Scope | None = None) -> None:
    """Soft-delete a run (``storage.trash.soft_delete``): hidden from every query at once,
    restorable by an admin with :func:`restore_run` until :func:`purge_deleted` removes it after
    the retention window.

    Raises:
        NoAccessError: no such visible run, or ``scope`` may not delete it (a viewer never may).
    """
    trash.soft_delete(store, "run", run_id, scope=scope)


def restore_run(store: Store, run_id: int, *, scope: Scope | None = None) -> None:
    """Undo :func:`delete_run` (admins of the run's workspace), with an audit row.

    Raises:
        NoAccessError: no such deleted run in a workspace where ``scope`` is admin.
        ValueError: deleted longer ago than :func:`retention_days` (due for :func:`purge_deleted`).
    """
    trash.restore(store, "run", run_id, scope=scope)


def deleted_runs(store: Store, *, scope: Scope | None = None) -> pd.DataFrame:
    """Soft-deleted runs of the workspaces where ``scope`` is admin: run_id, label, model,
    benchmark, harness, workspace, created_by, deleted_at, deleted_by (newest deletion first)."""
    return trash.deleted(store, "run", scope=scope)


def purge_deleted(store: Store, *, older_than: timedelta | None = None, actor: str = "retention") -> list[int]:
    """Remove for good the runs soft-deleted more than ``older_than`` ago (default
    :func:`retention_days`), with their rows and the files that belong to no other run
    (``storage.trash.purge``). Returns the run ids purged."""
    return trash.purge(store, "run", older_than=older_than, actor=actor)


def store_totals(store: Store, *, scope: Scope | None = None) -> dict[str, int]:
    """Row counts of the runs visible to ``scope``: runs, files, niah_trials, task_scores, samples."""
    visible, params = visible_sql(scope)
    row = store.cursor().execute(
        f"""WITH v AS (SELECT run_id FROM runs WHERE {visible})
            SELECT (SELECT count(*) FROM v),
                   (SELECT count(DISTINCT file_id) FROM run_files WHERE run_id IN (SELECT run_id FROM v)),
                   (SELECT count(*) FROM niah_trials WHERE run_id IN (SELECT run_id FROM v)),
                   (SELECT count(*) FROM task_scores WHERE run_id IN (SELECT run_id FROM v)),
                   (SELECT count(*) FROM samples WHERE run_id IN (SELECT run_id FROM v))""", params
    ).fetchone()
    return dict(zip(("runs", "files", "niah_trials", "task_scores", "samples"), row))


def check_visible(store: Store, ids: list[int], *, scope: Scope | None = None, table: str = "runs") -> None:
    """Raise :class:`NoAccessError` unless every id of ``table`` (``runs``, ``probe_runs``,
    ``traceback_runs``) in ``ids`` is visible to ``scope`` (a permalink's ids, checked before a
    page draws anything)."""
    require_visible(store.cursor(), scope, ids, table=table)


def count_visible(store: Store, *, scope: Scope | None = None) -> int:
    """How many runs ``scope`` sees (soft-deleted runs not counted)."""
    visible, params = visible_sql(scope)
    return int(store.cursor().execute(f"SELECT count(*) FROM runs WHERE {visible}", params).fetchone()[0])
