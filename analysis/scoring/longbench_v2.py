"""LongBench v2 accuracy: overall, by difficulty and by length category.

Follows THUDM/LongBench (v2) ``result.py``: a question counts 1 when its ``judge`` is true (the
harness's ``pred == answer``), accuracy = 100 x correct / questions (the harness prints 1 decimal).
Two differences from that script, both to avoid wrong numbers: a group with no questions has no
accuracy (the script divides by zero), and ``medium`` questions are counted as ``medium`` (the
script's second branch tests ``"short"`` again, so it files medium questions under ``long``).
The script's optional "compensated" mode (a missing ``pred`` counts 0.25) is ``compensated=True``.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

DIFFICULTIES = ("easy", "hard")
LENGTHS = ("short", "medium", "long")


def question_score(judge: bool, pred: str | None, compensated: bool = False) -> float:
    """1.0 if judged correct, else 0.0; 0.25 for a missing ``pred`` in compensated mode."""
    if compensated and pred is None:
        return 0.25
    return 1.0 if judge else 0.0


def accuracy(scores: Sequence[float]) -> float | None:
    """100 x mean of question scores; None for an empty group."""
    return 100.0 * sum(scores) / len(scores) if scores else None


def grouped_accuracy(rows: Iterable[tuple[str, str, float]]) -> dict[tuple[str, str], tuple[float, int]]:
    """Accuracy per group from ``(difficulty, length, score)`` rows.

    Returns:
        ``{("overall", ""): (acc, n), ("difficulty", "easy"): ..., ("length", "short"): ...}``;
        groups without questions are absent.
    """
    groups: dict[tuple[str, str], list[float]] = {}
    for difficulty, length, score in rows:
        for key in (("overall", ""), ("difficulty", difficulty), ("length", length)):
            groups.setdefault(key, []).append(score)
    return {key: (accuracy(vals), len(vals)) for key, vals in groups.items()}
