"""Context traceback: which passages of the context made the model give its answer."""
import streamlit as st

from analysis.probes.model_policy import check_text_size, max_upload_mb
from analysis.probes.traceback.methods.registry import METHODS
from analysis.probes.traceback.niah_source import niah_trial_context
from analysis.probes.traceback.segment import LEVELS, segment
from jobs import traceback as traceback_job
from ui import probe_data, url_state
from ui.method_params import params_form
from ui.auth import writable_workspace
from ui.delete_result import delete_panel
from ui.job_panel import job_panel
from ui.model_picker import model_picker
from ui.page import current_scope, page_setup
from ui.traceback_view import render_result

store, fp = page_setup("Context traceback")
write_ws = writable_workspace(current_scope())  # None for a viewer: probes cannot be run
st.caption("Scores each passage by how much the model's answer depends on it: leave-one-out, Shapley, "
           "TracLLM (USENIX Security 2025), ContextCite (NeurIPS 2024), AttnTrace-style attention. "
           "A forward pass = one teacher-forced pass over prompt ⊕ answer with the model's chat template.")

picked = model_picker("traceback")
model_spec = picked.spec if picked else ""

source = st.radio("Context", ["Paste text", "Upload a text file", "Passage list (one per line)",
                             "NIAH trial of a live sweep"], horizontal=True)
question_default, answer_default = "", None
if source == "NIAH trial of a live sweep":
    sweeps = probe_data.sweep_runs(fp)
    if sweeps.empty:
        st.info("No live NIAH sweep stored yet (Probes → NIAH sweep).")
        st.stop()
    run = st.selectbox("Sweep run", sweeps.to_dict("records"), format_func=lambda r: f"{r['run_id']} · {r['label']}")
    trials = probe_data.sweep_trials(fp, int(run["run_id"]))
    row = st.selectbox("Trial", trials.to_dict("records"),
                       format_func=lambda r: f"{r['context_length']} tokens · depth {r['depth_percent']:g}% · "
                                             f"trial {r['trial']} · exact {r['score_raw']} · {(r['response'] or '')[:50]!r}")
    if picked is None or picked.spec != run["model"]:
        st.info(f"This trial was run on **{run['model']}**: pick that model above to trace it.")
        st.stop()
    st.caption(f"Model of the sweep: {model_spec}; the trial's answer is pre-filled (typed).")
    with st.spinner("Rebuilding the trial's context with the model's tokenizer"):
        try:
            conf = run["config"]
            context, question_default, _needle = niah_trial_context(
                picked.load().tokenizer, conf, row["context_length"], row["depth_percent"], row["trial"])
        except ValueError as exc:
            st.error(str(exc))
            st.stop()
    answer_default = row["response"]
    with st.expander("Context of the trial"):
        st.text(context)
elif source == "Paste text":
    context = st.text_area("Context", height=200, placeholder="Paste the context the model answered from")
elif source == "Upload a text file":
    up = st.file_uploader("Text file", type=["txt", "md"], max_upload_size=max_upload_mb("context"))
    context = up.getvalue().decode("utf-8", errors="replace") if up else ""
else:
    context = [ln for ln in st.text_area("Passages, one per line", height=200).splitlines() if ln.strip()]
question = st.text_input("Question", value=question_default)
typed = st.toggle("Type the answer (otherwise generated greedily)", value=answer_default is not None)
answer = st.text_input("Answer", value=answer_default or "") if typed else None

c1, c2, c3 = st.columns(3)
seg = c1.selectbox("Segmentation", LEVELS, disabled=isinstance(context, list),
                   help="TracLLM uses 100-word windows; a passage list is used as given")
method = c2.selectbox("Method", list(METHODS), format_func=lambda m: METHODS[m].label)
k = c3.number_input("K (top passages)", 1, 50, 5)
with st.expander("Method settings"):
    heads = None
    runs = probe_data.probe_runs(fp, "retrieval_heads")
    runs = runs[runs["model"] == model_spec] if not runs.empty else runs
    if "heads" in METHODS[method].Params.model_fields and not runs.empty:
        pick = st.selectbox("Attention heads", [None] + runs["probe_id"].tolist(),
                            format_func=lambda p: "all heads" if p is None
                            else f"retrieval heads of detection run {p}")
        if pick is not None:
            n_top = st.number_input("Top heads", 1, 100, 15)
            hs = probe_data.head_scores(fp, int(pick)).head(int(n_top))
            heads = list(zip(hs["layer"].astype(int), hs["head"].astype(int)))
    try:
        params = params_form(METHODS[method],
                             {"heads": heads} if "heads" in METHODS[method].Params.model_fields else None)
    except ValueError as exc:
        st.error(f"{METHODS[method].label}: {exc}")
        st.stop()
    s1, s2 = st.columns(2)
    budget = s1.number_input("Forward-pass budget (0 = none)", 0, 100_000, 2_000)
    batch = s2.number_input("Subsets per batched forward pass", 1, 64, 1)
    faith = st.checkbox("Faithfulness check (remove top-K vs K random, regenerate)", value=True)

ready = bool(model_spec and context and question.strip() and (answer is None or answer.strip()))
try:
    check_text_size(context, "context")  # size limits: analysis.probes.model_policy
except ValueError as exc:
    st.error(str(exc))
    ready = False
if ready:
    try:
        options = traceback_job.TracebackOptions(
            **picked.options(), context=context, question=question, answer=answer, method=method,
            params=params.model_dump(), k=int(k), segmentation=seg, batch_size=int(batch),
            max_forward_passes=int(budget) or None, faithfulness=faith)
        n = len(segment(context, seg))
    except ValueError as exc:
        st.error(str(exc))
        st.stop()
    cfg = options.config()
    st.info(f"{n} passages · {METHODS[method].label} needs at most **{cfg.estimate(n):,} forward passes**"
            + (f" (budget {cfg.max_forward_passes:,})" if cfg.max_forward_passes else ""))
    if st.button("Run traceback", type="primary", disabled=cfg.refuses(n) or write_ws is None):
        st.session_state["traceback_job"] = traceback_job.submit(options, store, device=picked.info.device,
                                                                 scope=current_scope(), workspace=write_ws)
else:
    st.caption("Give a model, a context, a question (and the answer if typed) to see the cost estimate.")

job_panel("traceback_job", store, traceback_job.KIND)

st.divider()
st.subheader("Past results")
past = probe_data.tracebacks(fp)
if past.empty:
    st.caption("No stored tracebacks yet (the command line stores with --db).")
else:
    st.dataframe(past.drop(columns=["context_hash"]), hide_index=True)
    delete_panel(store, current_scope(), "traceback", past,
                 {int(r.traceback_id): f"{r.traceback_id} · {r.method} · {r.question}" for r in past.itertuples()})
    ids = past["traceback_id"].tolist()
    url_state.seed_list("tb", ids[:1], int, allowed=ids)  # ?tb=: the permalink of the results shown
    chosen = st.multiselect("Show or compare", ids, key="tb",
                            format_func=lambda i: f"{i} · {past.set_index('traceback_id').at[i, 'method']}")
    url_state.publish("tb")
    if len(chosen) == 1:
        render_result(probe_data.traceback_result(fp, int(chosen[0])), key=f"past-{chosen[0]}")
    elif len(chosen) > 1:
        hashes = past.set_index("traceback_id").loc[chosen, "context_hash"].nunique()
        if hashes > 1:
            st.warning("These results are on different contexts; passage indices do not correspond.")
        st.dataframe(probe_data.traceback_scores(fp, tuple(int(i) for i in chosen)), hide_index=True)
