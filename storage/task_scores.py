"""Scores per task (``task_scores``): a run's stored task scores, and mean 0..1 score per run and
task, computed from samples or NIAH trials where a run has no task scores."""
from __future__ import annotations

import pandas as pd

from storage.db import Store
from storage.scope import Scope, require_visible, visible_sql
from storage.frames import empty_frame
from storage.scales import metric_kind_sql


def run_task_scores(store: Store, run_ids: list[int], *, scope: Scope | None = None) -> pd.DataFrame:
    """Task scores of the given runs for the published-number check.

    Columns: run_id, task, length_value, length_label, metric, scale, value_raw, value, n_samples.
    Measures (memory, throughput: ``storage.scales.MEASURE_SCALES``) are left out. Samples-only runs
    contribute their per-task sample means (metric 'mean sample score', scale 'frac_0_1'); a task
    that has both a harness task score and scored samples is taken from its samples (the same source
    as ``storage.scores.length_observations``; ``analysis.summary_check``).
    """
    if not run_ids:
        return empty_frame(["run_id", "task", "length_value", "length_label", "metric", "scale", "value_raw", "value",
                       "n_samples"])
    cur = store.cursor()
    require_visible(cur, scope, run_ids)
    return cur.execute(
        f"""
        WITH scored AS (SELECT DISTINCT run_id, task FROM samples
                        WHERE run_id IN (SELECT unnest(?)) AND score IS NOT NULL)
        SELECT run_id, task, length_value, length_label, metric, scale, value_raw, value, n_samples
        FROM task_scores WHERE run_id IN (SELECT unnest(?)) AND {metric_kind_sql('scale')} <> 'measure'
              AND (run_id, task) NOT IN (SELECT (run_id, task) FROM scored)
        UNION ALL
        SELECT run_id, task, length_value, length_label, 'mean sample score', 'frac_0_1', avg(score), avg(score),
               count(score)
        FROM samples WHERE run_id IN (SELECT unnest(?)) AND score IS NOT NULL
              AND (run_id NOT IN (SELECT run_id FROM task_scores)
                   OR (run_id, task) IN (SELECT (run_id, task) FROM task_scores))
        GROUP BY run_id, task, length_value, length_label
        ORDER BY 1, 3, 2
        """,
        [list(map(int, run_ids))] * 3,
    ).df()


def task_means(store: Store, *, scope: Scope | None = None) -> pd.DataFrame:
    """Mean 0..1 score per run and task over all lengths, for the correlation matrix.

    NIAH runs give one task named after the benchmark; runs with task scores use them; runs with
    only scored samples use the sample mean per task. Perplexity is left out (not a 0..1 score).

    Columns: run_id, model, label, benchmark, task, value, n (rows averaged); only runs visible to ``scope``.
    """
    visible, params = visible_sql(scope, "r")
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
        WHERE x.value IS NOT NULL AND {visible}
        ORDER BY r.run_id, x.task
        """, params
    ).df().assign(task=lambda d: d["task"].fillna(d["benchmark"]))
