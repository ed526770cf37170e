"""Cached data access for the pages: store queries (``storage.results``) plus the analysis that
turns them into what a chart draws. Cache keys include the store's fingerprint, so adding,
renaming or deleting a run invalidates them."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.bootstrap import N_RESAMPLES
from analysis.correlation import model_matrix, pairwise
from analysis.degradation import length_points as _length_points
from analysis.display_text import display_frame
from analysis.depth import depth_points, length_bands, u_shape
from analysis.published import load_published, matches
from storage import results
from storage.db import Store, open_store


def store() -> tuple[Store, tuple]:
    """The app's store and its current fingerprint (path, version)."""
    s = open_store()
    return s, (s.path, results.store_version(s))


@st.cache_data(show_spinner=False, max_entries=16)
def runs(fp: tuple) -> pd.DataFrame:
    """``storage.results.runs_overview`` (cached per store fingerprint); names made safe to show."""
    return display_frame(results.runs_overview(open_store(fp[0])), ["label", "model"])


@st.cache_data(show_spinner=False, max_entries=64)
def length_observations(fp: tuple, run_ids: tuple[int, ...]) -> pd.DataFrame:
    """``storage.results.length_observations`` for the runs."""
    return results.length_observations(open_store(fp[0]), list(run_ids))


@st.cache_data(show_spinner=False, max_entries=256)
def run_length_points(fp: tuple, run_id: int, tasks: tuple[str, ...], n_resamples: int) -> pd.DataFrame:
    """Length points (mean, CI, n) of one run, restricted to ``tasks`` when given; cached per run
    so adding a run to a chart only computes the new one."""
    obs = results.length_observations(open_store(fp[0]), [run_id])
    if tasks:
        obs = obs[obs["task"].isin(tasks)]
    return _length_points(obs, n_resamples=n_resamples)


@st.cache_data(show_spinner=False, max_entries=64)
def depth_observations(fp: tuple, run_ids: tuple[int, ...]) -> pd.DataFrame:
    """``storage.results.depth_observations`` for the runs."""
    return results.depth_observations(open_store(fp[0]), list(run_ids))


@st.cache_data(show_spinner=False, max_entries=16)
def task_means(fp: tuple) -> pd.DataFrame:
    """``storage.results.task_means``."""
    return results.task_means(open_store(fp[0]))


@st.cache_data(show_spinner=False, max_entries=64)
def run_cells(fp: tuple, run_id: int) -> pd.DataFrame:
    """``storage.results.run_cells``."""
    return results.run_cells(open_store(fp[0]), run_id)


@st.cache_data(show_spinner=False, max_entries=64)
def paired_outcomes(fp: tuple, baseline: int, candidate: int) -> pd.DataFrame:
    """``storage.results.paired_outcomes``."""
    return results.paired_outcomes(open_store(fp[0]), baseline, candidate)


@st.cache_data(show_spinner=False, max_entries=64)
def sample_scorers(fp: tuple, run_id: int) -> list[str]:
    """``storage.results.sample_scorers``."""
    return results.sample_scorers(open_store(fp[0]), run_id)


@st.cache_data(show_spinner=False, max_entries=64)
def run_task_scores(fp: tuple, run_ids: tuple[int, ...]) -> pd.DataFrame:
    """``storage.results.run_task_scores``."""
    return results.run_task_scores(open_store(fp[0]), list(run_ids))


@st.cache_data(show_spinner=False, max_entries=64)
def depth_analysis(fp: tuple, run_ids: tuple[int, ...], n_bands: int, edge: float, middle: tuple[float, float],
                   length_range: tuple[float, float] | None):
    """(depth points, U-shape table, length units) for the Depth page (``analysis.depth``)."""
    obs = results.depth_observations(open_store(fp[0]), list(run_ids))
    if length_range is not None:
        obs = obs[obs["context_length"].between(*length_range)]
    if obs.empty:
        return obs, obs, []
    bands = length_bands(obs["context_length"], n_bands)
    return (depth_points(obs, bands), u_shape(obs, bands, edge=edge, middle=middle),
            sorted(obs["length_unit"].unique()))


@st.cache_data(show_spinner=False, max_entries=64)
def correlations(fp: tuple, run_ids: tuple[int, ...], by: str, tasks: tuple[str, ...], min_n: int):
    """(models x columns matrix, pairwise correlations) for the Correlation page (``analysis.correlation``)."""
    tm = results.task_means(open_store(fp[0]))
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
def runs_with_published(fp: tuple) -> list[int]:
    """Run ids whose model and benchmark have a shipped published number."""
    pub = published()
    out = []
    for r in runs(fp).itertuples():
        cand = pub[pub["benchmark"] == r.benchmark]
        if any(matches(r.model, p) or matches(r.label, p) for _, p in cand.iterrows()):
            out.append(int(r.run_id))
    return out


def length_points_for(fp: tuple, run_ids: list[int], tasks: tuple[str, ...] = ()) -> pd.DataFrame:
    """Length points of several runs (each cached by :func:`run_length_points`), with a progress
    bar when there are more than six runs (about 0.1 s of bootstrapping per uncached NIAH run)."""
    bar = st.progress(0.0, "Bootstrapping confidence intervals…") if len(run_ids) > 6 else None
    frames = []
    for i, rid in enumerate(run_ids):
        frames.append(run_length_points(fp, int(rid), tuple(tasks), N_RESAMPLES))
        if bar is not None:
            bar.progress((i + 1) / len(run_ids), f"Bootstrapping confidence intervals: run {i + 1} of {len(run_ids)}")
    if bar is not None:
        bar.empty()
    return pd.concat(frames, ignore_index=True) if frames else _length_points(pd.DataFrame())
