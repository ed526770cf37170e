"""Needles for live NIAH probes: text, question, and the expected answer inside the needle.

The default is passkey-style (Mohtashami & Jaggi 2023, "Landmark Attention"; the form used by
RULER's ``niah_single``): a random value per trial makes exact-match scoring unambiguous.
``answer`` must occur verbatim in ``text``; its token span is the "real needle" span of the
retrieval-head score (Wu et al. 2024, reference code ``real_needle``).
"""
from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Needle:
    """One needle. ``answer`` must be a substring of ``text``."""

    text: str
    question: str
    answer: str

    def __post_init__(self) -> None:
        if self.answer not in self.text:
            raise ValueError(f"needle answer {self.answer!r} does not occur in the needle text {self.text!r}")

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class NeedleTemplate:
    """A needle with a ``{value}`` placeholder filled per trial (or a fixed needle without one).

    ``value_digits`` > 0 draws a random integer with that many digits (first digit non-zero).
    """

    text: str
    question: str
    answer: str
    value_digits: int = 0
    name: str = "custom"

    def draw(self, rng: random.Random) -> Needle:
        """A concrete :class:`Needle` (random value from ``rng`` when the template has one)."""
        if not self.value_digits:
            return Needle(self.text, self.question, self.answer)
        value = str(rng.randint(10 ** (self.value_digits - 1), 10 ** self.value_digits - 1))
        return Needle(self.text.format(value=value), self.question.format(value=value), self.answer.format(value=value))

    def as_dict(self) -> dict:
        return asdict(self)


PASSKEY = NeedleTemplate(
    text="The secret pass key is {value}.",
    question="What is the secret pass key?",
    answer="{value}",
    value_digits=5,
    name="passkey",
)
#: The masking-task needle of the reference code (gkamradt's NIAH needle; real_needle per Wu et al.).
SF_SANDWICH = NeedleTemplate(
    text="The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day.",
    question="What is the best thing to do in San Francisco?",
    answer="eat a sandwich and sit in Dolores Park on a sunny day",
    name="sf-sandwich",
)
#: Detection needle 2 of the reference repository (``haystack_for_detect/needles.jsonl``).
BEIJING = NeedleTemplate(
    text="The best thing to do in Beijing is to take a walk in Chaoyang Park and have a cup of Espresso in the evening.",
    question="What is the best thing to do in Beijing?",
    answer="take a walk in Chaoyang Park and have a cup of Espresso in the evening",
    name="beijing",
)
BUILTIN = {t.name: t for t in (PASSKEY, SF_SANDWICH, BEIJING)}

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (``\\w+``), the unit of answer recall."""
    return _WORD.findall(text.lower())


def exact_match(response: str, answer: str) -> int:
    """1 when the answer's words occur contiguously, in order, in the response's words, else 0.

    (Case and punctuation are ignored, so "The pass key is 40213." matches "40213".)
    """
    a, r = words(answer), words(response)
    if not a:
        return 0
    return int(any(r[i:i + len(a)] == a for i in range(len(r) - len(a) + 1)))


def answer_recall(response: str, answer: str) -> float:
    """Unigram recall of the answer's words in the response (ROUGE-1 recall without stemming,
    clipped counts), in [0, 1]. The reference retrieval-head code keeps samples with ROUGE-1
    recall > 0.5."""
    from collections import Counter

    a, r = Counter(words(answer)), Counter(words(response))
    total = sum(a.values())
    return sum(min(c, r[w]) for w, c in a.items()) / total if total else 0.0
