"""LongBench v1 leaderboard averages: English and Chinese "Avg" over task categories.

Follows the THUDM/LongBench ``LongBench/README.md`` leaderboard: a language's average is the
mean of its category means, each category the mean of its datasets' scores (0-100). This
reproduces the README's own EN/ZH averages from its per-dataset tables (e.g. Llama2-7B-chat-4k
31.0 / 14.3). The code datasets (lcc, repobench-p) count in both languages.
"""
from __future__ import annotations

from collections.abc import Mapping
from statistics import fmean

#: language -> category -> datasets
CATEGORIES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "Single-Doc QA": ("narrativeqa", "qasper", "multifieldqa_en"),
        "Multi-Doc QA": ("hotpotqa", "2wikimqa", "musique"),
        "Summarization": ("gov_report", "qmsum", "multi_news"),
        "Few-shot Learning": ("trec", "triviaqa", "samsum"),
        "Code Completion": ("lcc", "repobench-p"),
        "Synthetic Tasks": ("passage_count", "passage_retrieval_en"),
    },
    "zh": {
        "Single-Doc QA": ("multifieldqa_zh",),
        "Multi-Doc QA": ("dureader",),
        "Summarization": ("vcsum",),
        "Few-shot Learning": ("lsht",),
        "Code Completion": ("lcc", "repobench-p"),
        "Synthetic Tasks": ("passage_retrieval_zh",),
    },
}


def category_averages(scores: Mapping[str, float]) -> dict[str, dict]:
    """Per-language category means and overall average.

    Args:
        scores: dataset -> score (0-100), e.g. a LongBench ``result.json``.

    Returns:
        ``{"en": {"average": float | None, "categories": {name: float | None}, "missing": [dataset]}, "zh": ...}``.
        A category with a missing dataset is None, and so is the language's average: a partial
        average would not be the leaderboard's number. Values are not rounded (the README shows
        1 decimal).
    """
    out: dict[str, dict] = {}
    for lang, categories in CATEGORIES.items():
        means: dict[str, float | None] = {}
        missing: list[str] = []
        for name, datasets in categories.items():
            absent = [d for d in datasets if d not in scores or scores[d] is None]
            missing += absent
            means[name] = None if absent else fmean(float(scores[d]) for d in datasets)
        average = None if missing else fmean(means.values())
        out[lang] = {"average": average, "categories": means, "missing": missing}
    return out
