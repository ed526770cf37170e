"""Score vs context length: one point per (run, length) with n and a 95% bootstrap CI.

A point's value is the mean over its strata means: for NIAH the trials at that length (all
depths pooled); for per-sample results the mean of the task means (RULER averages tasks with
equal weight); for task scores without samples the mean over tasks, and the tasks are then the
resampled units. Source: RULER (Hsieh et al. 2024) reports per-length means over tasks.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.bootstrap import N_RESAMPLES, expand, mean_ci_many, stratified_mean_ci
from analysis.lengths import axis_key

POINT_COLUMNS = ["run_id", "axis", "length_value", "length_label", "length_unit", "tokenizer", "metric_kind",
                 "source", "mean", "low", "high", "n", "tasks"]


#: above this many distinct per-sample lengths in a run, lengths are binned (see :func:`bin_sample_lengths`)
MAX_DISTINCT_SAMPLE_LENGTHS = 24


def bin_sample_lengths(obs: pd.DataFrame, max_distinct: int = MAX_DISTINCT_SAMPLE_LENGTHS) -> pd.DataFrame:
    """Group per-sample lengths that vary sample by sample (LongBench's words / characters) into bins.

    For a run whose ``samples`` observations have more than ``max_distinct`` distinct lengths: if every
    sample carries the harness's bucket label (LongBench-E ``0-4k``/``4-8k``/``8k+``), the label is
    used and the numeric length dropped; otherwise each length is rounded to the nearest power of two
    on a log scale (``2 ** round(log2(length))``), so a point is the mean over samples of about that
    length. Other runs and sources are returned unchanged.
    """
    out = obs.copy()
    samples = out[out["source"] == "samples"]
    for _, g in samples.groupby("run_id"):
        if g["length_value"].nunique() <= max_distinct:
            continue
        if g["length_label"].notna().all():
            out.loc[g.index, "length_value"] = np.nan
        else:
            v = g["length_value"].astype(float).clip(lower=1.0)
            out.loc[g.index, "length_value"] = np.where(v.notna(), 2.0 ** np.round(np.log2(v)), np.nan)
    return out


def length_points(obs: pd.DataFrame, n_resamples: int = N_RESAMPLES) -> pd.DataFrame:
    """One row per (run, length) with mean, 95% CI and n.

    Args:
        obs: ``storage.scores.length_observations`` frame (value/count histograms); per-sample
            lengths are binned first (:func:`bin_sample_lengths`).

    Returns:
        Columns :data:`POINT_COLUMNS`: ``n`` counts observations (trials, samples or tasks per
        ``source``), ``tasks`` the distinct tasks; ``axis`` from :func:`analysis.lengths.axis_key`.
        Sorted by run, then length.
    """
    if obs.empty:
        return pd.DataFrame(columns=POINT_COLUMNS)
    obs = bin_sample_lengths(obs)
    obs["length_label"] = obs["length_label"].astype(object).where(obs["length_label"].notna(), None)
    obs["_lv"] = obs["length_value"].fillna(-1.0)
    obs["_ll"] = obs["length_label"].fillna("")
    rows, strata = [], []
    for (run_id, lv, ll, kind), g in obs.groupby(["run_id", "_lv", "_ll", "metric_kind"], sort=True):
        strata.append([expand(s["value"], s["count"]) for _, s in g.groupby("stratum", sort=True)])
        first = g.iloc[0]
        value = None if lv == -1.0 else lv
        rows.append({"run_id": run_id, "axis": axis_key(first["length_unit"], value),
                     "length_value": np.nan if value is None else value, "length_label": ll or None,
                     "length_unit": first["length_unit"], "tokenizer": first["tokenizer"], "metric_kind": kind,
                     "source": first["source"], "n": int(g["count"].sum()), "tasks": int(g["task"].nunique())})
    single = [i for i, s in enumerate(strata) if len(s) == 1]
    cis = dict(zip(single, mean_ci_many([strata[i][0] for i in single], n_resamples=n_resamples)))
    for i, row in enumerate(rows):
        row["mean"], row["low"], row["high"] = cis[i] if i in cis else stratified_mean_ci(strata[i], n_resamples=n_resamples)
    return pd.DataFrame(rows, columns=POINT_COLUMNS)


def combine_runs(points: pd.DataFrame, series: dict[int, str]) -> pd.DataFrame:
    """Group runs into series (e.g. one per model and benchmark: RULER writes one run per
    sequence length) and add a ``series`` column.

    Points of one series at one length that come from a single run are kept as they are; points
    from several runs become the mean of the run means with ``n`` summed, ``runs`` > 1, no CI
    (NaN: the runs' samples are not pooled) and ``run_id`` -1.

    Args:
        points: :func:`length_points` rows.
        series: run_id -> series name.
    """
    if points.empty:
        return points.assign(series=pd.Series(dtype=str), runs=pd.Series(dtype=int))
    keys = ["series", "axis", "metric_kind", "_lv", "_ll"]
    p = points.assign(series=points["run_id"].map(series).fillna(points["run_id"].astype(str)),
                      _lv=points["length_value"].fillna(-1.0), _ll=points["length_label"].fillna(""))
    p = p.dropna(subset=keys)  # as groupby does: a point without an axis or metric kind has no series line
    agg = p.groupby(keys, sort=False).agg(runs=("run_id", "size"), _mean=("mean", "mean"), _n=("n", "sum"),
                                          _tasks=("tasks", "max"))
    res = p[~p.duplicated(keys)].join(agg, on=keys)  # the first point of each group, in input order
    multi = res["runs"] > 1  # several runs at one length: mean of the run means, n summed, no CI
    res.loc[multi, "mean"] = res.loc[multi, "_mean"]
    res.loc[multi, ["low", "high"]] = np.nan
    res.loc[multi, "n"] = res.loc[multi, "_n"]
    res.loc[multi, "tasks"] = res.loc[multi, "_tasks"]
    res.loc[multi, "run_id"] = -1
    res = res.drop(columns=["_lv", "_ll", "_mean", "_n", "_tasks"])
    return res.sort_values(["series", "axis", "length_value"], ignore_index=True)[[*POINT_COLUMNS, "series", "runs"]]
