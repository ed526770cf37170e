"""NIAH heatmap: mean normalised score by context length × needle depth, with cell drill-down."""
import streamlit as st

from analysis.heatmap import Cell, format_depth, grid_summary, layout_cells, selected_cells
from ui import data, url_state
from ui.data import SCALES, TRIALS_ALL, TRIALS_FIRST
from ui.heatmap_figure import heatmap_figure
from ui.model_picker import retrieval_heads_link
from ui.page import page_setup
from ui.probe_data import SWEEP_FORMAT

_, fp = page_setup("NIAH heatmap", needs_runs=True)
runs = data.runs(fp)
runs = runs[runs["kind"] == "trials"]
if runs.empty:
    st.info("No needle-in-a-haystack runs yet. Upload result files on the Upload & runs page, or run "
            "`python -m storage.ingest PATH...`.")
    st.page_link("pages/upload.py", label="Upload results", icon=":material/upload_file:")
    st.stop()

info = runs.set_index("run_id")
ids = [int(i) for i in info.index]
url_state.seed_list("runs", ids[:1], int, allowed=ids)
url_state.seed("trials", TRIALS_ALL, str, allowed=[TRIALS_ALL, TRIALS_FIRST])
chosen = st.multiselect(
    "Runs", ids, key="runs",
    format_func=lambda r: f"{r} · {info.at[r, 'label']} ({info.at[r, 'n_trials']:,} trials)",
    help="Several runs are drawn as small multiples with one shared 0..1 colour scale.",
)
repeats = st.radio(
    "Repeated tests of a cell", [TRIALS_ALL, TRIALS_FIRST], horizontal=True, key="trials",
    format_func={TRIALS_ALL: "mean of all trials", TRIALS_FIRST: "first trial only"}.get,
)
url_state.publish("runs", "trials")
if not chosen:
    st.info("Pick at least one run.")
    st.stop()

cells = data.heatmap_cells(fp, tuple(chosen), repeats)
grids = layout_cells(cells)
titles = {r: f"{info.at[r, 'label']} · run {r}" for r in grids}
units = {r: info.at[r, "length_unit"] or "tokens" for r in grids}

metric_cols = st.columns(len(grids))
for col, (r, grid) in zip(metric_cols, grids.items()):
    s = grid_summary(grid)
    col.metric(f"{info.at[r, 'label']} · mean score (0..1)", f"{s['mean_score']:.3f}")
    scale = info.at[r, "score_scale"]
    tok = info.at[r, "tokenizer"]
    col.caption(
        f"{s['cells']} cells, {s['trials']:,} trials, {s['missing_cells']} missing (gaps) · "
        f"raw scale: {SCALES.get(scale, (scale,))[0]} · lengths in {units[r]}"
        + (f" counted by: {tok}" if tok else "")
    )

chart_cols = st.columns(min(2, len(grids)))
picked = []
for k, (r, grid) in enumerate(grids.items()):
    with chart_cols[k % len(chart_cols)]:
        st.markdown(f"**{titles[r]}**")
        fig = heatmap_figure(grid, units[r], max_plot_width=760 if len(grids) == 1 else 420)
        event = st.plotly_chart(fig, key=f"niah_heatmap_{r}", on_select="rerun", selection_mode=("points", "box"),
                                width="content", config={"displaylogo": False})
        picked += selected_cells((event or {}).get("selection", {}).get("points", []), {r: grid})
st.caption("Colour: mean normalised score per cell on one fixed 0..1 scale for every run; grey = no trial "
           "(a gap, not a 0). Hover a cell for n and raw scores; click a cell (or drag a box) to list its trials.")

st.subheader("Trials of the selected cell(s)")
if not picked:
    with st.expander("…or pick a cell by value", expanded=False):
        r = st.selectbox("Run", list(grids), format_func=lambda x: titles[x], key="pick_run")
        g = grids[r]
        length = st.selectbox("Context length", sorted(g["context_length"].unique()), key="pick_len",
                              format_func=lambda v: f"{v:,} {units[r]}")
        depth = st.selectbox("Depth (%)", sorted(g.loc[g["context_length"] == length, "depth_percent"].unique()),
                             key="pick_depth", format_func=format_depth)
        if st.button("Show trials"):
            picked = [Cell(int(r), int(length), float(depth))]
if not picked:
    st.caption("No cell selected.")
for cell in picked[:20]:
    trials = data.cell_trials(fp, cell.run_id, cell.context_length, cell.depth_percent)
    st.markdown(f"**{titles[cell.run_id]}** · context length {cell.context_length:,} {units[cell.run_id]} · "
                f"depth {format_depth(cell.depth_percent)}% · n = {len(trials)}")
    st.dataframe(trials, hide_index=True, width="stretch",
                 column_config={"needle": st.column_config.TextColumn(width="medium"),
                                "response": st.column_config.TextColumn(width="large"),
                                "score": st.column_config.NumberColumn("score (0..1)", format="%.3f")})
    if info.at[cell.run_id, "harness"] == SWEEP_FORMAT:  # a live sweep: probe this prompt's heads
        retrieval_heads_link(info.at[cell.run_id, "model"], cell.context_length, cell.depth_percent)
if len(picked) > 20:
    st.caption(f"{len(picked) - 20} more selected cells not listed; select fewer.")
