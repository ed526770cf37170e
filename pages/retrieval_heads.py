"""Retrieval heads: detect the attention heads that copy the needle (Wu et al. 2024), and check them
by masking."""

import streamlit as st

from analysis.probes.head_compare import compare, score_matrix, sparsity
from analysis.probes.needles import BUILTIN
from jobs import retrieval_heads
from jobs.options import Haystack
from ui import probe_data, url_state
from ui.auth import writable_workspace
from ui.delete_result import delete_panel
from ui.job_panel import job_panel
from ui.model_picker import model_picker, parse_numbers
from ui.page import current_scope, page_setup
from ui.probe_figures import head_heatmap, masking_bars, ranked_scores

store, fp = page_setup("Retrieval heads")
write_ws = writable_workspace(current_scope())  # None for a viewer: probes cannot be run
#: a NIAH cell's link from the Live NIAH sweep page (ui.model_picker.retrieval_heads_link)
qp = {k: url_state.read(k) for k in ("model", "lengths", "depths", "needle", "probe")}
st.caption("Retrieval score of a head (Wu et al. 2024, arXiv 2404.15574): over NIAH samples the model answers "
           "correctly, at each decoding step the head *copies* when the argmax of its attention row lies in the "
           "needle's answer span and the token there equals the token just generated; score = distinct answer "
           "tokens copied ÷ answer length, averaged over samples. Rows are computed per decode step from the "
           "cached keys (no N×N maps).")

with st.expander("Run a detection", expanded=qp["model"] is not None or probe_data.probe_runs(fp, "retrieval_heads").empty):
    if qp.get("model") and st.session_state.get("rh_model") is None:
        st.session_state["rh_model"] = qp["model"] if qp["model"] in ("smollm2", "gemma3-270m") else "other…"
        st.session_state["rh_spec"] = qp["model"]
    picked = model_picker("rh")
    c1, c2, c3, c4 = st.columns(4)
    lengths_txt = c1.text_input("Context lengths (tokens)", qp["lengths"] or "1K, 2K")
    depths_txt = c2.text_input("Depth percents", qp["depths"] or "10, 30, 50, 70, 90")
    trials = c3.number_input("Trials per cell and needle", 1, 20, 1)
    max_new = c4.number_input("Max new tokens", 4, 128, 32)
    default_needles = [qp["needle"]] if qp["needle"] in BUILTIN else ["passkey", "sf-sandwich", "beijing"]
    needles = st.multiselect("Needles", list(BUILTIN), default=default_needles)
    d1, d2, d3 = st.columns(3)
    success = d1.slider("Sample used when answer recall >", 0.0, 0.95, 0.5, 0.05,
                        help="Reference code: ROUGE-1 recall > 0.5; failed samples are dropped and counted")
    compat = d2.toggle("Reference-code counting", help="Count every copy step (scores can exceed 1) instead of "
                                                      "the paper's distinct-token set version")
    do_mask = d3.toggle("Then run the masking check", value=True)
    k, draws, mode = 0, 3, "zero"
    if do_mask and picked:
        m1, m2, m3 = st.columns(3)
        n_heads = picked.info.n_layers * picked.info.n_heads
        k = m1.number_input("k (top heads masked)", 1, n_heads, max(1, round(0.05 * n_heads)))
        draws = m2.number_input("Random draws", 1, 10, 3)
        mode = m3.selectbox("Mask", ["zero", "uniform"], help="zero: the head's attention output is zeroed; "
                            "uniform: its attention becomes uniform (the reference code's mask)")
    with st.expander("Run settings"):
        e1, e2, e3 = st.columns(3)
        seed = e1.number_input("Seed (needle values, haystack order, random heads)", 0, 2**31 - 1, 0)
        mask_threshold = e2.number_input("Random heads drawn below score", 0.0, 1.0, 0.1, 0.01,
                                         help="the paper's retrieval-head threshold 0.1")
        plain = e3.toggle("Plain prompt (no chat template)")
        up = st.file_uploader("Haystack (UTF-8 text; default: the built-in neutral corpus)", type=["txt", "md"])
        haystack = Haystack(name=up.name, text=up.getvalue().decode("utf-8", errors="replace")) if up else None
    try:
        lengths, depths = parse_numbers(lengths_txt, int), parse_numbers(depths_txt, float)
    except ValueError:
        st.error("Lengths and depths must be numbers separated by commas")
        st.stop()
    if picked and needles and st.button("Run detection", type="primary", disabled=write_ws is None):
        try:
            options = retrieval_heads.RetrievalHeadsOptions(
                **picked.options(), lengths=lengths, depths=depths, trials=int(trials), max_new_tokens=int(max_new),
                haystack=haystack, seed=int(seed), plain=plain, needles=[BUILTIN[n] for n in needles],
                success_recall=float(success), reference_compat=compat, threshold=float(mask_threshold),
                mask_k=int(k) if do_mask else 0, mask_draws=int(draws), mask_mode=mode)
        except ValueError as exc:
            st.error(str(exc))
            st.stop()
        st.session_state["rh_job"] = retrieval_heads.submit(options, store, device=picked.info.device,
                                                            model_name=picked.info.name, scope=current_scope(),
                                                            workspace=write_ws)

    job_panel("rh_job", store, retrieval_heads.KIND)

runs = probe_data.probe_runs(fp, "retrieval_heads")
if runs.empty:
    st.info("No detection runs yet. Run one above, or from the command line: "
            "`longscope probe heads --model smollm2 --lengths 1024 --depths 10 50 90`.")
    st.stop()
names = {int(r.probe_id): f"{r.probe_id} · {r.model_name or r.model} · {r.n_used} samples · {str(r.created_at)[:16]}"
         for r in runs.itertuples()}
delete_panel(store, current_scope(), "probe", runs, names)
ids = list(names)
url_state.seed("probe", ids[0], int, allowed=ids)  # ?probe=&thr=: the permalink of this view
url_state.seed("thr", 0.1, float)
pid = st.selectbox("Detection run", ids, key="probe", format_func=names.get)
run = probe_data.probe_run(fp, pid)
df = probe_data.head_scores(fp, pid)
threshold = st.slider("Retrieval-head threshold", 0.0, 1.0, step=0.01, key="thr", help="0.1 is the paper's threshold")
url_state.publish("probe", "thr")
sp = sparsity(df, threshold)
m = st.columns(5)
m[0].metric("Samples used", run["n_used"])
m[1].metric("Dropped (model failed)", run["n_dropped"])
m[2].metric(f"Heads ≥ {threshold:g}", f"{sp['above']} of {sp['heads']}")
m[3].metric("Fraction ≥ threshold", f"{sp['fraction_above']:.1%}")
m[4].metric("Heads holding 50 % of score mass", f"{sp['fraction_half_mass']:.1%}")
cfg = run["config"]
st.caption(f"Model {run['model_name'] or run['model']} ({run['n_layers']} layers × {run['n_heads']} query heads, "
           f"{run['n_kv_heads']} KV heads) · lengths {cfg.get('lengths')} · depths {cfg.get('depths')} · "
           f"needles {[n.get('name') for n in cfg.get('needles', [])]} · score: {cfg.get('score')} · "
           f"LongScope {run['longscope_version']}")
if run["n_used"] == 0:
    st.error("0 successful samples: no head could be scored. Try shorter lengths or other needles.")


left, right = st.columns([3, 2])
left.plotly_chart(head_heatmap(score_matrix(df), "Retrieval score by layer × head"), width="stretch")
with right:
    st.markdown("**Ranked heads**")
    st.dataframe(df.assign(retrieval_head=df["score"] >= threshold), hide_index=True, height=420,
                 column_config={"score": st.column_config.NumberColumn(format="%.3f")})
st.plotly_chart(ranked_scores(df["score"].to_numpy(), threshold), width="stretch")

st.subheader("Masking check")
masks = probe_data.probe_runs(fp, "masking")
masks = masks[masks["source_probe_id"] == pid] if not masks.empty else masks
if masks.empty:
    st.caption("No masking check for this detection run yet (tick “Then run the masking check” above).")
else:
    mid = st.selectbox("Masking run", masks["probe_id"].tolist())
    summ = probe_data.masking_summary(fp, int(mid))
    mcfg = probe_data.probe_run(fp, int(mid))["config"]
    summ["condition"] = [c if c != "random" else f"random draw {d}" for c, d in zip(summ["condition"], summ["draw"])]
    c1, c2 = st.columns([3, 2])
    c1.plotly_chart(masking_bars(summ), width="stretch")
    c2.dataframe(summ.drop(columns=["draw"]), hide_index=True)
    c2.caption(f"k = {mcfg.get('k')} heads masked ({mcfg.get('mode')} mask, decode steps only); random heads are "
               f"drawn from heads below 0.1 outside the top-k, fixed seeds; same prompts in every condition.")
    with st.expander("Masked heads"):
        st.dataframe(probe_data.masked_heads(fp, int(mid)), hide_index=True)

st.subheader("Compare two score maps")
other = st.selectbox("Compare with", [i for i in ids if i != pid], format_func=names.get, index=None,
                     placeholder="another detection run (other model, other grid, …)")
if other is not None:
    df2 = probe_data.head_scores(fp, int(other))
    kk = st.number_input("Top-k for overlap", 1, 200, 20)
    a, b = st.columns(2)
    a.plotly_chart(head_heatmap(score_matrix(df), f"run {pid}"), width="stretch")
    b.plotly_chart(head_heatmap(score_matrix(df2), f"run {other}"), width="stretch")
    try:
        cmp = compare(df, df2, int(kk))
    except ValueError as exc:
        st.info(str(exc))
    else:
        n = st.columns(3)
        n[0].metric(f"Top-{kk} overlap", f"{cmp['overlap']} of {kk}")
        n[1].metric("Jaccard of top-k", f"{cmp['jaccard']:.2f}")
        n[2].metric("Spearman ρ (all heads)", f"{cmp['spearman']:.2f}")
        st.plotly_chart(head_heatmap(cmp["diff"], f"run {other} − run {pid}", diff=True), width="stretch")
