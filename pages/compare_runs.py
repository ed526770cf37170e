"""Compare runs: baseline vs candidate cell by cell, paired per item, and how their configs differ."""
import pandas as pd
import streamlit as st

from analysis.compare import cell_diff, config_differences, paired_test
from analysis.display_text import markdown_literal as md
from analysis.filters import filter_runs
from ui import data, downloads, url_state
from ui.figure_cache import diff_heatmap
from ui.filters import row_filters, sidebar_filters
from ui.page import page_setup

_, fp = page_setup("Compare runs", needs_runs=True)
runs = data.runs(fp)
if len(runs) < 2:
    st.info("Comparing needs two runs: add results on **Upload & runs**.")
    st.stop()

f = sidebar_filters(runs)
shown = filter_runs(runs, f)
if len(shown) < 2:
    st.info("The filters leave fewer than two runs.")
    st.stop()
ids = [int(i) for i in shown["run_id"]]
names = {int(r.run_id): f"#{r.run_id} {r.label} · {r.benchmark}" for r in runs.itertuples()}
# default pair: the first run and the next run of the same benchmark and kind (comparable cells),
# else simply the next run
bench = shown.set_index("run_id")[["benchmark", "kind"]]
same = [i for i in ids[1:] if tuple(bench.loc[i]) == tuple(bench.loc[ids[0]])]
url_state.seed("base", ids[0], int, allowed=ids)
url_state.seed("cand", same[0] if same else ids[1], int, allowed=ids)
c1, c2 = st.columns(2)
c1.selectbox("Baseline", ids, key="base", format_func=names.get)
c2.selectbox("Candidate", ids, key="cand", format_func=names.get)
url_state.publish("base", "cand")
base, cand = int(st.session_state["base"]), int(st.session_state["cand"])
if base == cand:
    st.info("Pick two different runs.")
    st.stop()
meta = runs.set_index("run_id")

st.subheader("Configs")
cfg = config_differences({**meta.loc[base].to_dict(), "scorers": data.sample_scorers(fp, base)},
                         {**meta.loc[cand].to_dict(), "scorers": data.sample_scorers(fp, cand)})
n_diff = int(cfg["differs"].sum())
if n_diff:
    st.warning(f"The configs differ in {n_diff} field(s): " + md(", ".join(cfg.loc[cfg["differs"], "field"])),
               icon=":material/difference:")
st.dataframe(cfg.style.apply(lambda r: ["background-color: #fde2e1" if r["differs"] else ""] * len(r), axis=1),
             hide_index=True)
downloads.table(cfg, f"configs_{base}_vs_{cand}", key="cmp-cfg")

st.subheader("Cell by cell: candidate − baseline")
with st.spinner("Aligning cells…"):
    cells = cell_diff(data.run_cells(fp, base), data.run_cells(fp, cand))
    pairs = data.paired_outcomes(fp, base, cand)
nia = meta.loc[base, "kind"] == "trials"
f = row_filters(f, () if nia else cells["row"], cells.loc[cells["column_order"] > 0, "column_order"])
if f.tasks:
    cells, pairs = cells[cells["row"].isin(f.tasks)], pairs[pairs["task"].isin(f.tasks)]
if f.length_range:
    cells = cells[cells["column_order"].between(*f.length_range)]
    if nia:
        pairs = pairs[pairs["task"].astype(float).between(*f.length_range)]
counts = cells["presence"].value_counts().to_dict()
st.caption(f"{counts.get('both', 0)} cells in both runs, {counts.get('only baseline', 0)} only in the baseline (×), "
           f"{counts.get('only candidate', 0)} only in the candidate (○). Scores 0-1 (perplexity raw).")
if counts.get("both", 0):
    fig = diff_heatmap(cells, "depth percent" if nia else "task", "context length" if nia else "length")
    st.plotly_chart(fig, key="cmp_heat")
    downloads.figure(fig, f"diff_{base}_vs_{cand}", key="cmp-fig")
    st.metric("Mean difference over shared cells", f"{cells['diff'].mean():+.3f}")
else:
    st.info("The two runs share no cell (different tasks, lengths or kinds of results).")
downloads.table(cells, f"cells_{base}_vs_{cand}", key="cmp-cells")

st.subheader("Paired per item")
test = paired_test(pairs)
if test is None:
    st.info("No item (sample or NIAH trial) was scored in both runs, so there is no paired test.")
else:
    if test.table:
        t = test.table
        st.dataframe(pd.DataFrame({"candidate right": [t["both right"], t["only candidate right"]],
                                   "candidate wrong": [t["only baseline right"], t["both wrong"]]},
                                  index=["baseline right", "baseline wrong"]))
    st.markdown(f"**{test.test}**: statistic {test.statistic:g}, p = {test.p_value:.4g} "
                f"(n = {test.n} paired items; {test.note}).")
    st.dataframe(pairs.assign(diff=pairs["candidate"] - pairs["baseline"]), hide_index=True)
    downloads.table(pairs, f"paired_{base}_vs_{cand}", key="cmp-pairs")
