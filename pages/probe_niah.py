"""Live NIAH sweep: run a needle-in-a-haystack grid on a small model, stored as an ordinary run."""
import io
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

from analysis.display_text import markdown_literal as md
from analysis.probes.model_policy import check_text_size, max_upload_mb
from analysis.probes.needles import BUILTIN, NeedleTemplate
from jobs import niah_sweep
from jobs.options import Haystack
from ui import probe_data, url_state
from ui.auth import acting_as, writable_workspace
from ui.job_panel import job_panel
from ui.model_picker import model_picker, parse_numbers, retrieval_heads_link
from ui.page import current_scope, page_setup

store, fp = page_setup("Live NIAH sweep")
write_ws = writable_workspace(current_scope())  # None for a viewer: probes cannot be run
st.caption("Context length × depth grid in the model's own tokenizer; needle at a sentence boundary; greedy "
           "decoding; score 0/1 exact match of the answer plus answer-word recall. Cells over the model's context "
           "limit are recorded as *not run*. Results become a run like any import (heatmap, depth, degradation pages).")

picked = model_picker("niah")
c1, c2, c3, c4 = st.columns(4)
lengths_txt = c1.text_input("Context lengths (tokens)", "1K, 2K, 4K")
depths_txt = c2.text_input("Depth percents", "0, 25, 50, 75, 100")
trials = c3.number_input("Trials per cell", 1, 50, 1)
max_new = c4.number_input("Max new tokens", 4, 256, 32)

preset = st.selectbox("Needle", list(BUILTIN) + ["custom"],
                      format_func=lambda k: {"passkey": "Passkey (random 5-digit value per trial)",
                                             "sf-sandwich": "San Francisco sandwich (gkamradt)",
                                             "beijing": "Beijing (Retrieval_Head detection needle)"}.get(k, "Custom…"))
if preset == "custom":
    n1, n2, n3 = st.columns(3)
    text = n1.text_input("Needle sentence", "The secret pass key is {value}.",
                         help="{value} is replaced by a random number per trial")
    question = n2.text_input("Question", "What is the secret pass key?")
    answer = n3.text_input("Expected answer (must occur in the needle)", "{value}")
    digits = st.number_input("Digits of {value} (0 = fixed needle)", 0, 12, 5 if "{value}" in text else 0)
    try:
        needle = NeedleTemplate(text, question, answer, int(digits), name="custom")
        needle.draw(__import__("random").Random(0))
    except (ValueError, KeyError, IndexError) as exc:
        st.error(f"Needle: {exc}")
        st.stop()
else:
    needle = BUILTIN[preset]

h1, h2 = st.columns(2)
hay_choice = h1.radio("Haystack", ["Built-in neutral corpus", "Upload text"], horizontal=True)
haystack = None
if hay_choice == "Upload text":
    up = h2.file_uploader("UTF-8 text (paragraphs separated by blank lines)", type=["txt", "md"],
                          max_upload_size=max_upload_mb("haystack"))
    if up:
        text = up.getvalue().decode("utf-8", errors="replace")
        try:
            check_text_size(text, "haystack")  # size limits: analysis.probes.model_policy
        except ValueError as exc:
            st.error(f"{md(up.name)}: {exc}")
        else:
            haystack = Haystack(name=up.name, text=text)
template = st.radio("Prompt", ["Chat template when the model has one", "Plain prompt"], horizontal=True)
with st.expander("Run settings"):
    r1, r2 = st.columns(2)
    seed = r1.number_input("Seed (needle values, haystack order)", 0, 2**31 - 1, 0)
    label = r2.text_input("Run label", placeholder="default: '<model name> (probe)'")

try:
    lengths, depths = parse_numbers(lengths_txt, int), parse_numbers(depths_txt, float)
except ValueError:
    st.error("Lengths and depths must be numbers separated by commas")
    st.stop()
if picked:
    limit = picked.info.context_limit
    over = [n for n in lengths if limit and n + max_new > limit]  # 0 = limit unknown
    st.info(f"{len(lengths) * len(depths) * trials} trials"
            + (f" · not run (over the {limit:,}-token limit): {', '.join(map(str, over))}" if over else ""))
    if st.button("Run sweep", type="primary",
                 disabled=write_ws is None or (hay_choice == "Upload text" and haystack is None)):
        try:
            options = niah_sweep.NiahSweepOptions(
                **picked.options(), lengths=lengths, depths=depths, trials=int(trials), max_new_tokens=int(max_new),
                haystack=haystack, seed=int(seed), plain=template == "Plain prompt", needle=needle,
                label=label.strip() or None)
        except ValueError as exc:
            st.error(str(exc))
            st.stop()
        st.session_state["niah_job"] = niah_sweep.submit(options, store, device=picked.info.device,
                                                         model_name=picked.info.name, scope=current_scope(),
                                                         workspace=write_ws)


job_panel("niah_job", store, niah_sweep.KIND)

st.divider()
st.subheader("Sweep runs")
runs = probe_data.sweep_runs(fp)
if runs.empty:
    st.caption("No sweep runs yet (the command line `longscope probe niah` stores here too).")
    st.stop()
st.dataframe(runs.drop(columns=["config"]), hide_index=True)
url_state.seed("run", int(runs["run_id"].iloc[0]), int, allowed=runs["run_id"].tolist())  # ?run=: the permalink
rid = st.selectbox("Run", runs["run_id"].tolist(), key="run",
                   format_func=lambda i: f"{i} · {runs.set_index('run_id').at[i, 'label']}")
url_state.publish("run")
row = runs.set_index("run_id").loc[rid]
cfg = row["config"]
trials_df = probe_data.sweep_trials(fp, rid)
st.page_link("pages/niah_heatmap.py", label="Open in the NIAH heatmap", icon=":material/grid_on:",
             query_params={"runs": str(rid)})
if cfg.get("not_run"):
    st.caption("Not run: " + "; ".join(f"{c['context_length']} tokens @ {c['depth_percent']:g}%" for c in cfg["not_run"]))
cells = trials_df.groupby(["context_length", "depth_percent"]).agg(trials=("score_raw", "size"),
                                                                    accuracy=("score_raw", "mean")).reset_index()
st.dataframe(cells, hide_index=True)

e1, e2 = st.columns(2)
with e1:
    cell = st.selectbox("Find retrieval heads on this prompt (cell)", list(cells.itertuples(index=False)),
                        format_func=lambda c: f"{c.context_length} tokens, depth {c.depth_percent:g}% "
                                              f"(accuracy {c.accuracy:.0%})")
    retrieval_heads_link(row["model"], cell.context_length, cell.depth_percent, (cfg.get("needle") or {}).get("name"))
with e2:
    if st.button("Prepare needlehaystack export"):
        with tempfile.TemporaryDirectory() as tmp:
            with acting_as(current_scope()):  # the export reads the run's trials through storage.probes
                paths = niah_sweep.export_needlehaystack(store, rid, tmp, cfg.get("model_name") or row["model"])
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                for p in paths:
                    zf.write(p, Path(p).name)
        st.download_button("Download per-test JSON (zip)", buf.getvalue(), file_name=f"niah_run_{rid}.zip")
