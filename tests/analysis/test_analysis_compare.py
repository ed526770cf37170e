"""Paired tests on textbook examples; cell diffs and config differences by hand."""
from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from analysis.compare import cell_diff, config_differences, mcnemar, outcome_table, paired_test


def test_mcnemar_agresti_presidential_approval():
    # Agresti, Categorical Data Analysis (2nd ed.), Table 10.1: approval of the President's
    # performance in two surveys a month apart; 794 / 150 / 86 / 570. z^2 = (86-150)^2/236 = 17.36.
    chi2, p = mcnemar(150, 86, exact=False, correction=False)
    assert chi2 == pytest.approx(17.356, abs=1e-3) and p < 0.001
    chi2c, _ = mcnemar(150, 86, exact=False, correction=True)
    assert chi2c == pytest.approx(63 ** 2 / 236)
    stat, p_exact = mcnemar(150, 86)
    assert stat == 86 and p_exact == pytest.approx(2 * stats.binom.cdf(86, 236, 0.5))


def test_mcnemar_small_exact_by_hand():
    # b=5, c=0: p = 2 * 0.5^5 = 0.0625
    assert mcnemar(5, 0)[1] == pytest.approx(0.0625)
    assert mcnemar(0, 0) == (0.0, 1.0)


def test_paired_table_and_test_choice():
    pairs = pd.DataFrame({"baseline": [1, 1, 1, 1, 1, 0, 0, 1], "candidate": [1, 0, 0, 0, 0, 0, 1, 1]})
    assert outcome_table(pairs) == {"both right": 2, "only baseline right": 4, "only candidate right": 1, "both wrong": 1}
    t = paired_test(pairs)
    assert t.test.startswith("McNemar") and t.p_value == pytest.approx(2 * (1 + 5) / 32)  # binomial(4 of 5)


def test_wilcoxon_graded_by_hand():
    # differences 1..5 and -6: W+ = 15, W- = 6; exact two-sided p = 2 * 14/64 (14 sign patterns with W- <= 6)
    base = pd.Series([0.0] * 6)
    cand = pd.Series([0.1, 0.2, 0.3, 0.4, 0.5, -0.6])
    t = paired_test(pd.DataFrame({"baseline": base + 0.3, "candidate": cand + 0.3}))
    assert t.test == "Wilcoxon signed-rank" and t.statistic == pytest.approx(6) and t.p_value == pytest.approx(28 / 64)


def test_cell_diff_marks_cells_only_one_run_has():
    b = pd.DataFrame({"row": ["a", "b"], "column": ["4K", "4K"], "column_order": [4096.0, 4096.0],
                      "row_order": [0, 0], "value": [0.5, 0.9], "n": [10, 10]})
    c = pd.DataFrame({"row": ["a", "c"], "column": ["4K", "4K"], "column_order": [4096.0, 4096.0],
                      "row_order": [0, 0], "value": [0.7, 0.1], "n": [10, 10]})
    d = cell_diff(b, c).set_index("row")
    assert d.loc["a", "diff"] == pytest.approx(0.2) and d.loc["a", "presence"] == "both"
    assert d.loc["b", "presence"] == "only baseline" and pd.isna(d.loc["b", "diff"])
    assert d.loc["c", "presence"] == "only candidate"


def test_config_differences():
    a = {"evaluator": "gpt-4 judge", "score_scale": "judge_1_10", "tokenizer": "cl100k", "length_unit": "tokens",
         "config": {"chat_template": "llama3", "temperature": 0}}
    b = {"evaluator": "string match", "score_scale": "binary", "tokenizer": "cl100k", "length_unit": "tokens",
         "config": {"temperature": 0.7}, "scorers": ["babilong first-sentence"]}
    d = config_differences(a, b).set_index("field")
    assert d.loc["scorer", "candidate"] == "string match; babilong first-sentence" and d.loc["scorer", "differs"]
    assert d.loc["scale", "differs"] and not d.loc["tokenizer", "differs"] and not d.loc["length unit", "differs"]
    assert d.loc["chat template", "baseline"] == "llama3" and d.loc["chat template", "candidate"] == "-"
    assert d.loc["temperature", "differs"]
    assert d.loc["max length", "baseline"] == "-" and not d.loc["max length", "differs"]
