"""BABILong answer check: the first sentence of the output must name exactly the target label.

Follows booydar/babilong ``babilong/metrics.py`` (``TASK_LABELS``, ``preprocess_output``,
``compare_answers``): the output is lower-cased and cut at its first ``.`` and at ``<context>`` /
``<example>``; the labels of the task's label set found in it, minus those that occur in the
question, must be exactly ``{target}``. (The harness also cuts at ``"Question"`` after
lower-casing, which never matches; that no-op is left out.) Tasks without a label set in the
harness (qa8, qa11-qa20) have no rule. Accuracy of a file = 100 x share of correct rows.
"""
from __future__ import annotations

#: task -> answer labels (babilong/metrics.py)
TASK_LABELS: dict[str, frozenset[str]] = {
    **{t: frozenset({"bathroom", "bedroom", "garden", "hallway", "kitchen", "office"}) for t in ("qa1", "qa2", "qa3", "qa4")},
    "qa5": frozenset({"Bill", "Fred", "Jeff", "Mary", "apple", "football", "milk"}),
    "qa6": frozenset({"no", "yes"}),
    "qa7": frozenset({"two", "one", "none"}),
    "qa9": frozenset({"no", "yes"}),
    "qa10": frozenset({"maybe", "no", "yes"}),
}


def first_sentence(output: str) -> str:
    """Lower-cased output up to its first ``.``, also cut before ``<context>`` and ``<example>``."""
    text = output.lower().split(".")[0]
    return text.split("<context>")[0].split("<example>")[0]


def compare_answers(target: str, output: str, question: str, labels: frozenset[str] | set[str]) -> bool:
    """True when the output's first sentence names the target and no other label (case-insensitive).

    Labels that occur in the question are ignored (they are never the answer). Substring matching,
    as in the harness (``"office"`` is found in ``"offices"``).
    """
    labels = {label.lower() for label in labels}
    sentence = first_sentence(output)
    in_question = {label for label in labels if label in question.lower()}
    named = {label for label in labels if label in sentence} - in_question
    return named == {target.lower()}
