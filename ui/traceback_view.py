"""Display of one traceback result (the CLI/storage JSON document): shaded context, top-K table,
faithfulness check, downloads."""
from __future__ import annotations

import html
import json
import math

import pandas as pd
import streamlit as st

from analysis.display_text import markdown_literal as md


def shade_alphas(scores: list[float | None]) -> list[float]:
    """Opacity per passage in [0, 1]: score / max positive score; negative, unscored → 0."""
    vals = [s if s is not None and not math.isnan(s) and s > 0 else 0.0 for s in scores]
    top = max(vals, default=0.0)
    return [v / top if top > 0 else 0.0 for v in vals]


def shaded_context_html(passages: list[dict], top_k: list[int]) -> str:
    """HTML of the passages, each on an orange background as strong as its score; top-K ranks shown."""
    alphas = shade_alphas([p.get("score") for p in passages])
    ranks = {i: r for r, i in enumerate(top_k, 1)}
    parts = []
    for p, a in zip(passages, alphas):
        rank = ranks.get(p["index"])
        badge = f"<b>#{rank}</b> " if rank else ""
        score = "unscored" if p.get("score") is None else f"{p['score']:+.3f}"
        border = "2px solid #c05000" if rank else "1px solid #ddd"
        parts.append(
            f"<div title='passage {p['index']} · score {score}' style='background: rgba(255,140,0,{0.85 * a:.3f});"
            f" border: {border}; border-radius: 4px; padding: 4px 8px; margin: 3px 0'>"
            f"<span style='color:#666; font-size: 0.8em'>[{p['index']}] {score}</span> {badge}"
            f"{html.escape(p['text'])}</div>")
    return "\n".join(parts)


def render_result(doc: dict, key: str) -> None:
    """Show a result document: answer, cost, shaded context, top-K list, faithfulness, downloads."""
    st.markdown(f"**Answer** ({md(doc.get('answer_source', 'given'))}): {md(doc['answer'])}")
    c = st.columns(3)
    c[0].metric("Method", md(doc["method"]))
    c[1].metric("Forward passes", f"{doc['forward_passes']:,}")
    c[2].metric("Seconds", f"{doc['seconds']:.1f}")
    left, right = st.columns([3, 2])
    with left:
        st.caption("Context, each passage shaded by its score (darker = more responsible for the answer)")
        st.html(shaded_context_html(doc["passages"], doc["top_k"]))
    with right:
        st.caption(f"Top-{len(doc['top_k'])} passages")
        by_index = {p["index"]: p for p in doc["passages"]}
        st.dataframe(pd.DataFrame([{"rank": r, "passage": i, "score": by_index[i]["score"], "text": by_index[i]["text"]}
                                   for r, i in enumerate(doc["top_k"], 1)]), hide_index=True)
        f = doc.get("faithfulness")
        if f:
            st.caption(f"Faithfulness: remove the top-{f['k']} vs {f['k']} random passages "
                       f"(mean of {f['random_draws']} draws); answer log-probability in nats")
            st.dataframe(pd.DataFrame([
                {"context": "all passages", "answer log-prob": f["logprob_full"], "answer survives": "yes"},
                {"context": f"without top-{f['k']}", "answer log-prob": f["logprob_without_top"],
                 "answer survives": {True: "yes", False: "no", None: "—"}[f["survives_without_top"]]},
                {"context": f"without {f['k']} random", "answer log-prob": f["logprob_without_random"],
                 "answer survives": "—" if f["survives_without_random"] is None
                 else f"{f['survives_without_random']:.0%} of draws"},
            ]), hide_index=True)
    d1, d2 = st.columns(2)
    d1.download_button("Export JSON", json.dumps(doc, indent=2, default=str), file_name="traceback.json",
                       mime="application/json", key=f"json-{key}")
    d2.download_button("Export CSV (passages)", pd.DataFrame(doc["passages"]).to_csv(index=False),
                       file_name="traceback_passages.csv", mime="text/csv", key=f"csv-{key}")
