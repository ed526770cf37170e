"""F19: Summary of a Haystack (SummHay) evaluator-benchmark JSON (salesforce/summary-of-a-haystack
``data/eval_benchmark_data.json``).

A JSON array of judged summaries: ``summkey`` names the system (``summary_subtopic_<summarizer>`` =
full haystack in context, or ``summary_subtopic_<retriever>_<summarizer>``; the retriever
``dwzhu/e5-base-4k`` contains a slash), ``summary`` is a list of bullets, ``reference_insights`` the
insights to cover, ``annotation`` the human coverage labels (``candidate_id`` 0-based bullet or
``no_selection``) and every ``predictions_<prompt>_<judge>`` key one LLM judge's labels
(``bullet_id`` 1-based, ``NA`` or a list). There is no length axis: the axis is the retrieval setting.

Stored: one run per system; one sample per (summary, insight) scored with the human label (0 / 0.5 /
1, :mod:`analysis.summhay`), the judges' scores in ``extra``; the system's coverage (human) as a task
score, the judges' in ``config``, and the human-vs-judge Pearson agreement over the whole file in
``config``. Citation and joint scores need each insight's gold documents, which live in the haystack
files (``documents[].insights_included``), not in this file: they are reported as not computable.
See docs/result_formats.md §19 (F19).
"""
from __future__ import annotations

import pandas as pd

from analysis.summhay import COVERAGE, insight_scores, judge_agreement, system_scores
from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile, require

FORMAT = "summhay"
LABEL = "Summary of a Haystack judged summaries JSON (SummHay evaluator benchmark)"
PRIORITY = 25

PREFIX = "summary_subtopic_"
RETRIEVERS = ("dwzhu/e5-base-4k", "random", "vector", "keywords", "oracle")
HUMAN = "human"


def detect(src: SourceFile) -> bool:
    """JSON array whose first object has ``summkey``, ``reference_insights`` and ``annotation``."""
    head = src.head(8192).lstrip()
    return src.suffix == ".json" and head.startswith("[") and all(
        f'"{k}"' in head for k in ("summkey", "reference_insights", "annotation"))


def split_system(summkey: str) -> tuple[str, str]:
    """``summary_subtopic_vector_gpt-4o`` -> ('vector', 'gpt-4o'); no retriever -> ('full context', summarizer)."""
    name = summkey[len(PREFIX):] if summkey.startswith(PREFIX) else summkey
    for r in RETRIEVERS:
        if name.startswith(r + "_"):
            return r, name[len(r) + 1:]
    return "full context", name


def parse(src: SourceFile) -> list[ParsedFile]:
    """One run per system, samples per (summary, insight), coverage per system and scorer.

    Raises:
        FormatError: not a list of objects, a record without ``summkey`` / ``summary`` /
            ``reference_insights`` / ``annotation`` (names the record and field), an annotation for
            an unknown insight, or an unknown coverage label.
    """
    data = src.json()
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise src.error(None, "expected a JSON array of objects")
    rows = []
    judges: list[str] = []
    for i, rec in enumerate(data):
        where = f"record {i}, "
        summkey = require(src, rec, "summkey", str, where)
        bullets = require(src, rec, "summary", list, where)
        insights = {ins.get("insight_id"): ins for ins in require(src, rec, "reference_insights", list, where)}
        human = require(src, rec, "annotation", list, where)
        labels = {key[len("predictions_"):]: rec[key] for key in rec if key.startswith("predictions_")}
        judges += [j for j in labels if j not in judges]
        by_judge = {j: {p.get("insight_id"): p for p in preds if isinstance(p, dict)} for j, preds in labels.items()}
        for a in human:
            iid = a.get("insight_id")
            if iid not in insights:
                raise src.error(f"{where}field 'annotation'", f"insight_id {iid!r} is not in reference_insights")
            row = {"record": i, "summkey": summkey, "insight_id": iid, "human": _score(src, a.get("coverage"), where, "annotation"),
                   "candidate_id": a.get("candidate_id"), "n_bullets": len(bullets), "insight": insights[iid].get("insight"),
                   "subtopic": rec.get("subtopic"), "haystack": rec.get("topic_fn") or rec.get("topic_id")}
            for j, preds in by_judge.items():
                p = preds.get(iid)
                row[j] = None if p is None else _score(src, p.get("coverage"), where, f"predictions_{j}")
                row[f"{j} bullet"] = None if p is None else p.get("bullet_id")
            bullet = _bullet(bullets, a.get("candidate_id"))
            row["bullet"] = bullet
            rows.append(row)
    if not rows:
        raise src.error(None, "no annotated insight")
    df = pd.DataFrame(rows)
    long = df.melt(id_vars=["record", "insight_id"], value_vars=[HUMAN, *judges], var_name="scorer", value_name="coverage")
    agreement = judge_agreement(long.assign(item=long["record"].astype(str) + ":" + long["insight_id"]).dropna(subset=["coverage"]))
    agree = {r["judge"]: {"pearson_r": round(r["pearson r"], 6), "n": int(r["n"])} for _, r in agreement.iterrows()}
    scored = long.dropna(subset=["coverage"]).assign(system=lambda d: d["record"].map(df.groupby("record")["summkey"].first()))
    # no gold documents in this file: citation and joint come out NaN (insight_scores with gold=None)
    per_insight = pd.DataFrame([insight_scores(c, None, None) for c in scored["coverage"]], index=scored.index)
    by_system = system_scores(pd.concat([scored[["system", "scorer"]], per_insight], axis=1))
    out = []
    for summkey, g in df.groupby("summkey", sort=False):
        retriever, summarizer = split_system(summkey)
        samples = pd.DataFrame({
            "task": "coverage", "row_index": range(len(g)),
            "sample_id": (g["record"].astype(str) + ":" + g["insight_id"]).tolist(),
            "prediction": g["bullet"].tolist(),
            "reference": [{"insight_id": i, "insight": t} for i, t in zip(g["insight_id"], g["insight"])],
            "score_raw": g[HUMAN].tolist(), "scale": "frac_0_1", "scorer": "human annotation (SummHay coverage 1/0.5/0)",
            "extra": [{"judges": {j: r[j] for j in judges}, "judge_bullets": {j: r[f"{j} bullet"] for j in judges},
                       "candidate_id": r["candidate_id"], "subtopic": r["subtopic"], "haystack": r["haystack"]}
                      for _, r in g.iterrows()],
        })
        mine = by_system[by_system["system"] == summkey].set_index("scorer")["coverage"]
        judge_cov = {j: round(float(mine[j]), 6) for j in judges if j in mine}
        out.append(ParsedFile(
            format=FORMAT, run_key=f"{FORMAT}:{src.path}:{summkey}", benchmark="summhay",
            score_scale="frac_0_1", length_unit=None, model=summarizer, model_source="field",
            label=f"{summarizer} · {retriever}",
            evaluator="human annotation (judges in config)",
            config={"retriever": retriever, "summarizer": summarizer, "judge_coverage": judge_cov,
                    "judge_agreement_whole_file": agree, "n_summaries": int(g["record"].nunique())},
            inferred={"model": f"{summarizer} (field summkey {summkey!r})",
                      "retrieval setting": f"{retriever} (field summkey; there is no length axis)",
                      "scale": "coverage 1 / 0.5 / 0 per insight (SummHay rule), mean per system"},
            notes=["citation and joint scores need each insight's gold documents (in the haystack files), "
                   "which this file does not hold: not computed"],
            task_scores=pd.DataFrame([{"task": "coverage", "metric": "human", "scale": "frac_0_1",
                                       "value_raw": float(mine[HUMAN]), "n_samples": len(g),
                                       "extra": {"judges": judge_cov}}]),
            samples=samples,
        ))
    return out


def _score(src: SourceFile, label, where: str, field: str) -> float:
    if label not in COVERAGE:
        raise src.error(f"{where}field '{field}'", f"unknown coverage label {label!r:.40} (known: {', '.join(COVERAGE)})")
    return COVERAGE[label]


def _bullet(bullets: list, candidate) -> str | None:
    """The human-matched bullet (``candidate_id`` is 0-based), or None for ``no_selection``."""
    try:
        k = int(candidate)
    except (TypeError, ValueError):
        return None
    return str(bullets[k]) if 0 <= k < len(bullets) else None
