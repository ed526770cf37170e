"""Benchmark correlation: do benchmarks rank the models the same way?"""
import pandas as pd
import streamlit as st

from analysis.correlation import MIN_N
from analysis.display_text import markdown_literal as md
from analysis.filters import filter_runs
from ui import data, downloads, url_state
from ui.figure_cache import correlation_grid, pair_scatter
from ui.filters import row_filters, sidebar_filters
from ui.page import page_setup

_, fp = page_setup(
    "Benchmark correlation",
    "Models × benchmarks matrix of mean 0-1 scores; Spearman's ρ and Kendall's τ-b between every pair of "
    "columns over the models both have, with n and a 95% CI by the Fisher z-transform (variances "
    "1.06/(n−3) for ρ and 0.437/(n−4) for τ, Fieller et al. 1957). Perplexity runs are left out.",
    needs_runs=True)
runs = data.runs(fp)
tm = data.task_means(fp)
if tm.empty:
    st.info("No scored runs yet: add results on **Upload & runs**.")
    st.stop()

f = sidebar_filters(runs)
keep = set(filter_runs(runs, f)["run_id"])
url_state.seed("by", "benchmark", str, allowed=["benchmark", "task"])
url_state.seed("method", "spearman", str, allowed=["spearman", "kendall"])
url_state.seed("min_n", MIN_N, int)
c1, c2, c3 = st.columns(3)
c1.radio("Columns", ["benchmark", "task"], key="by", horizontal=True)
c2.radio("Colour by", ["spearman", "kendall"], key="method", horizontal=True,
         format_func={"spearman": "Spearman ρ", "kendall": "Kendall τ"}.get)
c3.number_input("Minimum shared models", 3, 100, key="min_n")
url_state.publish("by", "method", "min_n")
if st.session_state["by"] == "task":
    f = row_filters(f, tm.loc[tm["run_id"].isin(keep), "task"].dropna())

with st.spinner("Correlating…"):
    matrix, pairs = data.correlations(fp, tuple(sorted(keep)), st.session_state["by"], tuple(f.tasks),
                                      int(st.session_state["min_n"]))
st.subheader(f"Models × {st.session_state['by']}s ({matrix.shape[0]} × {matrix.shape[1]})")
st.dataframe(matrix, column_config={c: st.column_config.NumberColumn(format="%.3f") for c in matrix.columns})
downloads.table(matrix.reset_index(names="model"), "model_matrix", key="corr-matrix")
if pairs is None:
    st.info("Correlations need at least two benchmarks (or tasks) with scores.")
    st.stop()

method = st.session_state["method"]
fig = correlation_grid(pairs, list(matrix.columns), method)
event = st.plotly_chart(fig, key="corr_chart", on_select="rerun", selection_mode="points")
downloads.figure(fig, "correlation", key="corr-fig")
st.caption("Grey cells: fewer shared models than the minimum. Click a cell to see the scatter of that pair.")
st.dataframe(pairs, hide_index=True)
downloads.table(pairs, "correlation_pairs", key="corr-pairs")

labels = [f"{a} | {b}" for a, b in zip(pairs["a"], pairs["b"])]
sel = (event.selection.points if event and event.selection else []) or []
clicked = next((p["customdata"] for p in sel if p.get("customdata")), None)
if clicked and clicked[0] != clicked[1]:
    pair = f"{clicked[0]} | {clicked[1]}"
    st.session_state["pair"] = pair if pair in labels else f"{clicked[1]} | {clicked[0]}"
best = labels[int(pairs["n"].to_numpy().argmax())]  # default: the pair sharing the most models
url_state.seed("pair", best, str, allowed=labels)
st.selectbox("Pair", labels, key="pair")
url_state.publish("pair")
a, b = st.session_state["pair"].split(" | ")
row = pairs[(pairs["a"] == a) & (pairs["b"] == b)].iloc[0]
if pd.isna(row["spearman"]) or pd.isna(row["kendall"]):
    st.info(f"**{md(a)} vs {md(b)}**: {row['n']} shared model(s) with scores on both, so no rank correlation is "
            f"defined (it needs at least 3 models scored on both{' with differing scores' if row['n'] >= 3 else ''}). "
            "Upload runs of the same models on both, or pick another pair.")
    st.stop()
st.markdown(f"**{md(a)} vs {md(b)}**: n = {row['n']} shared models · Spearman ρ = {row['spearman']:.3f} "
            f"(95% CI {row['spearman_low']:.2f} – {row['spearman_high']:.2f}) · Kendall τ = {row['kendall']:.3f} "
            f"(95% CI {row['kendall_low']:.2f} – {row['kendall_high']:.2f})")
sfig = pair_scatter(matrix, a, b)
st.plotly_chart(sfig, key="pair_chart")
downloads.figure(sfig, f"scatter_{a}_{b}", key="corr-scatter")
