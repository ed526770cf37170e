"""Harness scoring rules (analysis/scoring) on small cases computed by hand.

The real-file reproductions of the published numbers are in test_importers_predictions.py.
"""
from __future__ import annotations

import math

import pytest

from analysis.scoring import babilong, infinitebench, leval, longbench, longbench_v2
from analysis.scoring.longbench_categories import CATEGORIES, category_averages

# ---------------------------------------------------------------- LongBench v1 (metrics.py / eval.py)


def test_english_normalisation_and_token_f1():
    assert longbench.normalize_en("The Cat, sat!  on a mat.") == "cat sat on mat"
    # pred tokens cat sat on mat, reference cat on mat: overlap 3, P = 3/4, R = 1, F1 = 6/7
    assert longbench.qa_f1("the cat sat on a mat", "Cat on mat") == pytest.approx(6 / 7)
    assert longbench.qa_f1("dog", "cat") == 0.0


def test_chinese_scores_work_on_jieba_words():
    assert longbench.qa_f1_zh("北京。", "北京") == 1.0
    assert longbench.qa_f1_zh("上海", "北京") == 0.0
    # jieba: 我 / 爱 / 北京 vs 我 / 爱 / 上海 -> 2 of 3 words shared: F1 = 2/3, ROUGE-L = 2/3
    assert longbench.qa_f1_zh("我爱北京", "我爱上海") == pytest.approx(2 / 3)
    assert longbench.rouge_l_zh("我爱北京", "我爱上海") == pytest.approx(2 / 3, abs=1e-6)
    # 北京 / ， / 欢迎 / 你: the comma is normalised away -> 3 tokens vs 1: P = 1/3, R = 1, F1 = 1/2
    assert longbench.qa_f1_zh("北京，欢迎你", "北京") == pytest.approx(0.5)


def test_rouge_l_is_the_rouge_packages_lcs_f1():
    # one sentence each, LCS 3 of 4 / 4 tokens: P = R = 3/4 -> F = 3/4 (the library adds 1e-8 terms)
    assert longbench.rouge_l("a b c d", "a c d e") == pytest.approx(0.75, abs=1e-6)
    # LCS 2: R = 2/4, P = 2/2 -> F1 = 2/3
    assert longbench.rouge_l("a b", "a b c d") == pytest.approx(2 / 3, abs=1e-6)
    # sentences are split at '.', and the LCS is the union over reference sentences: 'a b' + 'c' = 3 of 4
    assert longbench.rouge_l("a b c x", "a b. c d") == pytest.approx(0.75, abs=1e-6)
    assert longbench.rouge_l("", "a b") == 0.0  # the library raises on an empty hypothesis; LongBench scores 0


def test_count_and_retrieval_are_shares_of_the_numbers_named():
    assert longbench.count("There are 3 paragraphs, not 4 or 3", "3") == pytest.approx(2 / 3)
    assert longbench.count("no idea", "3") == 0.0
    assert longbench.retrieval("Paragraph 12, maybe 5", "Paragraph 12") == 0.5
    assert longbench.retrieval_zh("段落3", "段落3") == 1.0
    with pytest.raises(ValueError, match="paragraph number"):
        longbench.retrieval("1", "no paragraph here")


def test_classification_keeps_the_harness_skip_after_a_removal():
    # found = [ab, b, a]; "b" (inside the reference) is removed, so "a" is never examined: 1/2
    assert longbench.classification("ab", "ab", ["ab", "b", "a"]) == 0.5
    # "location" is inside the reference "Other location" and dropped: 1/1
    assert longbench.classification("Other location", "Other location", ["Other location", "location", "City"]) == 1.0
    assert longbench.classification("City", "Other location", ["Other location", "City"]) == 0.0


def test_code_sim_takes_the_first_plain_line_and_difflib_ratio_in_whole_percent():
    assert longbench.code_sim("```python\n# set x\nx = 1\n", "x = 1") == 1.0
    assert longbench.code_sim("abcd", "abce") == 0.75  # 2 * 3 matches / 8 characters
    assert longbench.code_sim("abc", "abd") == 0.67  # 2 * 2 / 6 = 66.7 % -> 67
    assert longbench.code_sim("# only comments", "x") == 0.0


def test_score_sample_cuts_few_shot_predictions_to_the_first_line_and_takes_the_best_answer():
    classes = ["Food", "Date"]
    assert longbench.score_sample("trec", "\nFood\nQuestion: when?\nType: Date", ["Food"], classes) == 1.0
    # not a few-shot dataset: both classes named -> 1/2
    assert longbench.classification("Food ... Date", "Food", classes) == 0.5
    assert longbench.score_sample("hotpotqa", "Paris", ["London", "Paris"]) == 1.0
    assert longbench.score_sample("hotpotqa_e", "Paris", ["Paris"]) == 1.0
    assert longbench.rule_for("gov_report_e") == "rouge_l" and longbench.rule_for("my_dataset") is None


def test_length_buckets_and_dataset_score():
    assert [longbench.length_bucket(n) for n in (3999, 4000, 7999, 8000)] == ["0-4k", "4-8k", "4-8k", "8k+"]
    assert longbench.dataset_score([1.0, 0.0, 0.5]) == 50.0
    assert math.isnan(longbench.dataset_score([]))


def test_category_averages_mean_of_category_means():
    scores = {d: 50.0 for cats in CATEGORIES.values() for ds in cats.values() for d in ds}
    scores["narrativeqa"] = 20.0  # Single-Doc QA = (20 + 50 + 50) / 3 = 40
    out = category_averages(scores)
    assert out["en"]["categories"]["Single-Doc QA"] == pytest.approx(40.0)
    assert out["en"]["average"] == pytest.approx((40 + 5 * 50) / 6)
    assert out["zh"]["average"] == 50.0
    del scores["vcsum"]
    out = category_averages(scores)
    assert out["zh"]["average"] is None and out["zh"]["missing"] == ["vcsum"]
    assert out["en"]["average"] == pytest.approx((40 + 5 * 50) / 6)


# ---------------------------------------------------------------- LongBench v2 (result.py)


def test_v2_grouped_accuracy_has_no_empty_groups():
    rows = [("easy", "short", 1.0), ("hard", "short", 0.0), ("hard", "medium", 1.0)]
    acc = longbench_v2.grouped_accuracy(rows)
    assert acc[("overall", "")] == (pytest.approx(200 / 3), 3)
    assert acc[("difficulty", "easy")] == (100.0, 1) and acc[("difficulty", "hard")] == (50.0, 2)
    assert acc[("length", "short")] == (50.0, 2) and acc[("length", "medium")] == (100.0, 1)
    assert ("length", "long") not in acc
    assert longbench_v2.accuracy([]) is None
    assert longbench_v2.question_score(False, None, compensated=True) == 0.25
    assert longbench_v2.question_score(True, "A") == 1.0 and longbench_v2.question_score(False, None) == 0.0


# ---------------------------------------------------------------- BABILong (babilong/metrics.py)

ROOMS = babilong.TASK_LABELS["qa1"]


@pytest.mark.parametrize(
    "target, output, question, expected",
    [
        ("kitchen", "The kitchen. Then the office.", "Where is Mary?", True),  # first sentence only
        ("kitchen", "Kitchen or office.", "Where is Mary?", False),  # two labels named
        ("office", "From the kitchen to the office", "Where was Mary before the kitchen?", True),  # question label ignored
        ("kitchen", "", "Where is Mary?", False),  # empty output
        ("kitchen", "bathroom <example> kitchen", "Where is Mary?", False),  # cut before <example>
    ],
)
def test_babilong_compare_answers(target, output, question, expected):
    assert babilong.compare_answers(target, output, question, ROOMS) is expected


def test_babilong_labels_are_case_insensitive_and_some_tasks_have_none():
    assert babilong.compare_answers("Fred", "fred", "Who gave the milk?", babilong.TASK_LABELS["qa5"])
    assert "qa8" not in babilong.TASK_LABELS and "qa7" in babilong.TASK_LABELS


# ---------------------------------------------------------------- InfiniteBench (src/compute_scores.py)


def test_infinitebench_passkey_and_kv():
    assert infinitebench.passkey("The pass key is 71432.", "71432")
    assert infinitebench.passkey(" 71432. Remember it.", ["71432"])
    assert not infinitebench.passkey("7143 2", "71432")
    assert not infinitebench.passkey("no number", "71432")
    assert infinitebench.kv_retrieval('The value is: "abc-1".', "abc-1")
    assert not infinitebench.kv_retrieval('The value is: "abc-12"', "abc-1")


def test_infinitebench_choice():
    labels = ["Walking Georgie", "A"]
    assert infinitebench.longbook_choice_eng("A. Walking Georgie", labels)
    assert not infinitebench.longbook_choice_eng(" D", labels)
    assert infinitebench.longbook_choice_eng("Walking Georgie", labels)
    assert infinitebench.longbook_choice_eng("The answer is: A", labels)
    assert not infinitebench.longbook_choice_eng("the answer is", labels)  # ends at the prefix
    assert infinitebench.longbook_choice_eng("I think A is right", labels)  # first word inside "ABCD"
    assert not infinitebench.longbook_choice_eng("I think AB", labels)  # "AB" is inside "ABCD" but not a label
    assert not infinitebench.longbook_choice_eng("   ", labels)


def test_infinitebench_math_find():
    assert infinitebench.math_find("88\n\nThe smallest is 1", 88)
    assert infinitebench.math_find("It is 88", [88])
    assert not infinitebench.math_find("3.5 or 4", 4)  # first number 3.5 is not the integer 4
    assert infinitebench.math_find("3.5 or 4", 3.5)
    assert not infinitebench.math_find("none", 4)
    with pytest.raises(TypeError):
        infinitebench.math_find("4", "4")


# ---------------------------------------------------------------- L-Eval (auto_eval.py + em.py)


def test_leval_option_extraction():
    assert leval.reference_letters("(B) Their subconscious knew") == "B"
    assert leval.reference_letters("AC") == "AC"
    assert leval.predicted_letters("The answer is C", multi_answer=False) == "C"
    assert leval.predicted_letters("", multi_answer=False) == "None"
    assert leval.predicted_letters("DA and B", multi_answer=True) == "AD"  # leading run of letters
    assert leval.predicted_letters("Options A and C are correct", multi_answer=True) == "AC"
    assert leval.predicted_letters("nothing", multi_answer=True) == "A"  # the harness's fallback guess


def test_leval_exact_match_with_partial_credit():
    assert leval.exact_match("AB", "AB") == 1.0
    assert leval.exact_match("A", "AB") == 0.25
    assert leval.exact_match("C", "AB") == 0.0
    assert leval.exact_match("None", "A") == 0.0
    assert leval.exact_match("3.0", "3") == 1.0
    assert leval.exact_match("The role of Art in society.", "The role of art in society") == 1.0
    # only the first line longer than one character counts
    assert leval.exact_match("Sure!\nThe role of art in society", "The role of art in society") == 0.0
    assert leval.score_sample("coursera", "A", "AB") == 0.25
    assert leval.score_sample("tpo", "I pick B.", "B") == 1.0
    with pytest.raises(KeyError):
        leval.score_sample("gsm100", "1", "1")
    assert [leval.topic_index(i) for i in (0, 1, 2, 3, 5)] == [1, 2, 3, 1, 3]
