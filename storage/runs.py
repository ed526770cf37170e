"""Runs: list with provenance, rename, delete (every SQL statement about the ``runs`` table)."""
from __future__ import annotations

import json

import pandas as pd

from storage.db import Store


def list_runs(store: Store) -> pd.DataFrame:
    """One row per run with its provenance and row counts.

    Columns: run_id, label, model, model_source, benchmark, harness, evaluator, score_scale,
    length_unit, tokenizer, created_at, n_files, n_trials, n_task_scores, n_samples,
    n_scored_samples, files (first file path), config (dict). Sorted by run_id.
    """
    df = store.cursor().execute(
        """
        SELECT r.run_id, r.label, r.model, r.model_source, r.benchmark, r.harness, r.evaluator,
               r.score_scale, r.length_unit, r.tokenizer, r.created_at,
               coalesce(f.n_files, 0) AS n_files,
               coalesce(t.n, 0) AS n_trials,
               coalesce(s.n, 0) AS n_task_scores,
               coalesce(p.n, 0) AS n_samples,
               coalesce(p.n_scored, 0) AS n_scored_samples,
               f.first_path AS files,
               r.config
        FROM runs r
        LEFT JOIN (SELECT rf.run_id, count(*) AS n_files, min(fl.path) AS first_path
                   FROM run_files rf JOIN files fl USING (file_id) GROUP BY rf.run_id) f USING (run_id)
        LEFT JOIN (SELECT run_id, count(*) AS n FROM niah_trials GROUP BY run_id) t USING (run_id)
        LEFT JOIN (SELECT run_id, count(*) AS n FROM task_scores GROUP BY run_id) s USING (run_id)
        LEFT JOIN (SELECT run_id, count(*) AS n, count(score) AS n_scored FROM samples GROUP BY run_id) p USING (run_id)
        ORDER BY r.run_id
        """
    ).df()
    df["config"] = [json.loads(c) if isinstance(c, str) else (c or {}) for c in df["config"]]
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
    with store.transaction() as cur:
        n = cur.execute("UPDATE runs SET label = ? WHERE run_id = ? RETURNING run_id", [label, run_id]).fetchall()
    if not n:
        raise ValueError(f"no run with id {run_id}")


def delete_run(store: Store, run_id: int) -> None:
    """Delete a run, its rows, and the files that belong to no other run (one transaction).

    Deleted files can be ingested again afterwards.
    """
    with store.transaction() as cur:
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


def store_totals(store: Store) -> dict[str, int]:
    """Row counts of the store: runs, files, niah_trials, task_scores, samples."""
    row = store.cursor().execute(
        """SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM files), (SELECT count(*) FROM niah_trials),
                  (SELECT count(*) FROM task_scores), (SELECT count(*) FROM samples)"""
    ).fetchone()
    return dict(zip(("runs", "files", "niah_trials", "task_scores", "samples"), row))
