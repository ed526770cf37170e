"""Length degradation: score vs context length, one line per run, n and a 95% bootstrap band."""
import streamlit as st

from analysis.degradation import combine_runs
from analysis.display_text import markdown_literal as md
from analysis.filters import filter_rows, filter_runs
from analysis.lengths import format_length, mixing_warnings
from ui import data, downloads, drilldown, url_state
from ui.figure_cache import line_panels
from ui.filters import combine_toggle, pick_runs, row_filters, sidebar_filters
from ui.page import page_setup

_, fp = page_setup(
    "Length degradation",
    "Mean score at every tested context length, one line per run, with a 95% percentile bootstrap band "
    "(trials, samples stratified by task, or tasks resampled; see n). Log-scaled length axis.",
    needs_runs=True)
runs = data.runs(fp)
runs = runs[runs["kind"] != "empty"]
if runs.empty:
    st.info("No scored runs yet: add results on **Upload & runs**.")
    st.stop()

f = sidebar_filters(runs)
picked = pick_runs(filter_runs(runs, f))
names_all = runs.set_index("run_id")["label"].to_dict()
if not picked:
    st.info("Pick at least one run.")
    st.stop()
flagged = data.flagged_samples(fp, tuple(picked))
truncated = "exclude"
if len(flagged):
    url_state.seed("truncated", "exclude", str, allowed=["exclude", "keep"])
    truncated = st.sidebar.radio(
        "Samples the harness truncated", ["exclude", "keep"], key="truncated",
        format_func={"exclude": "leave out", "keep": "keep at their own length"}.get,
        help="LongBench cuts prompts over the model's budget from the middle: such a sample was evaluated on "
             "fewer tokens than its length says.")
    url_state.publish("truncated")
    st.caption(f"{int(flagged['truncated'].sum()):,} truncated sample(s) "
               f"({'left out' if truncated == 'exclude' else 'kept at their own length'}) and "
               f"{int(flagged['over_window'].sum()):,} over the model window (always left out) in the picked runs.")
with st.spinner("Bootstrapping confidence intervals…"):
    obs = data.length_observations(fp, tuple(picked), truncated)
    f = row_filters(f, obs["task"].dropna(), obs["length_value"])
    points = data.length_points_for(fp, picked, tuple(f.tasks), truncated)
points = filter_rows(points, f)
no_axis = [r for r in picked if r not in set(points["run_id"])]
if no_axis:  # say which picked runs the chart cannot use, never drop them silently
    st.caption("Not drawn (no scores by context length: scored overall only, or every point filtered out): "
               + ", ".join(f"\\#{r} {md(names_all.get(r, r))}" for r in no_axis))
series = combine_toggle(runs, default=False)
if series:
    points = combine_runs(points, series)
if points.empty:
    st.warning("The picked runs have no scores by length (runs scored only overall have no length axis).")
    st.stop()

names = runs.set_index("run_id")["label"].to_dict()
for w in mixing_warnings(points):
    st.warning(w, icon=":material/straighten:")
fig = line_panels(points, names)
event = st.plotly_chart(fig, key="deg_chart", on_select="rerun", selection_mode="points")
downloads.figure(fig, "length_degradation", key="deg-fig")

table = points.assign(run=points["series"] if series else points["run_id"].map(names),
                      length=[format_length(v, l) for v, l in zip(points["length_value"], points["length_label"])])
table = table[["run", "run_id", "length", "length_value", "length_unit", "tokenizer", "metric_kind", "source",
               "mean", "low", "high", "n", "tasks"]]
st.dataframe(table, hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.3f")
                                                    for c in ("mean", "low", "high")})
downloads.table(table, "length_degradation_points", key="deg-table")

drilldown.length_point(event, fp, names, key="deg")
