"""A run's scores wherever they are stored, one source per run (NIAH trials, else scored
samples, else task scores): by context length, on a grid of cells, paired per item, and the rows
behind one point. Every statement aggregates in DuckDB and returns a small pandas frame; the
statistics are computed by ``analysis/``.

Scores are the store's normalised column (0..1 for bounded scales; perplexity stays raw).
"""
from __future__ import annotations

import pandas as pd

from storage.db import Store
from storage.scope import Scope, require_visible
from storage.frames import empty_frame
from storage.scales import metric_kind_sql


def length_observations(store: Store, run_ids: list[int], truncated: str = "exclude", *,
                        scope: Scope | None = None) -> pd.DataFrame:
    """Scores by context length for the given runs, compressed to (value, count) histograms.

    Each run contributes from one table, in this order: NIAH trials (one observation per trial),
    scored samples with a length (one per sample), task scores with a length (one per task).

    Columns: run_id, source ('trials' | 'samples' | 'tasks'), task, stratum (task for samples,
    '' otherwise: the bootstrap resamples within strata), length_value (DOUBLE or NaN),
    length_label (str or None), length_unit, tokenizer, metric_kind ('score' for 0..1 scores |
    'perplexity'), value, count. Measures (memory, throughput) are not scores by length: left out.
    Samples whose input exceeded the model window (``extra.over_window``) are always left out;
    samples the harness cut to its prompt budget (``extra.truncated_to``) are left out with
    ``truncated="exclude"`` (default) and kept at their own length with ``"keep"``.

    Raises:
        ValueError: ``truncated`` is not "exclude" or "keep".
    """
    if truncated not in ("exclude", "keep"):
        raise ValueError(f"truncated must be 'exclude' or 'keep', got {truncated!r}")
    if not run_ids:
        return empty_frame(["run_id", "source", "task", "stratum", "length_value", "length_label", "length_unit",
                       "tokenizer", "metric_kind", "value", "count"])
    cur = store.cursor()
    require_visible(cur, scope, run_ids)
    return cur.execute(
        f"""
        WITH sel AS (SELECT * FROM runs WHERE run_id IN (SELECT unnest(?))),
        trial_runs AS (SELECT DISTINCT run_id FROM niah_trials WHERE run_id IN (SELECT run_id FROM sel)),
        sample_runs AS (SELECT DISTINCT run_id FROM samples
                        WHERE run_id IN (SELECT run_id FROM sel) AND score IS NOT NULL
                          AND (length_value IS NOT NULL OR length_label IS NOT NULL)
                          AND run_id NOT IN (SELECT run_id FROM trial_runs))
        SELECT t.run_id, 'trials' AS source, r.benchmark AS task, '' AS stratum,
               t.context_length::DOUBLE AS length_value, NULL::VARCHAR AS length_label, t.length_unit,
               r.tokenizer, 'score' AS metric_kind, t.score AS value, count(*) AS count
        FROM niah_trials t JOIN sel r USING (run_id) WHERE t.score IS NOT NULL
        GROUP BY ALL
        UNION ALL
        SELECT s.run_id, 'samples', s.task, s.task, s.length_value, s.length_label, coalesce(r.length_unit, 'unknown'),
               r.tokenizer, {metric_kind_sql('s.scale')}, s.score, count(*)
        FROM samples s JOIN sel r USING (run_id)
        WHERE s.run_id IN (SELECT run_id FROM sample_runs) AND s.score IS NOT NULL
          AND (s.length_value IS NOT NULL OR s.length_label IS NOT NULL)
          AND (s.extra IS NULL OR (json_extract(s.extra, '$.over_window') IS NULL
                                   {"" if truncated == "keep" else "AND json_extract(s.extra, '$.truncated_to') IS NULL"}))
        GROUP BY ALL
        UNION ALL
        SELECT k.run_id, 'tasks', k.task, '', k.length_value, k.length_label, coalesce(r.length_unit, 'unknown'),
               r.tokenizer, {metric_kind_sql('k.scale')}, k.value, 1
        FROM task_scores k JOIN sel r USING (run_id)
        WHERE k.run_id NOT IN (SELECT run_id FROM trial_runs) AND k.run_id NOT IN (SELECT run_id FROM sample_runs)
          AND k.value IS NOT NULL AND (k.length_value IS NOT NULL OR k.length_label IS NOT NULL)
          AND {metric_kind_sql('k.scale')} <> 'measure'
        ORDER BY 1, 5, 6, 3, 10
        """,
        [list(map(int, run_ids))],
    ).df()


def run_cells(store: Store, run_id: int, *, scope: Scope | None = None) -> pd.DataFrame:
    """A run's scores on a grid of cells, for the diff heatmap.

    NIAH runs: row = depth percent, column = context length, value = mean 0..1 score, n = trials.
    Other runs: row = task, column = length label (or value, or 'all'), value = the task score
    (0..1, or perplexity), n = samples behind it. Measures (memory, throughput) are left out.

    Columns: row, column, column_order (numeric for sorting), value, n.
    """
    cur = store.cursor()
    require_visible(cur, scope, [run_id])
    return cur.execute(
        f"""
        SELECT depth_percent::VARCHAR AS row, context_length::VARCHAR AS column,
               context_length::DOUBLE AS column_order, depth_percent AS row_order, avg(score) AS value, count(score) AS n
        FROM niah_trials WHERE run_id = ? GROUP BY ALL
        UNION ALL
        SELECT task, coalesce(length_label, CAST(length_value AS BIGINT)::VARCHAR, 'all'),
               coalesce(length_value, 0), 0, avg(value), sum(n_samples)
        FROM task_scores WHERE run_id = ? AND value IS NOT NULL AND {metric_kind_sql('scale')} <> 'measure'
              AND NOT EXISTS (SELECT 1 FROM niah_trials WHERE run_id = ?)
        GROUP BY ALL
        UNION ALL
        SELECT task, coalesce(length_label, CAST(length_value AS BIGINT)::VARCHAR, 'all'),
               coalesce(length_value, 0), 0, avg(score), count(score)
        FROM samples WHERE run_id = ? AND score IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM niah_trials WHERE run_id = ?)
              AND NOT EXISTS (SELECT 1 FROM task_scores WHERE run_id = ?)
        GROUP BY ALL
        ORDER BY column_order, row_order, row
        """,
        [run_id] * 6,
    ).df()


def paired_outcomes(store: Store, baseline: int, candidate: int, *, scope: Scope | None = None) -> pd.DataFrame:
    """Per-item scores of two runs joined on the same item.

    Samples are paired on (task, row_index) - row order within the task's file, since harness ids
    are not always unique (RULER reuses ``ID``); NIAH trials on (context_length, depth_percent,
    trial). Only items both runs scored are returned.

    Columns: item_kind ('sample' | 'trial'), task, item, baseline, candidate (0..1 scores).
    """
    cur = store.cursor()
    require_visible(cur, scope, [baseline, candidate])
    return cur.execute(
        """
        SELECT 'sample' AS item_kind, a.task, a.row_index::VARCHAR AS item, a.score AS baseline, b.score AS candidate
        FROM samples a JOIN samples b ON a.task = b.task AND a.row_index = b.row_index
        WHERE a.run_id = ? AND b.run_id = ? AND a.score IS NOT NULL AND b.score IS NOT NULL
        UNION ALL
        SELECT 'trial', a.context_length::VARCHAR, a.depth_percent::VARCHAR || '%/' || a.trial::VARCHAR,
               a.score, b.score
        FROM niah_trials a JOIN niah_trials b
          ON a.context_length = b.context_length AND a.depth_percent = b.depth_percent AND a.trial = b.trial
        WHERE a.run_id = ? AND b.run_id = ? AND a.score IS NOT NULL AND b.score IS NOT NULL
        ORDER BY 1, 2, 3
        """,
        [baseline, candidate, baseline, candidate],
    ).df()


def point_rows(store: Store, run_id: int, length_value: float | None, length_label: str | None,
               limit: int = 500, *, scope: Scope | None = None) -> pd.DataFrame:
    """The trials or samples behind one (run, length) point, for drill-down.

    Columns: task, item (depth/trial or row index), score (0..1), prediction (model response),
    reference (needle or reference answer). At most ``limit`` rows, lowest scores first.
    """
    cur = store.cursor()
    require_visible(cur, scope, [run_id])
    return cur.execute(
        """
        SELECT * FROM (
            SELECT 'niah' AS task, depth_percent::VARCHAR || '% / trial ' || trial::VARCHAR AS item, score,
                   response AS prediction, needle AS reference
            FROM niah_trials WHERE run_id = ? AND context_length = ?
            UNION ALL
            SELECT task, row_index::VARCHAR, score, prediction, reference::VARCHAR
            FROM samples WHERE run_id = ? AND score IS NOT NULL
              AND (length_value = ? OR (? IS NULL AND length_label = ?))
              AND NOT EXISTS (SELECT 1 FROM niah_trials WHERE run_id = ?)
        ) ORDER BY score, task, item LIMIT ?
        """,
        [run_id, length_value, run_id, length_value, length_value, length_label, run_id, limit],
    ).df()


def flagged_samples(store: Store, run_ids: list[int], *, scope: Scope | None = None) -> pd.DataFrame:
    """Per run, samples the harness truncated and samples over the model window.

    Columns: run_id, truncated (samples with ``extra.truncated_to``), over_window (with
    ``extra.over_window``); only runs that have either.
    """
    cur = store.cursor()
    require_visible(cur, scope, run_ids)
    return cur.execute(
        """SELECT run_id, count(*) FILTER (WHERE json_extract(extra, '$.truncated_to') IS NOT NULL) AS truncated,
                  count(*) FILTER (WHERE json_extract(extra, '$.over_window') IS NOT NULL) AS over_window
           FROM samples WHERE run_id IN (SELECT unnest(?)) AND extra IS NOT NULL GROUP BY run_id
           HAVING truncated + over_window > 0 ORDER BY run_id""",
        [list(map(int, run_ids))],
    ).df()
