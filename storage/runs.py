"""Runs: the one list of runs (with options), a run's files, rename, soft delete / restore / purge,
store totals (every SQL statement about the ``runs``, ``files`` and ``run_files`` tables outside
ingest). Every function is filtered by a :class:`storage.scope.Scope`."""
from __future__ import annotations

import os
from datetime import datetime, timedelta

import pandas as pd

from storage import audit
from storage.db import Store
from storage.json_column import from_json
from storage.scope import ADMIN, NoAccessError, Scope, require_visible, resolve, visible_sql

#: days a soft-deleted run can be restored before :func:`purge_deleted` removes it
#: (``$LONGSCOPE_RETENTION_DAYS``, default 30)
DEFAULT_RETENTION_DAYS = 30


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


def _changeable(cur, scope: Scope, run_id: int, *, deleted: bool = False) -> dict:
    """The run's before-state (a dict) once ``scope`` may change it (admin of its workspace, or the
    member who created it); ``deleted``: look among soft-deleted runs instead.

    Raises:
        NoAccessError: absent, not visible, or the scope's role does not allow the change.
    """
    row = cur.execute(
        f"""SELECT run_id, label, model, benchmark, harness, workspace, created_by, created_at, deleted_at
            FROM runs WHERE run_id = ? AND deleted_at IS {"NOT " if deleted else ""}NULL""", [run_id]).fetchone()
    before = dict(zip(("run_id", "label", "model", "benchmark", "harness", "workspace", "created_by",
                       "created_at", "deleted_at"), row)) if row else None
    if before is None or scope.role(before["workspace"]) is None:
        raise NoAccessError(f"no access to run {run_id} (absent, deleted, or in a workspace you are not a member of)")
    if not (scope.allows(before["workspace"], ADMIN) if deleted else scope.may_change(before["workspace"], before["created_by"])):
        raise NoAccessError(f"{scope.identity} may not change run {run_id}: "
                            + ("restoring needs the admin role" if deleted else
                               "a viewer cannot, a member only changes the runs they created"))
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in before.items()}


def stored_labels(store: Store) -> set[tuple[str, str]]:
    """``(label, benchmark)`` of every stored run (soft-deleted ones too: they can be restored), of
    every workspace: a new run's default label differs from those of its benchmark
    (``storage.run_labels``)."""
    return {(r[0], r[1]) for r in store.cursor().execute("SELECT DISTINCT label, benchmark FROM runs").fetchall()}


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
        before = _changeable(cur, scope, run_id)
        cur.execute("UPDATE runs SET label = ? WHERE run_id = ?", [label, run_id])
        audit.record(cur, scope.identity, before["workspace"], "rename", "run", run_id, before, {"label": label})


def delete_run(store: Store, run_id: int, *, scope: Scope | None = None) -> None:
    """Soft-delete a run: hidden from every query at once, restorable by an admin with
    :func:`restore_run` until :func:`purge_deleted` removes it after the retention window.

    Raises:
        NoAccessError: no such visible run, or ``scope`` may not delete it (a viewer never may).
    """
    scope = resolve(scope)
    with store.transaction() as cur:
        before = _changeable(cur, scope, run_id)
        cur.execute("UPDATE runs SET deleted_at = current_timestamp, deleted_by = ? WHERE run_id = ?",
                    [scope.identity, run_id])
        audit.record(cur, scope.identity, before["workspace"], "delete", "run", run_id, before)


def restore_run(store: Store, run_id: int, *, scope: Scope | None = None) -> None:
    """Undo :func:`delete_run` (admins of the run's workspace), with an audit row.

    Raises:
        NoAccessError: no such deleted run in a workspace where ``scope`` is admin.
        ValueError: deleted longer ago than :func:`retention_days` (due for :func:`purge_deleted`).
    """
    scope = resolve(scope)
    with store.transaction() as cur:
        before = _changeable(cur, scope, run_id, deleted=True)
        if datetime.fromisoformat(before["deleted_at"]) < datetime.now() - timedelta(days=retention_days()):
            raise ValueError(f"run {run_id} was deleted more than {retention_days()} days ago: past the retention "
                             "window, it can no longer be restored")
        cur.execute("UPDATE runs SET deleted_at = NULL, deleted_by = NULL WHERE run_id = ?", [run_id])
        audit.record(cur, scope.identity, before["workspace"], "restore", "run", run_id, before)


def deleted_runs(store: Store, *, scope: Scope | None = None) -> pd.DataFrame:
    """Soft-deleted runs of the workspaces where ``scope`` is admin: run_id, label, model,
    benchmark, workspace, created_by, deleted_at, deleted_by (newest deletion first)."""
    scope = resolve(scope)
    admin_of = None if scope.every_workspace else [w for w in scope.workspaces if scope.allows(w, ADMIN)]
    return store.cursor().execute(
        """SELECT run_id, label, model, benchmark, workspace, created_by, deleted_at, deleted_by FROM runs
           WHERE deleted_at IS NOT NULL AND (?::VARCHAR[] IS NULL OR workspace IN (SELECT unnest(?::VARCHAR[])))
           ORDER BY deleted_at DESC""", [admin_of, admin_of]).df()


def retention_days() -> int:
    """Days a deleted run stays restorable: ``$LONGSCOPE_RETENTION_DAYS`` (default 30)."""
    return int(os.environ.get("LONGSCOPE_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)


def purge_deleted(store: Store, *, older_than: timedelta | None = None, actor: str = "retention") -> list[int]:
    """Remove for good the runs soft-deleted more than ``older_than`` ago (default
    :func:`retention_days`): their rows, and the files that belong to no other run, so those files
    can be ingested again. One transaction, one audit row per run.

    Returns:
        The run ids purged.
    """
    cutoff = datetime.now() - (older_than if older_than is not None else timedelta(days=retention_days()))
    with store.transaction() as cur:
        gone = cur.execute("SELECT run_id, workspace, label FROM runs WHERE deleted_at IS NOT NULL AND deleted_at <= ?",
                           [cutoff]).fetchall()
        for run_id, workspace, label in gone:
            for table in ("niah_trials", "task_scores", "samples"):
                cur.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
            cur.execute(
                """DELETE FROM files WHERE file_id IN (
                       SELECT file_id FROM run_files WHERE run_id = ?
                       EXCEPT SELECT file_id FROM run_files WHERE run_id <> ?)""",
                [run_id, run_id],
            )
            cur.execute("DELETE FROM run_files WHERE run_id = ?", [run_id])
            cur.execute("DELETE FROM runs WHERE run_id = ?", [run_id])
            audit.record(cur, actor, workspace, "purge", "run", run_id, {"label": label})
    return [r[0] for r in gone]


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
