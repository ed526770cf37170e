"""Cached data access for the pages: store queries (``storage.results``) plus the analysis that
turns them into what a chart draws. Cache keys include the store's fingerprint, so adding,
renaming or deleting a run invalidates them."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.degradation import length_points as _length_points
from storage import results
from storage.db import Store, open_store


def store() -> tuple[Store, tuple]:
    """The app's store and its current fingerprint (path, version)."""
    s = open_store()
    return s, (s.path, results.store_version(s))


@st.cache_data(show_spinner=False, max_entries=16)
def runs(fp: tuple) -> pd.DataFrame:
    """``storage.results.runs_overview`` (cached per store fingerprint)."""
    return results.runs_overview(open_store(fp[0]))


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
