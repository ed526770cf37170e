"""Cached data access for the pages: the store's queries (``storage/``) plus the analysis that
turns them into what a chart draws. Every loader takes the store fingerprint ``fp``
(:class:`storage.fingerprint.StoreFingerprint`, from :func:`ui.page.page_setup`) as its first
argument and is cached on it, so any write to the store (upload, sweep cell, probe result,
rename, delete) invalidates what was cached before it."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.bootstrap import N_RESAMPLES
from analysis.correlation import model_matrix, pairwise
from analysis.degradation import length_points as _length_points
from analysis.display_text import display_frame
from analysis.depth import depth_points, length_bands, u_shape
from analysis.published import load_published, matches
from storage import runs as run_queries
from storage import samples, scores, task_scores, trials
from storage.db import open_store
from storage.fingerprint import StoreFingerprint
from storage.scales import LABELS as SCALE_LABELS
from storage.scales import SCALES
from storage.trials import TRIALS_ALL, TRIALS_FIRST

__all__ = ["SCALES", "SCALE_LABELS", "TRIALS_ALL", "TRIALS_FIRST"]  # vocabularies the pages show, from storage


@st.cache_data(show_spinner=False, max_entries=16)
def runs(fp: StoreFingerprint) -> pd.DataFrame:
    """``storage.runs.list_runs``: every run, with its kind, provenance and row counts; names made safe to show."""
    return display_frame(run_queries.list_runs(open_store(fp.path), scope=fp.scope), ["label", "model"])


@st.cache_data(show_spinner=False, max_entries=64)
def run_files(fp: StoreFingerprint, run_id: int) -> pd.DataFrame:
    """``storage.runs.run_files``: the files of one run."""
    return run_queries.run_files(open_store(fp.path), run_id, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def heatmap_cells(fp: StoreFingerprint, run_ids: tuple[int, ...], repeats: str) -> pd.DataFrame:
    """``storage.trials.heatmap_cells`` (``repeats``: :data:`TRIALS_ALL` or :data:`TRIALS_FIRST`)."""
    return trials.heatmap_cells(open_store(fp.path), list(run_ids), repeats, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def heatmap_run_summaries(fp: StoreFingerprint, run_ids: tuple[int, ...], repeats: str) -> pd.DataFrame:
    """``storage.trials.heatmap_run_summaries``: per-run totals of grids that are not drawn."""
    return trials.heatmap_run_summaries(open_store(fp.path), list(run_ids), repeats, scope=fp.scope)


@st.cache_resource(show_spinner=False, max_entries=64)
def heatmap_chart(fp: StoreFingerprint, run_id: int, repeats: str, colour_by: str, length_unit: str,
                  max_plot_width: int, colour_bar: bool = True):
    """One run's heatmap grid (``analysis.heatmap.layout_cells``) and its figure
    (``ui.heatmap_figure.heatmap_figure``), built once per store state and shared by every session
    (a cached re-render costs only Streamlit's serialisation). Callers must not modify either.
    None when the run has no trial to draw (e.g. no trial 0 with ``repeats`` = first only)."""
    from analysis.heatmap import layout_cells
    from ui.heatmap_figure import heatmap_figure

    grid = layout_cells(heatmap_cells(fp, (run_id,), repeats)).get(run_id)
    if grid is None:
        return None
    return grid, heatmap_figure(grid, length_unit, max_plot_width=max_plot_width, colour_by=colour_by,
                                colour_bar=colour_bar)


@st.cache_data(show_spinner=False, max_entries=256)
def cell_trials(fp: StoreFingerprint, run_id: int, context_length: int, depth_percent: float) -> pd.DataFrame:
    """``storage.trials.cell_trials``: the trials of one heatmap cell."""
    return trials.cell_trials(open_store(fp.path), run_id, context_length, depth_percent, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def point_rows(fp: StoreFingerprint, run_id: int, length_value: float | None,
               length_label: str | None) -> pd.DataFrame:
    """``storage.scores.point_rows``: the trials or samples behind one (run, length) point."""
    return scores.point_rows(open_store(fp.path), run_id, length_value, length_label, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def depth_rows(fp: StoreFingerprint, run_id: int, depth_percent: float, length_low: float,
               length_high: float) -> pd.DataFrame:
    """``storage.trials.depth_rows``: the NIAH trials behind one depth point."""
    return trials.depth_rows(open_store(fp.path), run_id, depth_percent, length_low, length_high, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def length_observations(fp: StoreFingerprint, run_ids: tuple[int, ...], truncated: str = "exclude") -> pd.DataFrame:
    """``storage.scores.length_observations`` for the runs (``truncated``: "exclude" | "keep")."""
    return scores.length_observations(open_store(fp.path), list(run_ids), truncated, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def flagged_samples(fp: StoreFingerprint, run_ids: tuple[int, ...]) -> pd.DataFrame:
    """``storage.scores.flagged_samples``: truncated / over-window sample counts per run."""
    return scores.flagged_samples(open_store(fp.path), list(run_ids), scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=256)
def run_length_points(fp: StoreFingerprint, run_id: int, tasks: tuple[str, ...], n_resamples: int,
                      truncated: str = "exclude") -> pd.DataFrame:
    """Length points (mean, CI, n) of one run, restricted to ``tasks`` when given; cached per run
    so adding a run to a chart only computes the new one."""
    obs = scores.length_observations(open_store(fp.path), [run_id], truncated, scope=fp.scope)
    if tasks:
        obs = obs[obs["task"].isin(tasks)]
    return _length_points(obs, n_resamples=n_resamples)


@st.cache_data(show_spinner=False, max_entries=64)
def depth_observations(fp: StoreFingerprint, run_ids: tuple[int, ...]) -> pd.DataFrame:
    """``storage.trials.depth_observations`` for the runs."""
    return trials.depth_observations(open_store(fp.path), list(run_ids), scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=16)
def task_means(fp: StoreFingerprint) -> pd.DataFrame:
    """``storage.task_scores.task_means``."""
    return task_scores.task_means(open_store(fp.path), scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def run_cells(fp: StoreFingerprint, run_id: int) -> pd.DataFrame:
    """``storage.scores.run_cells``."""
    return scores.run_cells(open_store(fp.path), run_id, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def paired_outcomes(fp: StoreFingerprint, baseline: int, candidate: int) -> pd.DataFrame:
    """``storage.scores.paired_outcomes``."""
    return scores.paired_outcomes(open_store(fp.path), baseline, candidate, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def sample_scorers(fp: StoreFingerprint, run_id: int) -> list[str]:
    """``storage.samples.sample_scorers``."""
    return samples.sample_scorers(open_store(fp.path), run_id, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def run_task_scores(fp: StoreFingerprint, run_ids: tuple[int, ...]) -> pd.DataFrame:
    """``storage.task_scores.run_task_scores``."""
    return task_scores.run_task_scores(open_store(fp.path), list(run_ids), scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def depth_analysis(fp: StoreFingerprint, run_ids: tuple[int, ...], n_bands: int, edge: float, middle: tuple[float, float],
                   length_range: tuple[float, float] | None):
    """(depth points, U-shape table, length units) for the Depth page (``analysis.depth``)."""
    obs = trials.depth_observations(open_store(fp.path), list(run_ids), scope=fp.scope)
    if length_range is not None:
        obs = obs[obs["context_length"].between(*length_range)]
    if obs.empty:
        return obs, obs, []
    bands = length_bands(obs["context_length"], n_bands)
    return (depth_points(obs, bands), u_shape(obs, bands, edge=edge, middle=middle),
            sorted(obs["length_unit"].unique()))


@st.cache_data(show_spinner=False, max_entries=64)
def correlations(fp: StoreFingerprint, run_ids: tuple[int, ...], by: str, tasks: tuple[str, ...], min_n: int):
    """(models x columns matrix, pairwise correlations) for the Correlation page (``analysis.correlation``)."""
    tm = task_scores.task_means(open_store(fp.path), scope=fp.scope)
    tm = tm[tm["run_id"].isin(run_ids)]
    if tasks:
        tm = tm[tm["task"].isin(tasks)]
    matrix = model_matrix(tm, by=by)
    return matrix, (pairwise(matrix, min_n=min_n) if matrix.shape[1] >= 2 else None)


@st.cache_data(show_spinner=False)
def published() -> pd.DataFrame:
    """``analysis.published.load_published`` (the shipped files), cached."""
    return load_published()


@st.cache_data(show_spinner=False, max_entries=16)
def runs_with_published(fp: StoreFingerprint) -> list[int]:
    """Run ids whose model and benchmark have a shipped published number."""
    pub = published()
    out = []
    for r in runs(fp).itertuples():
        cand = pub[pub["benchmark"] == r.benchmark]
        if any(matches(r.model, p) or matches(r.label, p) for _, p in cand.iterrows()):
            out.append(int(r.run_id))
    return out


def length_points_for(fp: StoreFingerprint, run_ids: list[int], tasks: tuple[str, ...] = (),
                      truncated: str = "exclude") -> pd.DataFrame:
    """Length points of several runs (each cached by :func:`run_length_points`), with a progress
    bar when more than six runs are computed (about 0.1 s of bootstrapping per uncached NIAH run).

    The joined frame of the last call is kept in the session, so re-rendering the same view (a
    widget moved) costs one comparison instead of one cache lookup per run (100 runs: ~0.3 CPU s)."""
    key = (fp, tuple(int(r) for r in run_ids), tuple(tasks), truncated)
    memo = st.session_state.get(_LENGTH_POINTS_MEMO)
    if memo is not None and memo[0] == key:
        return memo[1]
    bar = st.progress(0.0, "Bootstrapping confidence intervals…") if len(run_ids) > 6 else None
    frames = []
    for i, rid in enumerate(key[1]):
        frames.append(run_length_points(fp, rid, key[2], N_RESAMPLES, truncated))
        if bar is not None:
            bar.progress((i + 1) / len(run_ids), f"Bootstrapping confidence intervals: run {i + 1} of {len(run_ids)}")
    if bar is not None:
        bar.empty()
    out = pd.concat(frames, ignore_index=True) if frames else _length_points(pd.DataFrame())
    st.session_state[_LENGTH_POINTS_MEMO] = (key, out)
    return out


_LENGTH_POINTS_MEMO = "_length_points_memo"
