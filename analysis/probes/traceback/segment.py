"""Split a context into the passages that traceback scores.

Levels follow TracLLM's ``split_context`` (Wang et al., USENIX Security 2025,
``src/utils.py``): ``paragraph`` splits on blank lines, ``sentence`` runs a regex sentence
splitter inside each paragraph, ``words100`` cuts fixed windows of 100 whitespace-separated
words (TracLLM's default ``segment`` level). A context that is already a list of texts (RAG
passages) is used as given.
"""
from __future__ import annotations

import re

from analysis.vocabulary import SEGMENTATIONS, Segmentation, check

LEVELS = SEGMENTATIONS
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def split_paragraphs(context: str) -> list[str]:
    """Paragraphs: text between blank lines, stripped, empty ones dropped."""
    return [p.strip() for p in re.split(r"\n\s*\n", context) if p.strip()]


def split_sentences(context: str) -> list[str]:
    """Sentences inside each paragraph: a break after ``.``/``!``/``?`` (plus closing quotes or
    brackets) followed by whitespace and an upper-case letter or digit. A regex stand-in for the
    nltk ``sent_tokenize`` used by TracLLM and ContextCite; abbreviations like "Dr. Smith" split."""
    out: list[str] = []
    for para in split_paragraphs(context):
        out.extend(s.strip() for s in _SENTENCE_END.split(para) if s.strip())
    return out


def split_words(context: str, n_words: int = 100) -> list[str]:
    """Consecutive windows of ``n_words`` whitespace-separated words (the last may be shorter)."""
    if n_words < 1:
        raise ValueError(f"n_words must be ≥ 1, got {n_words}")
    words = context.split()
    return [" ".join(words[i:i + n_words]) for i in range(0, len(words), n_words)]


def segment(context: str | list[str], level: Segmentation = "paragraph") -> list[str]:
    """Passages of ``context`` at ``level`` (one of :data:`LEVELS`).

    A list of strings is taken as ready-made passages (empty ones dropped), whatever ``level``.

    Raises:
        ValueError: unknown level, or no non-empty passage.
    """
    if isinstance(context, (list, tuple)):
        passages = [str(p).strip() for p in context if str(p).strip()]
    else:
        splitters = {"paragraph": split_paragraphs, "sentence": split_sentences, "words100": split_words}
        passages = splitters[check(level, Segmentation, "segmentation")](context)
    if not passages:
        raise ValueError("the context has no non-empty passage")
    return passages
