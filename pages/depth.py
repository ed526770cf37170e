"""Depth (lost in the middle): score vs needle depth per length band, and the U-shape summary."""
import streamlit as st

from analysis.depth import EDGE, MIDDLE
from analysis.filters import filter_runs
from ui import data, downloads, drilldown, url_state
from ui.figure_cache import depth_panels, u_shape_bars
from ui.filters import pick_runs, row_filters, sidebar_filters
from ui.page import page_setup

_, fp = page_setup(
    "Depth: lost in the middle",
    "NIAH score against the needle's depth in the haystack (0% = start, 100% = end), per band of context "
    "lengths, with 95% bootstrap bands. U-shape = mean score at the edges − mean score in the middle "
    "(positive: the middle is lost; Liu et al. 2024).",
    needs_runs=True)
runs = data.runs(fp)
runs = runs[runs["kind"] == "trials"]
if runs.empty:
    st.info("No NIAH runs yet: add results on **Upload & runs**.")
    st.stop()

f = sidebar_filters(runs)
picked = pick_runs(filter_runs(runs, f), default_n=4)
url_state.seed("bands", 3, int)
url_state.seed("edge", EDGE, float)
url_state.seed("mid", f"{MIDDLE[0]:g}-{MIDDLE[1]:g}", str)
c1, c2, c3 = st.columns(3)
c1.slider("Length bands", 1, 8, key="bands")
c2.number_input("Edge width (depth %)", 0.0, 49.0, step=1.0, key="edge",
                help="Edges = depth ≤ this or ≥ 100 − this")
c3.text_input("Middle (depth % from-to)", key="mid")
url_state.publish("bands", "edge", "mid")
try:
    lo, hi = (float(x) for x in st.session_state["mid"].split("-"))
except ValueError:
    st.error("Middle must look like 25-75.")
    st.stop()
if not picked:
    st.info("Pick at least one run.")
    st.stop()

with st.spinner("Bootstrapping confidence intervals…"):
    lengths = data.depth_observations(fp, tuple(picked))["context_length"]
    f = row_filters(f, (), lengths)
    points, u, units = data.depth_analysis(fp, tuple(picked), int(st.session_state["bands"]),
                                           float(st.session_state["edge"]), (lo, hi), f.length_range)
if points.empty:
    st.warning("No trials in the chosen length range.")
    st.stop()

names = runs.set_index("run_id")["label"].to_dict()
if len(units) > 1:
    st.warning(f"Runs count context length in different units ({', '.join(units)}): bands mix them.")
fig = depth_panels(points, names)
event = st.plotly_chart(fig, key="depth_chart", on_select="rerun", selection_mode="points")
downloads.figure(fig, "depth", key="depth-fig")
drilldown.depth_point(event, fp, names, key="depth")
downloads.table(points.assign(run=points["run_id"].map(names)), "depth_points", key="depth-points")

st.subheader("U-shape summary (edges − middle)")
ufig = u_shape_bars(u, names)
st.plotly_chart(ufig, key="u_chart")
downloads.figure(ufig, "u_shape", key="u-fig")
ut = u.assign(run=u["run_id"].map(names))[["run", "run_id", "band", "edges", "middle", "u", "low", "high",
                                           "n_edges", "n_middle"]]
st.dataframe(ut, hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.3f")
                                                 for c in ("edges", "middle", "u", "low", "high")})
downloads.table(ut, "u_shape", key="u-table")
