"""InfiniteBench per-task answer checks (the five tasks with published exact-match rules used here).

Follows OpenBMB/InfiniteBench ``src/compute_scores.py`` (``get_score_one_*``): every rule returns
True/False for one prediction; a task's score is 100 x the share of True. Labels may be a scalar
or a one-element list (both occur in the published prediction files).

Task names and the README's labels: passkey = Retrieve.PassKey, number_string = Retrieve.Number,
kv_retrieval = Retrieve.KV, longbook_choice_eng = En.MC, math_find = Math.Find. The other tasks
(summaries with ROUGE-Lsum, QA F1, code, dialogue, math_calc) have no rule here.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_RETRIEVAL_SEPARATORS = re.compile(r"[\n:\"'.,?!{}]")
_FIRST_NUMBER = re.compile(r"\d+\.\d+|\d+")


def _single(label: Any) -> Any:
    return label[0] if isinstance(label, list) else label


def first_int(prediction: str) -> str:
    """The first run of ASCII digits in ``prediction`` ('' if none)."""
    m = re.search(r"[0-9]+", prediction)
    return m.group(0) if m else ""


def passkey(prediction: str, label: Any) -> bool:
    """Retrieve.PassKey / Retrieve.Number: the first digit run equals the label (compared as text)."""
    return first_int(prediction) == _single(label)


def kv_retrieval(prediction: str, label: Any) -> bool:
    """Retrieve.KV: the label is one of the prediction's words after newlines, ``:"'.,?!{}`` become spaces.

    A one-element list label is unwrapped (the harness would compare a list with strings, never true;
    the published files have string labels).
    """
    return _single(label) in _RETRIEVAL_SEPARATORS.sub(" ", prediction).split()


def longbook_choice_eng(prediction: str, label: Any) -> bool:
    """En.MC: the label is ``[option text, option letter]``; the prediction names an option.

    In order: a leading A-D letter decides; a prediction equal to a label item is right; after an
    "answer is:", "answer:", "answer is" or "option is" prefix (punctuation ``\\n"'.,?!{}`` made spaces,
    spaces collapsed) the text must start with a label item; else the first word that is a
    substring of "ABCD" decides. (The harness tests ``word in "ABCD"`` - a substring test - kept.)
    """
    labels = label if isinstance(label, list) else [label]
    pred = prediction.strip()
    if pred == "":
        return False
    if pred[0] in "ABCD":
        return pred[0] in labels
    if pred in labels:
        return True
    pred = re.sub(r"[\n\"'.,?!{}]", " ", pred)
    pred = re.sub(r" {2,}", " ", pred)
    for prefix in ("answer is:", "answer:", "answer is", "option is"):
        idx = pred.find(prefix)
        if idx == -1:
            continue
        start = idx + len(prefix) + 1
        if len(pred) < start:
            return False
        rest = pred[start:]
        return any(rest.startswith(s) for s in labels)
    for word in pred.split():
        if word in "ABCD":
            return word in labels
    return False


def math_find(prediction: str, label: Any) -> bool:
    """Math.Find: the first number (``\\d+.\\d+`` or ``\\d+``) in the prediction equals the label.

    For an integer label a decimal first number is False (the harness's ``int("3.5")`` would raise).

    Raises:
        TypeError: a label that is not a number.
    """
    value = _single(label)
    m = _FIRST_NUMBER.search(prediction)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"Math.Find label must be a number, got {type(value).__name__}")
    if m is None:
        return False
    if isinstance(value, int):
        return m.group(0).isdigit() and int(m.group(0)) == value
    return float(m.group(0)) == value


#: task -> rule(prediction, label) -> bool
RULES: dict[str, Callable[[str, Any], bool]] = {
    "passkey": passkey,
    "number_string": passkey,
    "kv_retrieval": kv_retrieval,
    "longbook_choice_eng": longbook_choice_eng,
    "math_find": math_find,
}

#: task -> the name used in the InfiniteBench README results table
README_NAMES = {
    "passkey": "Retrieve.PassKey", "number_string": "Retrieve.Number", "kv_retrieval": "Retrieve.KV",
    "longbook_choice_eng": "En.MC", "math_find": "Math.Find",
}
