"""SummHay scoring rule (coverage 1/0.5/0; citation F1 vs gold documents; joint = coverage x citation)
and judge agreement; expected values computed by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.summhay import citation_prf, citations, coverage_score, insight_scores, judge_agreement, system_scores


def test_citations_and_f1():
    assert citations("* point one [32][6][91]") == {32, 6, 91} and citations("x [3, 4]") == {3, 4}
    # cited {1, 2}, gold {2, 3, 4}: P = 1/2, R = 1/3, F1 = 2 * (1/6) / (5/6) = 0.4
    assert citation_prf({1, 2}, {2, 3, 4}) == pytest.approx((0.5, 1 / 3, 0.4))
    assert citation_prf(set(), {1}) == (0.0, 0.0, 0.0)


def test_insight_and_system_scores():
    assert coverage_score("PARTIAL_COVERAGE") == 0.5 and coverage_score("fully_covered") == 1.0
    s = insight_scores(0.5, "- b [1][2]", {2, 3, 4})
    assert s == pytest.approx({"coverage": 0.5, "citation": 0.4, "joint": 0.2})
    none = insight_scores(0.0, None, {1})
    assert none["joint"] == 0.0 and np.isnan(none["citation"])
    assert np.isnan(insight_scores(1.0, "b [1]", None)["joint"])  # no gold documents: not computable
    rows = pd.DataFrame([{"system": "a", "scorer": "human", **s}, {"system": "a", "scorer": "human", **none}])
    out = system_scores(rows).iloc[0]
    assert (out["coverage"], out["citation"], out["joint"], out["n"]) == pytest.approx((0.25, 0.4, 0.1, 2))


def test_judge_agreement():
    rows = pd.DataFrame({"item": list("abcd") * 2, "scorer": ["human"] * 4 + ["j"] * 4,
                         "coverage": [1, 0, 0.5, 1, 1, 0.5, 0, 1]})
    r = judge_agreement(rows).iloc[0]
    assert r["judge"] == "j" and r["pearson r"] == pytest.approx(7 / 11) and r["n"] == 4 and r["mean difference"] == 0
    with pytest.raises(ValueError):
        judge_agreement(rows.assign(scorer="j"))
