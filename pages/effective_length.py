"""Effective context length (RULER): longest tested length whose score stays at or above a threshold,
plus RULER's weighted averages, as a chart with the threshold drawn and a table per run."""
import streamlit as st

from analysis.degradation import combine_runs
from analysis.effective_length import NOLIMA_FRACTION, RULER_THRESHOLD, ruler_table
from analysis.filters import filter_rows, filter_runs
from analysis.lengths import mixing_warnings
from ui import data, downloads, drilldown, url_state
from ui.figure_cache import line_panels
from ui.filters import combine_toggle, pick_runs, row_filters, sidebar_filters
from ui.page import page_setup

_, fp = page_setup(
    "Effective context length",
    f"RULER's definition (Hsieh et al. 2024): the longest tested length at which the score, and the score at "
    f"every shorter tested length, is at or above the threshold; RULER uses {RULER_THRESHOLD} "
    "(Llama-2-7B-chat at 4K). wAvg (inc/dec): linear weights 1..n / n..1 over the tested lengths. "
    "Scores on 0-100.",
    needs_runs=True)
runs = data.runs(fp)
runs = runs[runs["kind"] != "empty"]
if runs.empty:
    st.info("No scored runs yet: add results on **Upload & runs**.")
    st.stop()

f = sidebar_filters(runs)
url_state.seed("threshold", RULER_THRESHOLD, float)
st.sidebar.number_input("Threshold (0-100)", 0.0, 100.0, step=0.1, key="threshold",
                        help=f"RULER: {RULER_THRESHOLD} = Llama-2-7B-chat at 4K")
url_state.publish("threshold")
threshold = float(st.session_state["threshold"])
nolima = st.sidebar.checkbox("Also NoLiMa's rule", value=True, key="nolima",
                             help="NoLiMa (Modarressi et al. 2025): longest length whose score stays at or above "
                                  f"{NOLIMA_FRACTION:.0%} of the model's own base score (here: its score at its "
                                  "shortest tested length).")
candidates = filter_runs(runs, f)
picked = pick_runs(candidates, default_n=8)
if not picked:
    st.info("Pick at least one run.")
    st.stop()
with st.spinner("Computing scores per length…"):
    obs = data.length_observations(fp, tuple(picked))
    f = row_filters(f, obs["task"].dropna(), obs["length_value"])
    points = data.length_points_for(fp, picked, tuple(f.tasks))
points = filter_rows(points, f)
points = points[(points["metric_kind"] == "score") & points["length_value"].notna()]
series = combine_toggle(runs, default=True)
points = combine_runs(points, series or {r: f"#{r} {n}" for r, n in runs.set_index("run_id")["label"].items()})
if points.empty:
    st.warning("The picked runs have no 0-1 scores at numeric lengths (perplexity and bucket-only runs have no "
               "effective length).")
    st.stop()

names = runs.set_index("run_id")["label"].to_dict()
for w in mixing_warnings(points):
    st.warning(w, icon=":material/straighten:")
fig = line_panels(points, names, y_title="score (0-100)", hline=threshold, scale=100)
event = st.plotly_chart(fig, key="eff_chart", on_select="rerun", selection_mode="points")
downloads.figure(fig, "effective_length", key="eff-fig")
drilldown.length_point(event, fp, names, key="eff")

table = ruler_table(points.assign(name=points["series"], score=points["mean"] * 100), threshold,
                    nolima_fraction=NOLIMA_FRACTION if nolima else None)
if points.groupby("series")["length_value"].apply(frozenset).nunique() > 1:
    st.warning("The runs were tested at different sets of lengths: Avg. and wAvg are only comparable between runs "
               "tested at the same lengths (cells shown as None below were not tested).", icon=":material/warning:")
st.subheader(f"Per {'model and benchmark' if series else 'run'}, threshold {threshold:g}")
st.dataframe(table.drop(columns=["effective_length_value"]), hide_index=True,
             column_config={c: st.column_config.NumberColumn(format="%.1f") for c in table.columns
                            if c not in ("name", "effective length", "effective_length_value", "lengths tested",
                                         "recovers at", "NoLiMa effective length")})
if nolima:
    st.caption(f"NoLiMa effective length: threshold = {NOLIMA_FRACTION:.0%} x the score at the shortest tested "
               "length (NoLiMa's base score averages 250, 500 and 1K tokens); same prefix rule as RULER's.")
downloads.table(table, "effective_length", key="eff-table")
