"""Needle-in-a-haystack queries: the heatmap aggregate and a cell's trials."""
from __future__ import annotations

import pandas as pd

from storage.db import Store

#: repeats policy for the heatmap: every trial, or only trial 0 of each cell
TRIALS_ALL, TRIALS_FIRST = "all", "first"


def niah_runs(store: Store) -> pd.DataFrame:
    """Runs that have NIAH trials: run_id, label, model, benchmark, harness, score_scale,
    length_unit, tokenizer, n_trials, n_lengths, n_depths, max_trial (0 = no repeats)."""
    return store.cursor().execute(
        """SELECT r.run_id, r.label, r.model, r.benchmark, r.harness, r.score_scale, r.length_unit,
                  r.tokenizer, t.n_trials, t.n_lengths, t.n_depths, t.max_trial
           FROM runs r JOIN (SELECT run_id, count(*) AS n_trials,
                                    count(DISTINCT context_length) AS n_lengths,
                                    count(DISTINCT depth_percent) AS n_depths,
                                    max(trial) AS max_trial
                             FROM niah_trials GROUP BY run_id) t USING (run_id)
           ORDER BY r.run_id"""
    ).df()


def heatmap_cells(store: Store, run_ids: list[int], trials: str = TRIALS_ALL) -> pd.DataFrame:
    """Mean normalised score per (run, context length, depth percent) cell.

    Args:
        run_ids: runs to aggregate.
        trials: :data:`TRIALS_ALL` (mean over repeats) or :data:`TRIALS_FIRST` (trial 0 only).

    Returns:
        Columns run_id, context_length, depth_percent, n (trials in the cell), mean_score (0..1,
        NULL when no trial has a score), raw_counts (``{raw score: count}``, for the hover).
        Cells with no trial are absent (a gap, never a 0).
    """
    if trials not in (TRIALS_ALL, TRIALS_FIRST):
        raise ValueError(f"trials must be {TRIALS_ALL!r} or {TRIALS_FIRST!r}")
    first_only = "AND trial = 0" if trials == TRIALS_FIRST else ""
    # two-stage: count per (cell, raw score) first, then fold into one row per cell; faster than
    # histogram() over the trials (benchmarks/ingest_and_query.py part b)
    return store.cursor().execute(
        f"""SELECT run_id, context_length, depth_percent, sum(c)::BIGINT AS n,
                   sum(s) / nullif(sum(c_scored), 0) AS mean_score,
                   map_from_entries(list(struct_pack(k := score_raw, v := c)) FILTER (score_raw IS NOT NULL))
                     AS raw_counts
            FROM (SELECT run_id, context_length, depth_percent, score_raw, count(*) AS c,
                         count(score) AS c_scored, sum(score) AS s
                  FROM niah_trials
                  WHERE run_id IN (SELECT unnest(?)) {first_only}
                  GROUP BY ALL)
            GROUP BY ALL
            ORDER BY run_id, context_length, depth_percent""",
        [list(run_ids)],
    ).df()


def cell_trials(store: Store, run_id: int, context_length: int, depth_percent: float) -> pd.DataFrame:
    """Trials of one heatmap cell: trial, version, score_raw, score, needle, response, source_file."""
    return store.cursor().execute(
        """SELECT trial, version, score_raw, score, needle, response, source_file
           FROM niah_trials
           WHERE run_id = ? AND context_length = ? AND depth_percent = ?
           ORDER BY trial""",
        [run_id, context_length, depth_percent],
    ).df()
