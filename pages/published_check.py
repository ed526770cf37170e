"""Published-number check: a run next to the headline numbers published for its model and benchmark."""
import pandas as pd
import streamlit as st

from analysis.display_text import markdown_literal as md
from analysis.filters import filter_runs
from analysis.published import check_run, matches, stored_rows, user_row
from ui import data, downloads, published_tables, url_state
from ui.filters import pick_runs, sidebar_filters
from ui.page import current_scope, page_setup

store, fp = page_setup(
    "Published-number check",
    "Each run is set beside the numbers published for the same model and benchmark (shipped: RULER README "
    "main table, InfiniteBench, L-Eval and LongBench README numbers; stored ones typed in or read from a "
    "README / leaderboard table below). Aggregates are "
    "recomputed over the run's own tasks, and a missing, extra or collapsed task (below half the run's "
    "median task score) is named rather than averaged away.")
runs = data.runs(fp)
shipped = data.published()

with st.expander("Enter published numbers (values on 0-100)"):
    template = pd.DataFrame({"benchmark": pd.Series(dtype=str), "model": pd.Series(dtype=str),
                             "task": pd.Series(dtype=str), "length_label": pd.Series(dtype=str),
                             "value": pd.Series(dtype=float), "tasks": pd.Series(dtype=str),
                             "source": pd.Series(dtype=str)})
    st.caption("One row per number. For an aggregate (mean over tasks) leave task empty and list the member "
               "tasks as a;b;c. Length like 4K, 4096 or a bucket label; empty = all lengths.")
    entered = st.data_editor(template, num_rows="dynamic", key="user_published", hide_index=True)
    published_tables.save_entered(store, entered, scope=current_scope())
published_tables.table_reader(store, scope=current_scope())
user = [user_row(r.benchmark, r.model, r.task, r.value, length_label=r.length_label, tasks=r.tasks,
                 source=r.source or "entered by the user")
        for r in entered.itertuples() if isinstance(r.benchmark, str) and isinstance(r.model, str) and pd.notna(r.value)]
user_pub = pd.concat([stored_rows(published_tables.stored_table(store, scope=current_scope())), pd.DataFrame(user, columns=shipped.columns)],
                     ignore_index=True)
published = pd.concat([shipped, user_pub], ignore_index=True)

with st.expander(f"Shipped published numbers ({len(shipped)})"):
    st.dataframe(shipped, hide_index=True)
    downloads.table(shipped, "published_numbers", key="pub-shipped")

if runs.empty:
    st.info("No runs yet: add results on **Upload & runs**.")
    st.stop()
has_pub = set(data.runs_with_published(fp)) | {
    int(r.run_id) for r in runs.itertuples()
    if any(matches(r.model, p) or matches(r.label, p) for _, p in user_pub[user_pub["benchmark"] == r.benchmark].iterrows())}
matched = runs[runs["run_id"].isin(has_pub)]
st.caption(f"{len(matched)} of {len(runs)} runs have a published number for their model and benchmark.")
url_state.seed("tol", 1.0, float)
st.sidebar.number_input("Tolerance (points on 0-100)", 0.0, 50.0, step=0.5, key="tol")
url_state.publish("tol")
f = sidebar_filters(runs)
picked = pick_runs(filter_runs(matched if len(matched) else runs, f), default_n=4)
meta = runs.set_index("run_id")
for rid in picked:
    run = meta.loc[rid].copy()
    run["run_id"] = rid
    scores = data.run_task_scores(fp, (rid,))
    res = check_run(run, scores, published, tolerance=float(st.session_state["tol"]))
    st.subheader(f"\\#{rid} {md(run['label'])} · {md(run['benchmark'])}")
    if res.empty:
        st.info(f"No published number for model {md(repr(run['model']))} on {md(run['benchmark'])}. Enter one above.")
        continue
    for _, r in res[res["status"].isin(["differs", "different task set"])].iterrows():
        parts = [f"run {r['run']:.2f} over {r['run tasks']} task(s) vs published {r['published']:g} over "
                 f"{r['published tasks']} ({r['published model']}, {r['length'] or 'all lengths'}): {r['delta']:+.2f}"]
        parts += [f"{k}: {r[k]}" for k in ("missing tasks", "extra tasks", "collapsed tasks") if r[k]]
        st.error(f"**{md(r['what'])}** — " + md("; ".join(parts)), icon=":material/error:")
    shown = res[res["status"] != "not in run"]
    st.dataframe(shown, hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.2f")
                                                        for c in ("published", "run", "delta")})
    missing = int((res["status"] == "not in run").sum())
    if missing:
        st.caption(f"{missing} published number(s) for this model are at lengths or tasks the run does not have.")
    downloads.table(res, f"published_check_run{rid}", key=f"pub-{rid}")
    with st.expander("The run's task scores"):
        st.dataframe(scores.assign(value_100=scores["value"] * 100), hide_index=True)
