"""NIAH heatmap: mean normalised score by context length × needle depth, with cell drill-down."""
import streamlit as st

from analysis.display_text import display_frame, markdown_literal as md
from analysis.heatmap import COLOUR_BY, Cell, aggregated_from, format_depth, parse_cell, selected_cells
from analysis.lengths import tokenizer_note
from ui import data, url_state
from ui.data import SCALES, TRIALS_ALL, TRIALS_FIRST
from ui.heatmap_figure import CHARTS_PER_PAGE, MAX_METRICS
from ui.model_picker import retrieval_heads_link
from ui.page import page_setup
from ui.probe_data import SWEEP_FORMAT

_, fp = page_setup("NIAH heatmap", needs_runs=True)
runs = data.runs(fp)
runs = runs[runs["kind"] == "trials"]
if runs.empty:
    st.info("No needle-in-a-haystack runs yet. Upload result files on the Upload & runs page, or run "
            "`longscope ingest PATH...`.")
    st.page_link("pages/upload.py", label="Upload results", icon=":material/upload_file:")
    st.stop()

info = {int(r.run_id): r for r in display_frame(runs).itertuples(index=False)}  # plain lookups: 300 runs x rerun
ids = list(info)
names = {r: f"{r} · {i.label} ({i.n_trials:,} trials)" for r, i in info.items()}
url_state.seed_list("runs", ids[:1], int, allowed=ids)
url_state.seed("trials", TRIALS_ALL, str, allowed=[TRIALS_ALL, TRIALS_FIRST])
url_state.seed("colour", "mean_score", str, allowed=list(COLOUR_BY))
chosen = st.multiselect(
    "Runs", ids, key="runs",
    format_func=names.get,
    help="Several runs are drawn as small multiples with one shared 0..1 colour scale.",
)
if len(ids) > 1 and len(chosen) < len(ids):
    st.button(f"Pick all {len(ids):,} NIAH runs", icon=":material/select_all:", key="pick_all_runs",
              on_click=lambda: st.session_state.update(runs=list(ids)),
              help=f"Draws {CHARTS_PER_PAGE} charts per page and a table of every run's totals.")
repeats = st.radio(
    "Repeated tests of a cell", [TRIALS_ALL, TRIALS_FIRST], horizontal=True, key="trials",
    format_func={TRIALS_ALL: "mean of all trials", TRIALS_FIRST: "first trial only"}.get,
)
colour_by = st.radio(
    "Colour cells by", list(COLOUR_BY), horizontal=True, key="colour", format_func=COLOUR_BY.get,
    help="The run's own score (its judge or scorer, normalised to 0..1), or the deterministic share of the "
         "needle's content words found in the model's response (for trials that kept both). The hover shows both.",
)
url_state.publish("runs", "trials", "colour")
if not chosen:
    st.info("Pick at least one run.")
    st.stop()

order = sorted(set(chosen))  # run id order, in the charts and in the table
titles = {r: f"{md(info[r].label)} · run {r}" for r in order}  # Markdown-safe: shown in markdown
units = {r: info[r].length_unit or "tokens" for r in order}


def counted(r: int) -> str:
    return (f"raw scale: {SCALES.get(info[r].score_scale, (info[r].score_scale,))[0]} · "
            + tokenizer_note(units[r], info[r].tokenizer))


summary_slot = st.container()  # filled after the charts: the first chart does not wait for every run's totals
n_pages = -(-len(order) // CHARTS_PER_PAGE)
page_no = 1
if n_pages > 1:
    page_no = int(st.number_input(f"Page of charts ({CHARTS_PER_PAGE} runs each, {n_pages} pages)", 1, n_pages, 1,
                                  key="chart_page"))
    first = (page_no - 1) * CHARTS_PER_PAGE
    st.caption(f"Charts of runs {first + 1}–{min(first + CHARTS_PER_PAGE, len(order))} of {len(order)}; "
               "the table above summarises every picked run.")
on_page = order[(page_no - 1) * CHARTS_PER_PAGE:page_no * CHARTS_PER_PAGE]
width = 760 if len(on_page) == 1 else 420
chart_cols = st.columns(min(2, len(on_page)))
grids, picked = {}, []
for k, r in enumerate(on_page):  # each chart is sent as soon as it is built: the first does not wait for the others
    right = k % len(chart_cols) == len(chart_cols) - 1 or k == len(on_page) - 1  # one colour bar per row
    chart = data.heatmap_chart(fp, r, repeats, colour_by, units[r], width, right)
    if chart is None:
        continue
    grid, fig = grids.setdefault(r, chart[0]), chart[1]
    with chart_cols[k % len(chart_cols)]:
        st.markdown(f"**{titles[r]}**")
        if aggregated_from(grid):
            st.caption(f"aggregated from {aggregated_from(grid):,} cells into {len(grid):,} bins of neighbouring "
                       "lengths / depths (more than the cell budget); click a bin to list its trials.")
        if colour_by != "mean_score" and grid[colour_by].isna().all():
            st.caption("This run kept no needle and response: its cells are coloured by nothing (see the hover).")
        event = st.plotly_chart(fig, key=f"niah_heatmap_{r}", on_select="rerun", selection_mode=("points", "box"),
                                width="content", config={"displaylogo": False})
        picked += selected_cells((event or {}).get("selection", {}).get("points", []), {r: grid})

summary = data.heatmap_run_summaries(fp, tuple(order), repeats)  # one aggregate query: charts drawn or not
summary = summary.loc[[r for r in order if r in summary.index]]
with summary_slot:
    if len(summary) <= MAX_METRICS:
        for col, (r, s) in zip(st.columns(max(1, len(summary))), summary.iterrows()):
            col.metric(f"{md(info[r].label)} · mean score (0..1)", f"{s['mean_score']:.3f}")
            col.caption(f"{int(s['cells']):,} cells, {int(s['trials']):,} trials, {int(s['missing_cells']):,} missing "
                        f"(gaps) · {md(counted(r))}")
    else:  # many runs: one row each instead of a garbled row of metrics
        st.dataframe(summary.assign(run=[f"{info[r].label} · run {r}" for r in summary.index], lengths=[counted(r) for r in summary.index])
                     [["run", "mean_score", "cells", "trials", "missing_cells", "lengths"]],
                     hide_index=True, width="stretch",
                     column_config={"mean_score": st.column_config.NumberColumn("mean score (0..1)", format="%.3f"),
                                    "missing_cells": "missing (gaps)", "lengths": "scale · lengths"})
st.caption(f"Colour: {COLOUR_BY[colour_by]} per cell on one fixed 0..1 scale for every run; grey = no trial "
           "(a gap, not a 0). Hover a cell for n and raw scores; click a cell (or drag a box) to list its trials.")

st.subheader("Trials of the selected cell(s)")
# the selected cells are in the URL (?cell=RUN:LENGTH:DEPTH,...), so a copied link lists the same trials
url_state.seed_list("cell", [], str)
if picked:
    st.session_state["cell"] = [f"{c.run_id}:{c.context_length}:{c.depth_percent:g}" for c in picked[:20]]
else:
    picked = [c for c in (parse_cell(t) for t in st.session_state["cell"]) if c is not None and c.run_id in grids]
    if picked and st.button("Clear the selected cell", icon=":material/close:"):
        st.session_state["cell"], picked = [], []
if not picked:
    with st.expander("…or pick a cell by value", expanded=False):
        r = st.selectbox("Run", list(grids), format_func=lambda x: f"{info[x].label} · run {x}", key="pick_run")
        g = data.heatmap_cells(fp, (r,), repeats)
        length = st.selectbox("Context length", sorted(g["context_length"].unique()), key="pick_len",
                              format_func=lambda v: f"{v:,} {units[r]}")
        depth = st.selectbox("Depth (%)", sorted(g.loc[g["context_length"] == length, "depth_percent"].unique()),
                             key="pick_depth", format_func=format_depth)
        if st.button("Show trials"):
            picked = [Cell(int(r), int(length), float(depth))]
            st.session_state["cell"] = [f"{r}:{int(length)}:{float(depth):g}"]
url_state.publish("cell")
if not picked:
    st.caption("No cell selected.")
for cell in picked[:20]:
    trials = data.cell_trials(fp, cell.run_id, cell.context_length, cell.depth_percent)
    st.markdown(f"**{titles[cell.run_id]}** · context length {cell.context_length:,} {md(units[cell.run_id])} · "
                f"depth {format_depth(cell.depth_percent)}% · n = {len(trials)}")
    st.dataframe(display_frame(trials), hide_index=True, width="stretch",
                 column_config={"needle": st.column_config.TextColumn(width="medium"),
                                "response": st.column_config.TextColumn(width="large"),
                                "score": st.column_config.NumberColumn("score (0..1)", format="%.3f"),
                                "needle_recall": st.column_config.NumberColumn(
                                    "needle words in response", format="%.2f",
                                    help="share of the needle's content words found in the response (0..1)")})
    if info[cell.run_id].harness == SWEEP_FORMAT:  # a live sweep: probe this prompt's heads
        retrieval_heads_link(info[cell.run_id].model, cell.context_length, cell.depth_percent)
if len(picked) > 20:
    st.caption(f"{len(picked) - 20} more selected cells not listed; select fewer.")
