"""Context traceback: which passages of the context made the model give its answer."""
import streamlit as st

from analysis.probes.jobs import job_queue
from analysis.probes.traceback.niah_source import niah_trial_context
from analysis.probes.traceback.run import METHODS, TracebackConfig, run_traceback
from analysis.probes.traceback.segment import LEVELS, segment
from storage.traceback import save_traceback
from ui import probe_data, url_state
from ui.model_picker import job_panel, model_picker
from analysis.probes.model_policy import check_text_size, max_upload_mb
from ui.auth import run_as, writable_workspace
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
method = c2.selectbox("Method", list(METHODS), format_func=METHODS.get)
k = c3.number_input("K (top passages)", 1, 50, 5)
with st.expander("Method settings"):
    s1, s2, s3, s4 = st.columns(4)
    n_perm = s1.number_input("Shapley permutations N", 1, 100, 5)
    n_abl = s2.number_input("ContextCite ablations", 8, 1024, 64)
    n_sub = s3.number_input("AttnTrace subsamples B", 1, 200, 30)
    budget = s4.number_input("Forward-pass budget (0 = none)", 0, 100_000, 2_000)
    heads = None
    runs = probe_data.probe_runs(fp, "retrieval_heads")
    runs = runs[runs["model"] == model_spec] if not runs.empty else runs
    if method == "attntrace" and not runs.empty:
        pick = st.selectbox("Attention heads", [None] + runs["probe_id"].tolist(),
                            format_func=lambda p: "all heads" if p is None
                            else f"retrieval heads of detection run {p}")
        if pick is not None:
            n_top = st.number_input("Top heads", 1, 100, 15)
            hs = probe_data.head_scores(fp, int(pick)).head(int(n_top))
            heads = list(zip(hs["layer"].astype(int), hs["head"].astype(int)))
    faith = st.checkbox("Faithfulness check (remove top-K vs K random, regenerate)", value=True)

cfg = TracebackConfig(method=method, k=int(k), segmentation=seg, n_permutations=int(n_perm), n_ablations=int(n_abl),
                      n_subsamples=int(n_sub), heads=heads, max_forward_passes=int(budget) or None, faithfulness=faith)
ready = bool(model_spec and context and question.strip() and (answer is None or answer.strip()))
try:
    check_text_size(context, "context")  # size limits: analysis.probes.model_policy
except ValueError as exc:
    st.error(str(exc))
    ready = False
if ready:
    try:
        n = len(segment(context, seg))
    except ValueError as exc:
        st.error(str(exc))
        st.stop()
    est = cfg.estimate(n)
    st.info(f"{n} passages · {METHODS[method]} needs at most **{est:,} forward passes**"
            + (f" (budget {cfg.max_forward_passes:,})" if cfg.max_forward_passes else ""))
    over = cfg.max_forward_passes is not None and est > cfg.max_forward_passes and method != "tracllm"
    if st.button("Run traceback", type="primary", disabled=over or write_ws is None):
        def work(job, pm=picked, ctx=context, q=question, a=answer, conf=cfg):
            loaded = pm.load()
            res = run_traceback(loaded.model, loaded.tokenizer, ctx, q, answer=a, config=conf, model_name=pm.spec, job=job)
            doc = res.to_json()
            doc["traceback_id"] = save_traceback(store, doc, context_hash=res.context_hash)
            return doc

        job = job_queue().submit("traceback", f"{METHODS[method]} · {question[:40]}", run_as(work, current_scope(), write_ws),
                                device=picked.info.device)
        st.session_state["traceback_job"] = job.id
else:
    st.caption("Give a model, a context, a question (and the answer if typed) to see the cost estimate.")


def _done(job) -> None:
    st.success(f"Stored as traceback {job.result['traceback_id']}: shown below under Past results.")


job_panel("traceback_job", _done)

st.divider()
st.subheader("Past results")
past = probe_data.tracebacks(fp)
if past.empty:
    st.caption("No stored tracebacks yet (the command line stores with --db).")
else:
    st.dataframe(past.drop(columns=["context_hash"]), hide_index=True)
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
