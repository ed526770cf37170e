"""NIAH trials (``niah_trials``): the heatmap aggregate, a cell's trials, trials by depth."""
from __future__ import annotations

import pandas as pd

from storage.db import Store
from storage.scope import Scope, require_visible
from storage.frames import empty_frame

#: repeats policy for the heatmap: every trial, or only trial 0 of each cell
TRIALS_ALL, TRIALS_FIRST = "all", "first"


def heatmap_cells(store: Store, run_ids: list[int], trials: str = TRIALS_ALL, *, scope: Scope | None = None) -> pd.DataFrame:
    """Mean normalised score per (run, context length, depth percent) cell.

    Args:
        run_ids: runs to aggregate.
        trials: :data:`TRIALS_ALL` (mean over repeats) or :data:`TRIALS_FIRST` (trial 0 only).

    Returns:
        Columns run_id, context_length, depth_percent, n (trials in the cell), n_not_evaluated
        (trials stored with an error and no score, left out of the mean), mean_score (0..1, NULL
        when no trial has a score), raw_counts (``{raw score: count}``, for the hover),
        mean_needle_recall (0..1 mean of ``storage.needle_match``'s needle recall over the trials
        that have one, NULL when none has a needle and a response).
        Cells with no trial are absent (a gap, never a 0).
    """
    if trials not in (TRIALS_ALL, TRIALS_FIRST):
        raise ValueError(f"trials must be {TRIALS_ALL!r} or {TRIALS_FIRST!r}")
    first_only = "AND trial = 0" if trials == TRIALS_FIRST else ""
    # two-stage: count per (cell, raw score) first, then fold into one row per cell; faster than
    # histogram() over the trials (benchmarks/ingest_and_query.py part b)
    cur = store.cursor()
    require_visible(cur, scope, run_ids)
    return cur.execute(
        f"""SELECT run_id, context_length, depth_percent, sum(c)::BIGINT AS n,
                   coalesce(sum(c) FILTER (WHERE score_raw IS NULL), 0)::BIGINT AS n_not_evaluated,
                   sum(s) / nullif(sum(c_scored), 0) AS mean_score,
                   sum(nr) / nullif(sum(c_nr), 0) AS mean_needle_recall,
                   map_from_entries(list(struct_pack(k := score_raw, v := c)) FILTER (score_raw IS NOT NULL))
                     AS raw_counts
            FROM (SELECT run_id, context_length, depth_percent, score_raw, count(*) AS c,
                         count(score) AS c_scored, sum(score) AS s,
                         count(needle_recall) AS c_nr, sum(needle_recall) AS nr
                  FROM niah_trials
                  WHERE run_id IN (SELECT unnest(?)) {first_only}
                  GROUP BY ALL)
            GROUP BY ALL
            ORDER BY run_id, context_length, depth_percent""",
        [list(run_ids)],
    ).df()


def heatmap_run_summaries(store: Store, run_ids: list[int], trials: str = TRIALS_ALL, *,
                          scope: Scope | None = None) -> pd.DataFrame:
    """Per run, the totals ``analysis.heatmap.run_summaries`` computes from ``heatmap_cells``, in one
    aggregate query (for runs whose grid is not drawn: 288 runs of 1,225 cells in ~0.3 s instead of
    ~4 s to fetch every cell).

    Args:
        run_ids: runs to summarise.
        trials: :data:`TRIALS_ALL` or :data:`TRIALS_FIRST` (trial 0 only), as in :func:`heatmap_cells`.

    Returns:
        Index run_id (ascending); columns mean_score (trial-weighted mean of the normalised 0..1
        scores; trials not evaluated weigh nothing; NaN when none is scored), cells (distinct
        (context length, depth percent) with a trial), trials, missing_cells (distinct lengths x
        distinct depths - cells).

    Raises:
        ValueError: ``trials`` is neither mode.
    """
    if trials not in (TRIALS_ALL, TRIALS_FIRST):
        raise ValueError(f"trials must be {TRIALS_ALL!r} or {TRIALS_FIRST!r}")
    first_only = "AND trial = 0" if trials == TRIALS_FIRST else ""
    cur = store.cursor()
    require_visible(cur, scope, run_ids)
    out = cur.execute(
        f"""SELECT run_id, avg(score) AS mean_score,
                   count(DISTINCT (context_length, depth_percent))::BIGINT AS cells, count(*)::BIGINT AS trials,
                   (count(DISTINCT context_length) * count(DISTINCT depth_percent)
                    - count(DISTINCT (context_length, depth_percent)))::BIGINT AS missing_cells
            FROM niah_trials
            WHERE run_id IN (SELECT unnest(?)) {first_only}
            GROUP BY run_id ORDER BY run_id""",
        [list(run_ids)],
    ).df()
    return out.set_index("run_id").astype({"cells": int, "trials": int, "missing_cells": int})


def cell_trials(store: Store, run_id: int, context_length: int, depth_percent: float, *, scope: Scope | None = None) -> pd.DataFrame:
    """Trials of one heatmap cell: trial, version, score_raw, score, needle_recall, needle, response,
    source_file."""
    cur = store.cursor()
    require_visible(cur, scope, [run_id])
    return cur.execute(
        """SELECT trial, version, score_raw, score, needle_recall, needle, response, source_file
           FROM niah_trials
           WHERE run_id = ? AND context_length = ? AND depth_percent = ?
           ORDER BY trial""",
        [run_id, context_length, depth_percent],
    ).df()


def depth_observations(store: Store, run_ids: list[int], *, scope: Scope | None = None) -> pd.DataFrame:
    """NIAH trials by (context length, depth percent), compressed to (score, count) histograms.

    Columns: run_id, context_length, length_unit, depth_percent, value (0..1 score), count.
    """
    if not run_ids:
        return empty_frame(["run_id", "context_length", "length_unit", "depth_percent", "value", "count"])
    cur = store.cursor()
    require_visible(cur, scope, run_ids)
    return cur.execute(
        """SELECT run_id, context_length, length_unit, depth_percent, score AS value, count(*) AS count
           FROM niah_trials WHERE run_id IN (SELECT unnest(?)) AND score IS NOT NULL
           GROUP BY ALL ORDER BY ALL""",
        [list(map(int, run_ids))],
    ).df()


def depth_rows(store: Store, run_id: int, depth_percent: float, length_low: float, length_high: float,
               limit: int = 500, *, scope: Scope | None = None) -> pd.DataFrame:
    """The NIAH trials behind one depth point (a depth within a band of context lengths).

    Columns: context_length, depth_percent, trial, score_raw, score (0..1), needle, response.
    """
    cur = store.cursor()
    require_visible(cur, scope, [run_id])
    return cur.execute(
        """SELECT context_length, depth_percent, trial, score_raw, score, needle, response FROM niah_trials
           WHERE run_id = ? AND depth_percent = ? AND context_length BETWEEN ? AND ?
           ORDER BY score, context_length, trial LIMIT ?""",
        [run_id, depth_percent, length_low, length_high, limit],
    ).df()
