"""Length axes: which lengths can share an axis, and how to write them.

Lengths come in different units (docs/result_formats.md §0): tokens (of the tested model's tokenizer -
different tokenizers count differently), words, characters, words-or-characters (LongBench: words
for English, characters for Chinese), or only a nominal bucket label ('0-4k', '8k+'). Lengths of
different units never share an axis; tokens of different tokenizers share one with a warning.
"""
from __future__ import annotations

import re

import pandas as pd

UNIT_NAMES = {"tokens": "tokens", "words": "words", "characters": "characters",
              "words_or_characters": "words (English) / characters (Chinese)", "bucket": "length buckets (labels)",
              "output_tokens": "output tokens (generation length)"}


def axis_key(length_unit: str | None, length_value: float | None) -> str:
    """Axis a length belongs on: the unit, or 'bucket' when there is no numeric length."""
    if length_value is None or pd.isna(length_value) or length_unit in (None, "bucket"):
        return "bucket"
    return str(length_unit)


def axis_title(key: str) -> str:
    """Human title of an axis key, e.g. 'context length (tokens)'."""
    return f"context length ({UNIT_NAMES.get(key, key)})"


def mixing_warnings(points: pd.DataFrame) -> list[str]:
    """Warnings for one chart: several units (drawn as separate panels) and tokens counted by
    different tokenizers on one axis.

    Args:
        points: columns axis, tokenizer, label (one row per plotted point or run).
    """
    out = []
    axes = sorted(points["axis"].dropna().unique())
    if len(axes) > 1:
        out.append("Lengths come in different units: " + ", ".join(UNIT_NAMES.get(a, a) for a in axes)
                   + ". Each unit gets its own panel; lengths are not comparable across panels.")
    tok = points[points["axis"] == "tokens"]
    toks = sorted(tok["tokenizer"].fillna("unknown tokenizer").unique())
    if len(toks) > 1:
        out.append("Token counts on the tokens axis come from different tokenizers ("
                   + "; ".join(toks) + "): the same text has different lengths under each.")
    return out


def label_order(label: str | None) -> float:
    """Sort key of a bucket label: its first number with k (1e3) / M (1e6) applied
    ('0-4k' -> 0, '4-8k' -> 4000, '8k+' -> 8000, '16k' -> 16000); +inf when it has none."""
    text = str(label or "")
    m = re.search(r"\d+(?:\.\d+)?", text)
    if not m:
        return float("inf")
    unit = re.search(r"\d\s*([kKmM])", text)  # '4-8k': the range's unit applies to both ends
    return float(m.group(0)) * {"k": 1e3, "m": 1e6}.get(unit.group(1).lower() if unit else "", 1.0)


def format_length(value: float | None, label: str | None = None, compact: bool = False) -> str:
    """The one label for a context length: what the harness wrote, in exact units.

    Rules (in this order; ``value`` in the run's length unit, usually tokens):

    * a multiple of 1,000: decimal K / M, exact - 1000 -> '1K', 8000 -> '8K', 128000 -> '128K',
      995000 -> '995K', 1000000 -> '1M', 1500000 -> '1.5M';
    * otherwise a multiple of 1,024: binary Ki / Mi (IEC prefixes, 1 Ki = 1,024) - 1024 -> '1Ki',
      4096 -> '4Ki', 8192 -> '8Ki', 131072 -> '128Ki', 1048576 -> '1Mi'. Harnesses that test
      powers of two (RULER: 4096 ... 131072) are thus never confused with decimal ones
      (128000 is '128K', 131072 is '128Ki'); :func:`binary_note` says so next to the axis;
    * anything else: the exact number with thousands separators (6853 -> '6,853'), or with
      ``compact=True`` (crowded axes) an approximation to one decimal of a thousand / million
      (6853 -> '6.9K', 121782 -> '121.8K'); values below 1,000 are always exact ('512').

    Args:
        value: the length, or None/NaN when the run has only a bucket label.
        label: returned unchanged when ``value`` is missing ('0-4k').
        compact: approximate lengths that are neither multiples of 1,000 nor of 1,024.

    Returns:
        The label text.
    """
    if value is None or pd.isna(value):
        return str(label)
    v = float(value)
    if v >= 1000 and v % 1000 == 0:
        return f"{v / 1e6:.3f}".rstrip("0").rstrip(".") + "M" if v >= 1e6 else f"{int(v // 1000)}K"
    if v >= 1024 and v % 1024 == 0:
        return f"{int(v // 1024 ** 2)}Mi" if v % 1024 ** 2 == 0 else f"{int(v // 1024)}Ki"
    if compact and v >= 1000:
        return f"{v / 1e6:.1f}M" if v >= 1e6 else f"{v / 1e3:.1f}K"
    return f"{int(v):,}" if v == int(v) else f"{v:g}"


def tokenizer_note(length_unit: str, tokenizer: str | None) -> str:
    """'lengths in tokens counted by: <tokenizer>', or 'lengths in tokens (tokenizer not recorded)'
    when the run names none (None, NaN or ''); only token lengths name a tokenizer."""
    if length_unit != "tokens":
        return f"lengths in {UNIT_NAMES.get(length_unit, length_unit)}"
    if tokenizer is None or pd.isna(tokenizer) or not str(tokenizer).strip():
        return "lengths in tokens (tokenizer not recorded)"
    return f"lengths in tokens counted by: {tokenizer}"


def binary_note(labels) -> str:
    """'' or ' · Ki = 1,024' when any of ``labels`` (from :func:`format_length`) uses a binary prefix,
    for the axis title next to them."""
    return " · Ki = 1,024" if any(str(x).endswith(("Ki", "Mi")) for x in labels) else ""
