"""LongBench v1 / LongBench-E per-sample metrics and dataset scores.

Follows THUDM/LongBench ``metrics.py`` (the metric functions) and ``eval.py`` (``dataset2metric``,
``scorer`` and ``scorer_e``): a sample's score is the best score over its reference answers, in
0..1; a dataset's score is 100 x the mean over its samples (the harness rounds it to 2 decimals);
LongBench-E splits samples into length buckets by the ``length`` field (words for English,
characters for Chinese datasets).

Libraries: ROUGE-L is the ``rouge`` package (pltrdy, the one LongBench imports; its ROUGE-L F is
the summary-level union-LCS F1 over sentences split at ``.``, with the package's default word
counting - it differs from Google's ``rouge-score``), Chinese word segmentation is
``jieba``, and the code similarity is ``difflib.SequenceMatcher``'s ratio in integer percent, which
is what ``fuzzywuzzy.fuzz.ratio`` computes without python-Levenshtein installed (the Levenshtein
variant does not reproduce the published ``result.json``: lcc 60.87 instead of 58.65).
"""
from __future__ import annotations

import difflib
import logging
import re
import string
from collections import Counter
from collections.abc import Callable, Sequence

import jieba
from rouge import Rouge

jieba.setLogLevel(logging.WARNING)

#: Chinese punctuation removed by LongBench's Chinese normalisation (``normalize_zh_answer``), plus ASCII.
_ZH_PUNCT = set(
    string.punctuation
    + "！？｡。＂＃＄％＆＇（）＊＋，－／：；＜＝＞＠［＼］＾＿｀｛｜｝～｟｠｢｣､、〃》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟〰〾〿–—‘’‛“”„‟…‧﹏."
)
_EN_PUNCT = set(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_ROUGE_L = Rouge(metrics=["rouge-l"])


def normalize_en(text: str) -> str:
    """Lower-case, drop ASCII punctuation, drop the articles a/an/the, collapse whitespace (SQuAD style)."""
    text = "".join(ch for ch in text.lower() if ch not in _EN_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def normalize_zh(text: str) -> str:
    """Lower-case, drop ASCII and Chinese punctuation and all whitespace."""
    return "".join(ch for ch in "".join(text.lower().split()) if ch not in _ZH_PUNCT)


def token_f1(prediction: Sequence[str], reference: Sequence[str]) -> float:
    """F1 of the multiset overlap of two token lists (0 when nothing overlaps)."""
    same = sum((Counter(prediction) & Counter(reference)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(prediction), same / len(reference)
    return 2 * precision * recall / (precision + recall)


def qa_f1(prediction: str, reference: str, all_classes=None) -> float:
    """Token F1 after English normalisation (``qa_f1_score``)."""
    return token_f1(normalize_en(prediction).split(), normalize_en(reference).split())


def _zh_tokens(text: str) -> list[str]:
    return [t for t in (normalize_zh(tok) for tok in jieba.cut(text, cut_all=False)) if t]


def qa_f1_zh(prediction: str, reference: str, all_classes=None) -> float:
    """Token F1 over jieba words, each normalised, empty ones dropped (``qa_f1_zh_score``)."""
    return token_f1(_zh_tokens(prediction), _zh_tokens(reference))


def rouge_l(prediction: str, reference: str, all_classes=None) -> float:
    """ROUGE-L F of the ``rouge`` package; 0.0 where it raises (e.g. an empty prediction), as LongBench does."""
    try:
        return float(_ROUGE_L.get_scores([prediction], [reference], avg=True)["rouge-l"]["f"])
    except Exception:  # noqa: BLE001 - LongBench scores any failure of the library as 0
        return 0.0


def rouge_l_zh(prediction: str, reference: str, all_classes=None) -> float:
    """ROUGE-L over jieba words joined by spaces (``rouge_zh_score``)."""
    return rouge_l(" ".join(jieba.cut(prediction, cut_all=False)), " ".join(jieba.cut(reference, cut_all=False)))


def _share_of_numbers_equal(prediction: str, target: str) -> float:
    numbers = re.findall(r"\d+", prediction)
    return sum(n == target for n in numbers) / len(numbers) if numbers else 0.0


def count(prediction: str, reference: str, all_classes=None) -> float:
    """Share of the integers in the prediction equal to the reference count (``count_score``)."""
    return _share_of_numbers_equal(prediction, str(reference))


def retrieval(prediction: str, reference: str, all_classes=None) -> float:
    """Share of the integers in the prediction equal to N of the reference's ``Paragraph N`` (``retrieval_score``).

    Raises:
        ValueError: the reference has no ``Paragraph N``.
    """
    return _share_of_numbers_equal(prediction, _paragraph_id(reference, r"Paragraph (\d+)"))


def retrieval_zh(prediction: str, reference: str, all_classes=None) -> float:
    """As :func:`retrieval` with the reference's ``段落N`` (``retrieval_zh_score``)."""
    return _share_of_numbers_equal(prediction, _paragraph_id(reference, r"段落(\d+)"))


def _paragraph_id(reference: str, pattern: str) -> str:
    m = re.search(pattern, reference)
    if m is None:
        raise ValueError(f"reference {reference!r:.60} has no paragraph number ({pattern})")
    return m.group(1)


def classification(prediction: str, reference: str, all_classes: Sequence[str] | None = None) -> float:
    """1/k when the reference is among the k class names found in the prediction, else 0 (``classification_score``).

    Class names found inside the reference (but not equal to it) are dropped first, exactly as the
    harness's loop does it: it removes items from the list it iterates over, so the item after each
    removed one is not examined. The harness's difflib fall-back is unreachable (its guard compares a
    list with 0), so it is not part of the rule.
    """
    found = [c for c in (all_classes or []) if c in prediction]
    i = 0
    while i < len(found):  # same visiting order as iterating a list while removing from it
        term = found[i]
        if term in reference and term != reference:
            found.remove(term)
        i += 1
    return 1.0 / len(found) if reference in found else 0.0


def code_sim(prediction: str, reference: str, all_classes=None) -> float:
    """Edit similarity of the first code line of the prediction to the reference, 0..1 (``code_sim_score``).

    The first line (after leading newlines) containing none of ```, ``#``, ``//`` is compared with
    ``fuzz.ratio`` (difflib's 2*matches/total in integer percent, half to even), divided by 100.
    """
    line = ""
    for candidate in prediction.lstrip("\n").split("\n"):
        if "`" not in candidate and "#" not in candidate and "//" not in candidate:
            line = candidate
            break
    if line == reference:
        return 1.0
    if not line or not reference:
        return 0.0
    return round(100 * difflib.SequenceMatcher(None, line, reference).ratio()) / 100


Rule = Callable[..., float]

#: rule name -> function(prediction, reference, all_classes) -> 0..1
RULES: dict[str, Rule] = {
    "qa_f1": qa_f1, "qa_f1_zh": qa_f1_zh, "rouge_l": rouge_l, "rouge_l_zh": rouge_l_zh,
    "classification": classification, "retrieval": retrieval, "retrieval_zh": retrieval_zh,
    "count": count, "code_sim": code_sim,
}

#: dataset -> rule name (LongBench ``eval.py`` ``dataset2metric``)
DATASET_RULE: dict[str, str] = {
    "narrativeqa": "qa_f1", "qasper": "qa_f1", "multifieldqa_en": "qa_f1", "multifieldqa_zh": "qa_f1_zh",
    "hotpotqa": "qa_f1", "2wikimqa": "qa_f1", "musique": "qa_f1", "dureader": "rouge_l_zh",
    "gov_report": "rouge_l", "qmsum": "rouge_l", "multi_news": "rouge_l", "vcsum": "rouge_l_zh",
    "trec": "classification", "triviaqa": "qa_f1", "samsum": "rouge_l", "lsht": "classification",
    "passage_retrieval_en": "retrieval", "passage_count": "count", "passage_retrieval_zh": "retrieval_zh",
    "lcc": "code_sim", "repobench-p": "code_sim",
}

#: datasets whose ``length`` counts characters (Chinese); the others count words
CHINESE_DATASETS = frozenset({"multifieldqa_zh", "dureader", "vcsum", "lsht", "passage_retrieval_zh"})

#: few-shot datasets whose prediction is cut to its first line before scoring (``eval.py``)
FIRST_LINE_DATASETS = frozenset({"trec", "triviaqa", "samsum", "lsht"})

#: LongBench-E length buckets (``scorer_e``), in order
BUCKETS = ("0-4k", "4-8k", "8k+")


def base_dataset(name: str) -> str:
    """Dataset name without LongBench-E's ``_e`` suffix (``hotpotqa_e`` -> ``hotpotqa``)."""
    return name[:-2] if name.endswith("_e") and name[:-2] in DATASET_RULE else name


def rule_for(dataset: str) -> str | None:
    """The rule name for ``dataset`` (``_e`` suffix allowed), or None for a dataset LongBench does not define."""
    return DATASET_RULE.get(base_dataset(dataset))


def score_sample(dataset: str, prediction: str, answers: Sequence[str], all_classes: Sequence[str] | None = None) -> float:
    """One sample's score in 0..1: the best over ``answers`` of the dataset's rule (``eval.py`` ``scorer``).

    Raises:
        KeyError: a dataset with no LongBench rule.
    """
    name = base_dataset(dataset)
    rule = RULES[DATASET_RULE[name]]
    if name in FIRST_LINE_DATASETS:
        prediction = prediction.lstrip("\n").split("\n")[0]
    best = 0.0
    for answer in answers:
        best = max(best, rule(prediction, answer, all_classes=all_classes))
    return best


def length_bucket(length: float) -> str:
    """LongBench-E bucket of a ``length`` (words or characters): < 4000, < 8000, else."""
    return "0-4k" if length < 4000 else "4-8k" if length < 8000 else "8k+"


def dataset_score(scores: Sequence[float]) -> float:
    """100 x the mean of per-sample scores (0..1); NaN for no samples (LongBench-E writes NaN then).

    The harness rounds this to 2 decimals in ``result.json``; the value here is not rounded.
    """
    return 100.0 * sum(scores) / len(scores) if len(scores) else float("nan")
