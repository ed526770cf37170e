"""L-Eval closed-ended ("exam") scoring: option extraction and exact match with partial credit.

Follows OpenLMLab/LEval ``Evaluation/auto_eval.py`` (``process_output_mc``, ``process_gt_mc``, the
``topic_retrieval_longchat`` split by row index mod 3) and ``Evaluation/em.py``
(``exact_match_score``, ``compute_exact_match``): for multiple-choice tasks (coursera, quality,
tpo) the chosen letters are extracted from the output and the first token of the reference;
an exact letter match scores 1, a proper subset of the right letters 0.25 (coursera has several
right options); other answers score 1 when the reference (lower-cased, spaces removed) occurs in
the output's first line longer than one character. Task score = 100 x mean (the harness rounds
it to 4 decimals). gsm100, codeU and sci_fi need task-specific parsing that is not implemented.
"""
from __future__ import annotations

import re
import string

#: tasks whose references are option letters (LEval ``Baselines/LEval_config.py`` ``with_option_tasks``)
MULTIPLE_CHOICE_TASKS = frozenset({"coursera", "quality", "tpo"})
#: tasks whose answers may be several letters (auto_eval checks ``"coursera" in pred_file``)
MULTI_ANSWER_TASKS = frozenset({"coursera"})
#: tasks scored in three sub-scores by ``row index % 3`` (first / second / third topic)
TOPIC_TASKS = frozenset({"topic_retrieval_longchat"})
#: tasks this module scores
SCORED_TASKS = MULTIPLE_CHOICE_TASKS | TOPIC_TASKS

_PUNCT = set(string.punctuation)


def reference_letters(gt: str) -> str:
    """Option letters A-D of the reference's first token (``"(B) text"`` -> ``"B"``); ``"A"`` if none."""
    first = gt.split()[0] if gt.split() else ""
    letters = re.sub(r"[^A-D]", "", first)
    return letters or "A"


def predicted_letters(response: str, multi_answer: bool) -> str:
    """The option letter(s) chosen in ``response`` (``process_output_mc``).

    An empty response gives ``"None"`` (never right). A response that is a substring of "ABCD" is
    taken as is. Single-answer tasks: the first A-D character anywhere. Multi-answer tasks: a
    leading run of 2+ letters (sorted, unique); else the letters standing alone before a space,
    ``.`` or ``)`` in the text before "Question"; else the first run of A-D characters; else ``"A"``.
    """
    if not response.strip():
        return "None"
    if response in "ABCD":
        return response
    if not multi_answer:
        for ch in response:
            if ch in "ABCD":
                return ch
    lead = ""
    rest = response
    for ch in response:
        if ch not in "ABCD":
            break
        lead += ch
        rest = rest[1:]
    if len(lead) > 1:
        return "".join(sorted(set(lead)))
    rest = rest.split("Question")[0]
    standalone = " ".join(re.findall(r"\s*[A-Z](?=[\s.)])", rest)).strip()
    letters = "".join(sorted(set(re.sub(r"[^A-D]", "", lead + standalone))))
    if not letters:
        m = re.search(r"[A-D]+", rest)
        letters = m.group(0) if m else ""
    return letters or "A"


def normalize(text: str) -> str:
    """Drop ASCII punctuation and the lower-case articles a/an/the, collapse whitespace (no lower-casing)."""
    text = "".join(ch for ch in text if ch not in _PUNCT)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def exact_match(prediction: str, reference: str) -> float:
    """1, 0.25 or 0 (``em.py`` ``exact_match_score``).

    Option references (only letters A-D after :func:`normalize`): 1 for the same letters, 0.25 when
    the predicted letters are a subset of the right ones. Other references: numeric equality when
    both parse as numbers; else 1 when the reference, lower-cased without spaces, occurs in the
    prediction's first line longer than one character (the whole prediction if there is none).
    """
    ref_norm = normalize(reference)
    if all(ch in "ABCD" for ch in ref_norm):
        pred_norm = normalize(prediction)
        if pred_norm == ref_norm:
            return 1.0
        return 0.25 if set(pred_norm) <= set(ref_norm) else 0.0
    try:
        return float(float(prediction) == float(reference))
    except ValueError:
        pass
    line = next((ln for ln in prediction.split("\n") if len(ln) > 1), prediction)
    return 1.0 if reference.lower().replace(" ", "") in line.lower().replace(" ", "") else 0.0


def score_sample(task: str, prediction: str, reference: str) -> float:
    """One answer's score (0, 0.25 or 1) under ``task``'s preprocessing.

    Raises:
        KeyError: a task this module does not score (see :data:`SCORED_TASKS`).
    """
    if task in MULTIPLE_CHOICE_TASKS:
        return exact_match(predicted_letters(prediction, task in MULTI_ANSWER_TASKS), reference_letters(reference))
    if task in TOPIC_TASKS:
        return exact_match(prediction, reference)
    raise KeyError(f"no L-Eval rule for task {task!r}; scored: {', '.join(sorted(SCORED_TASKS))}")


def topic_index(row_index: int) -> int:
    """Which topic (1, 2 or 3) a ``topic_retrieval_longchat`` row asks for: ``row_index % 3 + 1``."""
    return row_index % 3 + 1
