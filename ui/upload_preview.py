"""Upload preview parts: what was detected per run (format, model and where found, benchmark, length
and its kind, scale per column) and the inputs a format needs from the user before storing."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.display_text import markdown_literal as md
from analysis.lengths import UNIT_NAMES, format_length
from storage.importers import helmet_leaderboard
from storage.scales import SCALES


def detected(run) -> pd.DataFrame:
    """One row per (task column, metric) of a planned run: its scale and the lengths it has.

    Args:
        run: ``storage.ingest.PlannedRun``.
    """
    frames = [f for f in (run.frame("task_scores"), run.frame("samples")) if f is not None]
    rows = []
    for df in frames:
        metric = df["metric"] if "metric" in df else pd.Series("per sample", index=df.index)
        scale = df["scale"].fillna(run.score_scale) if "scale" in df else pd.Series(run.score_scale, index=df.index)
        lengths = df["length_value"] if "length_value" in df else pd.Series(None, index=df.index, dtype=float)
        labels = df["length_label"] if "length_label" in df else pd.Series(None, index=df.index, dtype=object)
        g = pd.DataFrame({"task": df["task"], "metric": metric, "scale": scale, "lv": lengths, "ll": labels})
        for (task, m, s), part in g.groupby(["task", "metric", "scale"], sort=False, dropna=False):
            shown = sorted({format_length(v, l) for v, l in zip(part["lv"], part["ll"]) if pd.notna(v) or pd.notna(l)})
            rows.append({"column / task": task, "metric": m, "scale": SCALES.get(s, (s,))[0],
                         "lengths": ", ".join(shown[:8]) + (" …" if len(shown) > 8 else "") or "none (overall)"})
    return pd.DataFrame(rows)


def summary_line(run) -> str:
    """Format · model (where found) · benchmark · length unit and kind, as Markdown (the file's own text
    escaped: ``analysis.display_text.markdown_literal``)."""
    unit = run.first.length_unit
    kind = run.inferred.get("length") or UNIT_NAMES.get(unit or "", unit or "no length axis")
    where = run.model_source or "—"
    return (f"**format** `{run.format}` · **model** {md(run.model) if run.model else '— (name it)'} (from the {where}) · "
            f"**benchmark** {md(run.benchmark)} · **length** {md(UNIT_NAMES.get(unit or '', unit or 'none'))}: {md(kind)}")


def show(run) -> None:
    """The detected summary and the per-column scale table of one run."""
    st.caption(summary_line(run))
    table = detected(run)
    if len(table):
        with st.expander(f"Scale and lengths per column ({len(table)})"):
            st.dataframe(table, hide_index=True, width="stretch")


def evaluation_length(plan) -> None:
    """For HELMET leaderboard runs (length not in the file): one input, default 128K, applied to
    every such run of the plan before it is stored."""
    parts = [p for r in plan.runs.values() for p in r.parts if p.format == helmet_leaderboard.FORMAT]
    if not parts:
        return
    tokens = st.number_input(
        "HELMET leaderboard: evaluation length (input tokens)", min_value=1,
        value=int(parts[0].config["evaluation_length"]["tokens"]), step=1024, key="helmet_leaderboard_length",
        help="Not in the file. Default 131072 (128K): the HELMET website caption. 'Context Window (K)' is the "
             "model's claimed window, not the test length.")
    for p in parts:
        helmet_leaderboard.set_evaluation_length(p, int(tokens))
