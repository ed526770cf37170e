"""Sidebar filters (benchmark, model subset, KV-cache method, task, length range) and the run picker,
each bound to the URL via :mod:`ui.url_state` (parameters ``bench``, ``models``, ``kv``, ``tasks``,
``len``, ``runs``)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.display_text import markdown_literal as md
from analysis.filters import Filters, filter_runs, kv_method, model_name
from analysis.lengths import format_length
from ui import url_state


def sidebar_filters(runs: pd.DataFrame) -> Filters:
    """Draw the benchmark, model-subset and (when any run records one) KV-cache method filters in the
    sidebar and return what is picked (add task and length filters with :func:`row_filters` once the
    rows are known).

    Args:
        runs: ``storage.runs.list_runs`` frame (options for benchmark and model).
    """
    sb = st.sidebar
    sb.markdown("**Filters**")
    benches = sorted(runs["benchmark"].dropna().unique())
    url_state.seed_list("bench", allowed=benches)
    sb.multiselect("Benchmarks", benches, key="bench", placeholder="all benchmarks")
    models = sorted(model_name(filter_runs(runs, Filters(benchmarks=st.session_state["bench"]))).unique())
    url_state.seed_list("models", allowed=models)
    sb.multiselect("Models (subset)", models, key="models", placeholder="all models",
                   help="Pick a subset of models; empty = all.")
    methods = sorted(kv_method(runs).unique())
    if len(methods) >= 2:
        url_state.seed_list("kv", allowed=methods)
        sb.multiselect("KV-cache method", methods, key="kv", placeholder="all methods",
                       help="Runs from a KV-cache study (e.g. HELMET with SnapKV, PyramidKV, INT4...) record "
                            "their method; 'baseline' is the full cache. Other runs: 'not recorded'.")
        url_state.publish("kv")
    kv = list(st.session_state.get("kv", [])) if len(methods) >= 2 else []
    url_state.publish("bench", "models")
    return Filters(models=list(st.session_state["models"]), benchmarks=list(st.session_state["bench"]),
                   kv_methods=kv)


def row_filters(f: Filters, tasks=(), lengths=()) -> Filters:
    """Add task and length-range filters to ``f`` (drawn in the sidebar).

    Args:
        tasks: task names to offer (no task filter with fewer than two).
        lengths: numeric lengths to offer as a range (no range filter with fewer than two).
    """
    sb = st.sidebar
    tasks = sorted(set(tasks))
    if len(tasks) >= 2:
        url_state.seed_list("tasks", allowed=tasks)
        sb.multiselect("Tasks", tasks, key="tasks", placeholder="all tasks")
        f.tasks = list(st.session_state["tasks"])
    lengths = sorted({float(x) for x in lengths if pd.notna(x)})
    if len(lengths) >= 2:
        cur = url_state.seed_list("len", [lengths[0], lengths[-1]], float, allowed=lengths)
        st.session_state["len"] = tuple(cur) if len(cur) == 2 else (lengths[0], lengths[-1])
        sb.select_slider("Length range", lengths, key="len", format_func=format_length)
        lo, hi = st.session_state["len"]
        if (lo, hi) != (lengths[0], lengths[-1]):
            f.length_range = (float(lo), float(hi))
    url_state.publish("tasks", "len")
    return f


def pick_runs(runs: pd.DataFrame, key: str = "runs", label: str = "Runs", default_n: int = 6,
              max_selections: int | None = None) -> list[int]:
    """Multiselect of run ids (shown as '#id label · benchmark'), default the first ``default_n``."""
    ids = [int(i) for i in runs["run_id"]]
    names = {int(r.run_id): f"#{r.run_id} {r.label} · {r.benchmark}" for r in runs.itertuples()}
    url_state.seed_list(key, ids[:default_n], int, allowed=ids)
    st.multiselect(label, ids, key=key, format_func=names.get, max_selections=max_selections,
                   placeholder="pick runs")
    url_state.publish(key)
    chosen = list(st.session_state[key])
    flag_summary_mismatch(runs[runs["run_id"].isin(chosen)])
    return chosen


def flag_summary_mismatch(runs: pd.DataFrame) -> None:
    """A warning per run whose harness summary and own samples disagree (``analysis.summary_check``)."""
    for r in runs.itertuples():
        bad = r.config.get("summary_vs_recomputed") if isinstance(getattr(r, "config", None), dict) else None
        if bad:
            tasks = "; ".join(f"{md(d['task'])} {d['summary']:.2f} vs {d['recomputed']:.2f}" for d in bad)
            st.warning(f"Run \\#{r.run_id} {md(r.label)}: the harness summary and the run's own samples disagree "
                       f"beyond rounding ({tasks}); every page uses the number recomputed from the samples.",
                       icon=":material/rule:")


def combine_toggle(runs: pd.DataFrame, default: bool) -> dict[int, str] | None:
    """Sidebar checkbox (URL ``combine=1|0``): one line per model and benchmark instead of per run
    (RULER writes one run per sequence length). Runs carrying a KV-cache method and setting (HELMET
    study: one run per model x method x setting x length) join per model, benchmark, method and setting,
    so each method is its own line. Returns run_id -> series name, or None when off."""
    url_state.seed("combine", default, url_state.parse_bool)
    st.sidebar.checkbox("One line per model and benchmark", key="combine",
                        help="Join runs of the same model and benchmark (e.g. RULER's one run per length).")
    url_state.publish("combine")
    if not st.session_state["combine"]:
        return None
    return {int(r.run_id): f"{r.model if isinstance(r.model, str) else r.label} · {r.benchmark}" + _method(r.config)
            for r in runs.itertuples()}


def _method(config) -> str:
    """' · <method> <setting>' for a run with a KV-cache method in its config, else ''."""
    if not isinstance(config, dict) or not config.get("kv_cache_method"):
        return ""
    return f" · {config['kv_cache_method']} {config.get('kv_cache_setting') or ''}".rstrip()
