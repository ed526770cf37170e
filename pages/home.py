"""Home: what LongScope is for, what to do first, and the runs stored so far."""
import streamlit as st

from ui import data
from ui.page import page_setup

_, fp = page_setup("LongScope", "Interactive analysis of long-context LLM evaluations: NIAH, RULER, LongBench, "
                   "BABILong, InfiniteBench, L-Eval, HELMET, lm-evaluation-harness.")

runs = data.runs(fp)
if runs.empty:
    st.info("The store is empty. Bring in the result files your harness wrote:")
    st.markdown(
        "1. **Upload** them on the [Upload & runs](upload) page (several files, or a `.zip` that keeps "
        "the folder names — RULER, LongBench, BABILong and InfiniteBench keep the model name only in the path), or\n"
        "2. point the command line at a folder:\n"
    )
    st.code("longscope ingest path/to/results/ [--model NAME]", language="bash")
    st.caption("While this app has the default embedded store (one DuckDB file) open, another process cannot "
               "write to it: the command says \"database is busy\". Upload here instead, stop the app first, or "
               "run the team store (`LONGSCOPE_STORE=ducklake:postgres:...`, README \"Team store\"), which "
               "many processes write at once.")
    st.markdown("Then open the [NIAH heatmap](niah_heatmap) to explore a needle-in-a-haystack run.")
else:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("runs", f"{len(runs):,}")
    c2.metric("models", f"{runs['model'].nunique():,}")
    c3.metric("NIAH trials", f"{int(runs['n_trials'].sum()):,}")
    c4.metric("task scores / samples", f"{int(runs['n_task_scores'].sum()):,} / {int(runs['n_samples'].sum()):,}")
    st.subheader("Runs")
    st.dataframe(
        runs[["run_id", "label", "model", "benchmark", "harness", "score_scale", "length_unit",
              "n_trials", "n_task_scores", "n_samples", "n_files", "created_at"]],
        hide_index=True, width="stretch",
        column_config={"run_id": st.column_config.NumberColumn("run", format="%d"),
                       "created_at": st.column_config.DatetimeColumn("ingested", format="YYYY-MM-DD HH:mm")},
    )
    st.page_link("pages/upload.py", label="Upload more results or manage runs", icon=":material/upload_file:")
    st.page_link("pages/niah_heatmap.py", label="Open the NIAH heatmap", icon=":material/grid_on:")
