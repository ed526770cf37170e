"""Cached loaders for the probe pages: live NIAH sweeps, retrieval-head and masking runs, stored
tracebacks (``storage.probes``, ``storage.traceback``). Like :mod:`ui.data`, each takes the store
fingerprint ``fp`` first and is cached on it, so a new result shows on the next rerun."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from storage import probes, traceback
from storage.db import open_store
from storage.fingerprint import StoreFingerprint
from storage.probes import SWEEP_FORMAT

__all__ = ["SWEEP_FORMAT"]  # the harness name of live-sweep runs, from storage


@st.cache_data(show_spinner=False, max_entries=16)
def sweep_runs(fp: StoreFingerprint) -> pd.DataFrame:
    """``storage.probes.sweep_runs``: the live NIAH sweep runs, newest first."""
    return probes.sweep_runs(open_store(fp.path), scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def sweep_trials(fp: StoreFingerprint, run_id: int) -> pd.DataFrame:
    """``storage.probes.sweep_trials``: every trial of one sweep run."""
    return probes.sweep_trials(open_store(fp.path), run_id, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=16)
def probe_runs(fp: StoreFingerprint, kind: str | None = None) -> pd.DataFrame:
    """``storage.probes.list_probe_runs``: probe runs (of one ``kind``), newest first."""
    return probes.list_probe_runs(open_store(fp.path), kind, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def probe_run(fp: StoreFingerprint, probe_id: int) -> dict | None:
    """``storage.probes.probe_run``: one probe run as a dict (config decoded), or None."""
    return probes.probe_run(open_store(fp.path), probe_id, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def head_scores(fp: StoreFingerprint, probe_id: int) -> pd.DataFrame:
    """``storage.probes.head_scores``: layer, head, score, hits, samples of a detection run."""
    return probes.head_scores(open_store(fp.path), probe_id, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def masking_summary(fp: StoreFingerprint, probe_id: int) -> pd.DataFrame:
    """``storage.probes.masking_summary``: accuracy and recall per masking condition."""
    return probes.masking_summary(open_store(fp.path), probe_id, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def masked_heads(fp: StoreFingerprint, probe_id: int) -> pd.DataFrame:
    """``storage.probes.masked_heads``: the heads masked in a masking run."""
    return probes.masked_heads(open_store(fp.path), probe_id, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=16)
def tracebacks(fp: StoreFingerprint) -> pd.DataFrame:
    """``storage.traceback.list_tracebacks``: every stored traceback, newest first."""
    return traceback.list_tracebacks(open_store(fp.path), scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def traceback_result(fp: StoreFingerprint, traceback_id: int) -> dict:
    """``storage.traceback.load_traceback``: one stored result as the CLI's JSON document."""
    return traceback.load_traceback(open_store(fp.path), traceback_id, scope=fp.scope)


@st.cache_data(show_spinner=False, max_entries=64)
def traceback_scores(fp: StoreFingerprint, traceback_ids: tuple[int, ...]) -> pd.DataFrame:
    """``storage.traceback.compare_scores``: passage scores of several tracebacks side by side."""
    return traceback.compare_scores(open_store(fp.path), list(traceback_ids), scope=fp.scope)
