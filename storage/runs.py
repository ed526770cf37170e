"""Runs: the one list of runs (with options), a run's files, rename, delete, store totals
(every SQL statement about the ``runs``, ``files`` and ``run_files`` tables outside ingest)."""
from __future__ import annotations

import pandas as pd

from storage.db import Store
from storage.json_column import from_json


#: which table holds a run's scores, in this order of preference (``list_runs``'s ``kind``)
RUN_KINDS = ("trials", "samples", "tasks", "empty")


def list_runs(store: Store, *, kind: str | None = None, harness: str | None = None,
              newest_first: bool = False) -> pd.DataFrame:
    """One row per run with its provenance, what it holds and row counts.

    Args:
        kind: only runs of this kind (one of :data:`RUN_KINDS`; ``"trials"`` = the NIAH runs).
        harness: only runs of this harness (importer format, e.g. ``longscope_probe_niah``).
        newest_first: sort by run_id descending (default ascending).

    Returns:
        Columns run_id, label, model, model_source, benchmark, harness, evaluator, score_scale,
        length_unit, tokenizer, created_at, config (dict), kind ('trials' | 'samples' | 'tasks' |
        'empty': which table holds its scores, in that order of preference), tasks (distinct tasks
        scored; 1 for NIAH runs), n_files, files (first file path), n_trials (NIAH trials),
        n_task_scores, n_samples, n_scored_samples.

    Raises:
        ValueError: an unknown ``kind``.
    """
    if kind is not None and kind not in RUN_KINDS:
        raise ValueError(f"kind must be one of {', '.join(RUN_KINDS)}, not {kind!r}")
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
                   coalesce(p.n, 0) AS n_samples, coalesce(p.n_scored, 0) AS n_scored_samples
            FROM runs r
            LEFT JOIN (SELECT rf.run_id, count(*) AS n_files, min(fl.path) AS first_path
                       FROM run_files rf JOIN files fl USING (file_id) GROUP BY rf.run_id) f USING (run_id)
            LEFT JOIN (SELECT run_id, count(*) AS n FROM niah_trials GROUP BY run_id) t USING (run_id)
            LEFT JOIN (SELECT run_id, count(*) AS n, count(DISTINCT task) AS n_tasks
                       FROM task_scores GROUP BY run_id) s USING (run_id)
            LEFT JOIN (SELECT run_id, count(*) AS n, count(score) AS n_scored,
                              count(DISTINCT task) FILTER (score IS NOT NULL) AS n_scored_tasks
                       FROM samples GROUP BY run_id) p USING (run_id)
        )
        SELECT * FROM listed
        WHERE (?::VARCHAR IS NULL OR kind = ?) AND (?::VARCHAR IS NULL OR harness = ?)
        ORDER BY run_id {"DESC" if newest_first else ""}
        """,
        [kind, kind, harness, harness],
    ).df()
    df["config"] = [from_json(c, {}) for c in df["config"]]
    return df


def run_files(store: Store, run_id: int) -> pd.DataFrame:
    """Files of a run: file_id (sha256), name, path, format, size_bytes, ingested_at, uploaded_by."""
    return store.cursor().execute(
        """SELECT f.* FROM files f JOIN run_files rf USING (file_id) WHERE rf.run_id = ? ORDER BY f.path""",
        [run_id],
    ).df()


def rename_run(store: Store, run_id: int, label: str) -> None:
    """Set a run's display label.

    Raises:
        ValueError: empty label, or no such run.
    """
    label = label.strip()
    if not label:
        raise ValueError("a run label cannot be empty")
    def write(cur) -> int:
        if not cur.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id]).fetchone()[0]:
            return 0
        cur.execute("UPDATE runs SET label = ? WHERE run_id = ?", [label, run_id])
        return 1
    if not store.write(write):
        raise ValueError(f"no run with id {run_id}")


def delete_run(store: Store, run_id: int) -> None:
    """Delete a run, its rows, and the files that belong to no other run (one transaction).

    Deleted files can be ingested again afterwards.
    """
    def write(cur) -> None:
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
    store.write(write)


def store_totals(store: Store) -> dict[str, int]:
    """Row counts of the store: runs, files, niah_trials, task_scores, samples."""
    row = store.cursor().execute(
        """SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM files), (SELECT count(*) FROM niah_trials),
                  (SELECT count(*) FROM task_scores), (SELECT count(*) FROM samples)"""
    ).fetchone()
    return dict(zip(("runs", "files", "niah_trials", "task_scores", "samples"), row))
