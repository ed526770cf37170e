"""Read queries behind the analysis pages (degradation, effective length, depth, correlation,
compare runs, published-number check). Every statement aggregates in DuckDB and returns a small
pandas frame; the statistics are computed by ``analysis/``.

Scores are the store's normalised column (0..1 for bounded scales; perplexity stays raw).
"""
from __future__ import annotations

import json

import pandas as pd

from storage.db import Store
from storage.scales import metric_kind_sql


def store_version(store: Store) -> tuple:
    """A cheap fingerprint that changes whenever runs or rows are added, renamed or deleted
    (for cache keys): (runs, max run id, files, hash of labels and models)."""
    return tuple(store.cursor().execute(
        """SELECT (SELECT count(*) FROM runs), (SELECT max(run_id) FROM runs), (SELECT count(*) FROM files),
                  (SELECT hash(string_agg(coalesce(label, '') || '|' || coalesce(model, ''), ',' ORDER BY run_id))
                   FROM runs)"""
    ).fetchone())


def runs_overview(store: Store) -> pd.DataFrame:
    """One row per run: run_id, label, model, benchmark, harness, evaluator, score_scale, length_unit,
    tokenizer, config (dict), kind ('trials' | 'samples' | 'tasks' | 'empty': which table holds its
    scores, in that order of preference), tasks (number of distinct tasks). Sorted by run_id."""
    df = store.cursor().execute(
        """
        WITH t AS (SELECT DISTINCT run_id FROM niah_trials),
             s AS (SELECT run_id, count(DISTINCT task) AS n FROM samples WHERE score IS NOT NULL GROUP BY run_id),
             k AS (SELECT run_id, count(DISTINCT task) AS n FROM task_scores GROUP BY run_id)
        SELECT r.run_id, r.label, r.model, r.benchmark, r.harness, r.evaluator, r.score_scale, r.length_unit,
               r.tokenizer, r.config,
               CASE WHEN t.run_id IS NOT NULL THEN 'trials' WHEN s.run_id IS NOT NULL THEN 'samples'
                    WHEN k.run_id IS NOT NULL THEN 'tasks' ELSE 'empty' END AS kind,
               CASE WHEN t.run_id IS NOT NULL THEN 1 ELSE coalesce(k.n, s.n, 0) END AS tasks
        FROM runs r LEFT JOIN t USING (run_id) LEFT JOIN s USING (run_id) LEFT JOIN k USING (run_id)
        ORDER BY r.run_id
        """
    ).df()
    df["config"] = [json.loads(c) if isinstance(c, str) else (c or {}) for c in df["config"]]
    return df


def length_observations(store: Store, run_ids: list[int]) -> pd.DataFrame:
    """Scores by context length for the given runs, compressed to (value, count) histograms.

    Each run contributes from one table, in this order: NIAH trials (one observation per trial),
    scored samples with a length (one per sample), task scores with a length (one per task).

    Columns: run_id, source ('trials' | 'samples' | 'tasks'), task, stratum (task for samples,
    '' otherwise: the bootstrap resamples within strata), length_value (DOUBLE or NaN),
    length_label (str or None), length_unit, tokenizer, metric_kind ('score' for 0..1 scores |
    'perplexity'), value, count. Measures (memory, throughput) are not scores by length: left out.
    """
    if not run_ids:
        return _empty(["run_id", "source", "task", "stratum", "length_value", "length_label", "length_unit",
                       "tokenizer", "metric_kind", "value", "count"])
    return store.cursor().execute(
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


def depth_observations(store: Store, run_ids: list[int]) -> pd.DataFrame:
    """NIAH trials by (context length, depth percent), compressed to (score, count) histograms.

    Columns: run_id, context_length, length_unit, depth_percent, value (0..1 score), count.
    """
    if not run_ids:
        return _empty(["run_id", "context_length", "length_unit", "depth_percent", "value", "count"])
    return store.cursor().execute(
        """SELECT run_id, context_length, length_unit, depth_percent, score AS value, count(*) AS count
           FROM niah_trials WHERE run_id IN (SELECT unnest(?)) AND score IS NOT NULL
           GROUP BY ALL ORDER BY ALL""",
        [list(map(int, run_ids))],
    ).df()


def task_means(store: Store) -> pd.DataFrame:
    """Mean 0..1 score per run and task over all lengths, for the correlation matrix.

    NIAH runs give one task named after the benchmark; runs with task scores use them; runs with
    only scored samples use the sample mean per task. Perplexity is left out (not a 0..1 score).

    Columns: run_id, model, label, benchmark, task, value, n (rows averaged).
    """
    return store.cursor().execute(
        f"""
        WITH trial_runs AS (SELECT DISTINCT run_id FROM niah_trials),
             score_runs AS (SELECT DISTINCT run_id FROM task_scores)
        SELECT r.run_id, r.model, r.label, r.benchmark, x.task, x.value, x.n FROM (
            SELECT run_id, NULL AS task, avg(score) AS value, count(score) AS n FROM niah_trials GROUP BY run_id
            UNION ALL
            SELECT run_id, task, avg(value), count(value) FROM task_scores
            WHERE {metric_kind_sql('scale')} = 'score' AND run_id NOT IN (SELECT run_id FROM trial_runs) GROUP BY ALL
            UNION ALL
            SELECT run_id, task, avg(score), count(score) FROM samples
            WHERE {metric_kind_sql('scale')} = 'score' AND score IS NOT NULL
              AND run_id NOT IN (SELECT run_id FROM trial_runs) AND run_id NOT IN (SELECT run_id FROM score_runs)
            GROUP BY ALL
        ) x JOIN runs r USING (run_id)
        WHERE x.value IS NOT NULL
        ORDER BY r.run_id, x.task
        """
    ).df().assign(task=lambda d: d["task"].fillna(d["benchmark"]))


def run_cells(store: Store, run_id: int) -> pd.DataFrame:
    """A run's scores on a grid of cells, for the diff heatmap.

    NIAH runs: row = depth percent, column = context length, value = mean 0..1 score, n = trials.
    Other runs: row = task, column = length label (or value, or 'all'), value = the task score
    (0..1, or perplexity), n = samples behind it. Measures (memory, throughput) are left out.

    Columns: row, column, column_order (numeric for sorting), value, n.
    """
    return store.cursor().execute(
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


def paired_outcomes(store: Store, baseline: int, candidate: int) -> pd.DataFrame:
    """Per-item scores of two runs joined on the same item.

    Samples are paired on (task, row_index) - row order within the task's file, since harness ids
    are not always unique (RULER reuses ``ID``); NIAH trials on (context_length, depth_percent,
    trial). Only items both runs scored are returned.

    Columns: item_kind ('sample' | 'trial'), task, item, baseline, candidate (0..1 scores).
    """
    return store.cursor().execute(
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


def sample_scorers(store: Store, run_id: int) -> list[str]:
    """Distinct per-sample scoring rules recorded for a run ('from the file' when NULL)."""
    rows = store.cursor().execute(
        "SELECT DISTINCT coalesce(scorer, 'from the file') FROM samples WHERE run_id = ? ORDER BY 1", [run_id]
    ).fetchall()
    return [r[0] for r in rows]


def run_task_scores(store: Store, run_ids: list[int]) -> pd.DataFrame:
    """Task scores of the given runs for the published-number check.

    Columns: run_id, task, length_value, length_label, metric, scale, value_raw, value, n_samples.
    Measures (memory, throughput: ``storage.scales.MEASURE_SCALES``) are left out. Samples-only runs contribute their per-task sample means (metric 'mean sample score', scale
    'frac_0_1').
    """
    if not run_ids:
        return _empty(["run_id", "task", "length_value", "length_label", "metric", "scale", "value_raw", "value",
                       "n_samples"])
    return store.cursor().execute(
        f"""
        SELECT run_id, task, length_value, length_label, metric, scale, value_raw, value, n_samples
        FROM task_scores WHERE run_id IN (SELECT unnest(?)) AND {metric_kind_sql('scale')} <> 'measure'
        UNION ALL
        SELECT run_id, task, length_value, length_label, 'mean sample score', 'frac_0_1', avg(score), avg(score),
               count(score)
        FROM samples WHERE run_id IN (SELECT unnest(?)) AND score IS NOT NULL
              AND run_id NOT IN (SELECT run_id FROM task_scores)
        GROUP BY run_id, task, length_value, length_label
        ORDER BY 1, 3, 2
        """,
        [list(map(int, run_ids))] * 2,
    ).df()


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in columns})


def point_rows(store: Store, run_id: int, length_value: float | None, length_label: str | None,
               limit: int = 500) -> pd.DataFrame:
    """The trials or samples behind one (run, length) point, for drill-down.

    Columns: task, item (depth/trial or row index), score (0..1), prediction (model response),
    reference (needle or reference answer). At most ``limit`` rows, lowest scores first.
    """
    return store.cursor().execute(
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


def depth_rows(store: Store, run_id: int, depth_percent: float, length_low: float, length_high: float,
               limit: int = 500) -> pd.DataFrame:
    """The NIAH trials behind one depth point (a depth within a band of context lengths).

    Columns: context_length, depth_percent, trial, score_raw, score (0..1), needle, response.
    """
    return store.cursor().execute(
        """SELECT context_length, depth_percent, trial, score_raw, score, needle, response FROM niah_trials
           WHERE run_id = ? AND depth_percent = ? AND context_length BETWEEN ? AND ?
           ORDER BY score, context_length, trial LIMIT ?""",
        [run_id, depth_percent, length_low, length_high, limit],
    ).df()
