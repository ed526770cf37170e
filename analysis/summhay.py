"""Summary of a Haystack (SummHay) scoring: coverage, citation and joint scores, and judge agreement.

Source: Laban et al. 2024, "Summary of a Haystack: A Challenge to Long-Context LLMs and RAG Systems",
and the repository's scoring code (salesforce/summary-of-a-haystack): per reference insight,
coverage = 1 (fully covered), 0.5 (partially), 0 (not covered); for a covered insight the citation
score is the F1 between the documents cited by the matched bullet and the insight's gold documents
(precision = |cited ∩ gold| / |cited|, recall = |cited ∩ gold| / |gold|, 0 when a side is empty);
joint = coverage x citation (0 for an uncovered insight). A system's score is the mean over its
insights (citation: over covered insights only). Judges' bullet ids are 1-based; the human
annotators' ``candidate_id`` is 0-based (the repository compares ``bullet_id - 1`` with it).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: coverage label (human lower case, judge upper case) -> score
COVERAGE = {"fully_covered": 1.0, "partially_covered": 0.5, "not_covered": 0.0,
            "FULL_COVERAGE": 1.0, "PARTIAL_COVERAGE": 0.5, "NO_COVERAGE": 0.0}
_CITES = re.compile(r"\[([\d, ]+)\]")


def coverage_score(label: str) -> float:
    """0/0.5/1 for a coverage label (either spelling).

    Raises:
        KeyError: an unknown label.
    """
    return COVERAGE[label]


def citations(bullet: str) -> set[int]:
    """Document numbers cited in a bullet: ``[32][6]`` and ``[3, 4]`` forms (SummHay's convention)."""
    return {int(x) for m in _CITES.findall(bullet) for x in m.split(",") if x.strip()}


def citation_prf(cited: set[int], gold: set[int]) -> tuple[float, float, float]:
    """(precision, recall, F1) of cited vs gold document numbers; 0 where a side is empty."""
    hit = len(cited & gold)
    p = hit / len(cited) if cited else 0.0
    r = hit / len(gold) if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def insight_scores(coverage: float, bullet: str | None, gold: set[int] | None) -> dict[str, float]:
    """Scores of one insight: coverage, and citation / joint when the gold documents are known
    (NaN otherwise; citation is NaN for an uncovered insight, joint is then 0)."""
    if gold is None:
        return {"coverage": coverage, "citation": np.nan, "joint": np.nan}
    if coverage == 0 or bullet is None:
        return {"coverage": coverage, "citation": np.nan, "joint": 0.0}
    cit = citation_prf(citations(bullet), gold)[2]
    return {"coverage": coverage, "citation": cit, "joint": coverage * cit}


def system_scores(rows: pd.DataFrame) -> pd.DataFrame:
    """Per-system means of the per-insight scores.

    Args:
        rows: columns system, scorer, coverage, citation, joint (one row per summary x insight x scorer).

    Returns:
        One row per (system, scorer): coverage, citation (mean over covered insights), joint, n insights.
    """
    g = rows.groupby(["system", "scorer"], sort=True)
    return g.agg(coverage=("coverage", "mean"), citation=("citation", "mean"), joint=("joint", "mean"),
                 n=("coverage", "size")).reset_index()


def judge_agreement(rows: pd.DataFrame, reference: str = "human") -> pd.DataFrame:
    """Pearson correlation between each judge's and the reference's per-insight coverage scores.

    Args:
        rows: columns item (summary x insight id), scorer, coverage.

    Returns:
        One row per judge: judge, pearson r, n (insights scored by both), mean judge - mean human.
    """
    wide = rows.pivot_table(index="item", columns="scorer", values="coverage", aggfunc="first")
    if reference not in wide:
        raise ValueError(f"no {reference!r} scores to compare with")
    out = []
    for judge in [c for c in wide.columns if c != reference]:
        both = wide[[reference, judge]].dropna()
        r = float(np.corrcoef(both[reference], both[judge])[0, 1]) if len(both) > 1 else np.nan
        out.append({"judge": judge, "pearson r": r, "n": len(both),
                    "mean difference": float(both[judge].mean() - both[reference].mean())})
    return pd.DataFrame(out, columns=["judge", "pearson r", "n", "mean difference"])
