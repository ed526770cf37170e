"""RULER's effective context length and weighted averages.

Definitions (Hsieh et al. 2024, "RULER: What's the Real Context Size of Your Long-Context Language
Models?", §4 and the NVIDIA/RULER README table):

* threshold: Llama-2-7B-chat's RULER score at 4K, 85.6 (0-100 scale);
* effective length: the longest tested length such that the score at it *and every shorter tested
  length* is at or above the threshold ("<shortest" when the shortest already fails; ">longest"
  in the README's notation when every tested length passes);
* Avg.: the plain mean over tested lengths; wAvg (inc): weights 1..n over the lengths sorted
  ascending (long contexts count more); wAvg (dec): weights n..1.

NoLiMa's rule (Modarressi et al. 2025, "NoLiMa: Long-Context Evaluation Beyond Literal Matching",
adobe-research/NoLiMa README) uses a per-model threshold instead: 85% of the model's own base score
(its accuracy on short contexts, 250 / 500 / 1K tokens in NoLiMa); the effective length is the
longest tested length whose score, and every shorter one's, stays at or above it
(:func:`nolima_effective_length`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.lengths import format_length

RULER_THRESHOLD = 85.6  # Llama-2-7B-chat at 4K, 0-100 scale
NOLIMA_FRACTION = 0.85  # NoLiMa: threshold = 0.85 x the model's base score


@dataclass(frozen=True)
class EffectiveLength:
    """Result of :func:`effective_length`.

    Attributes:
        length: longest passing length (same unit as the input), None when the shortest fails.
        label: README-style text: '32K', '>128K' (all pass), '<4K' (none pass).
        recovers_at: tested lengths above ``length`` that pass again after a failure (the
            definition ignores them; shown so a dip is not hidden).
    """

    length: float | None
    label: str
    recovers_at: tuple[float, ...] = ()


def effective_length(lengths, scores, threshold: float = RULER_THRESHOLD) -> EffectiveLength:
    """RULER effective length of one model.

    Args:
        lengths: tested lengths, shape (n,), any order, no duplicates.
        scores: scores at those lengths on the same scale as ``threshold`` (RULER: 0-100); NaN
            counts as failing.

    Raises:
        ValueError: empty input, mismatched shapes or duplicate lengths.
    """
    lengths, scores = np.asarray(lengths, dtype=float), np.asarray(scores, dtype=float)
    if lengths.shape != scores.shape or lengths.size == 0:
        raise ValueError("lengths and scores must be non-empty and of equal length")
    if len(np.unique(lengths)) != lengths.size:
        raise ValueError("duplicate lengths")
    order = np.argsort(lengths)
    lengths, passed = lengths[order], np.nan_to_num(scores[order], nan=-np.inf) >= threshold
    if not passed[0]:
        return EffectiveLength(None, f"<{format_length(lengths[0])}", tuple(lengths[passed]))
    fail = np.flatnonzero(~passed)
    if not fail.size:
        return EffectiveLength(float(lengths[-1]), f">{format_length(lengths[-1])}")
    last = fail[0] - 1
    return EffectiveLength(float(lengths[last]), format_length(lengths[last]), tuple(lengths[fail[0]:][passed[fail[0]:]]))


def nolima_threshold(base_score: float, fraction: float = NOLIMA_FRACTION) -> float:
    """NoLiMa's per-model threshold: ``fraction`` x the base score (same scale as the scores)."""
    return fraction * float(base_score)


def base_score(lengths, scores, short_lengths=None) -> float:
    """A model's short-context base score: the mean score over ``short_lengths`` (default: the
    shortest tested length). NoLiMa averages its 250, 500 and 1K-token results.

    Raises:
        ValueError: none of ``short_lengths`` was tested.
    """
    lengths, scores = np.asarray(lengths, dtype=float), np.asarray(scores, dtype=float)
    wanted = [lengths.min()] if short_lengths is None else list(short_lengths)
    mask = np.isin(lengths, wanted)
    if not mask.any():
        raise ValueError(f"no score at the short lengths {wanted}")
    return float(np.nanmean(scores[mask]))


def nolima_effective_length(lengths, scores, base: float, fraction: float = NOLIMA_FRACTION) -> EffectiveLength:
    """NoLiMa effective length: the RULER-style prefix rule with threshold ``fraction`` x ``base``.

    Args:
        lengths, scores: as in :func:`effective_length` (scores on the scale of ``base``).
        base: the model's base score (NoLiMa README 'Base Score'; or :func:`base_score`).

    Raises:
        ValueError: as :func:`effective_length`.
    """
    return effective_length(lengths, scores, nolima_threshold(base, fraction))


def weighted_averages(lengths, scores) -> tuple[float, float, float]:
    """(Avg., wAvg inc, wAvg dec) over the tested lengths (RULER README columns).

    Weights are linear in the rank of the length: inc = 1..n ascending, dec = n..1.
    NaN scores propagate (a missing length makes the averages undefined).
    """
    lengths, scores = np.asarray(lengths, dtype=float), np.asarray(scores, dtype=float)
    s = scores[np.argsort(lengths)]
    w = np.arange(1, s.size + 1, dtype=float)
    return float(s.mean()), float(np.dot(w, s) / w.sum()), float(np.dot(w[::-1], s) / w.sum())


def ruler_table(points: pd.DataFrame, threshold: float = RULER_THRESHOLD, nolima_fraction: float | None = None) -> pd.DataFrame:
    """Per-model RULER summary from per-length scores.

    Args:
        points: columns name, length_value, score (0-100), one row per (name, length).
        nolima_fraction: also give NoLiMa's effective length ('NoLiMa effective length', base =
            the score at the model's shortest tested length, 'NoLiMa threshold' = fraction x base).

    Returns:
        One row per name: effective length (label and value), one column per tested length
        (label from :func:`format_length`), Avg., wAvg (inc), wAvg (dec), lengths tested,
        'recovers at' (lengths passing again after the first failure). Sorted by wAvg (inc)
        descending, like the README ranks.
    """
    rows, length_cols = [], {}
    for name, g in points.dropna(subset=["length_value"]).groupby("name", sort=False):
        g = g.sort_values("length_value")
        eff = effective_length(g["length_value"], g["score"], threshold)
        avg, inc, dec = weighted_averages(g["length_value"], g["score"])
        row = {"name": name, "effective length": eff.label, "effective_length_value": eff.length}
        if nolima_fraction is not None:
            base = base_score(g["length_value"], g["score"])
            row.update({"NoLiMa threshold": nolima_threshold(base, nolima_fraction),
                        "NoLiMa effective length": nolima_effective_length(g["length_value"], g["score"], base,
                                                                           nolima_fraction).label})
        row.update({format_length(v): s for v, s in zip(g["length_value"], g["score"])})
        length_cols.update({format_length(v): v for v in g["length_value"]})
        row.update({"Avg.": avg, "wAvg (inc)": inc, "wAvg (dec)": dec, "lengths tested": len(g),
                    "recovers at": ", ".join(format_length(v) for v in eff.recovers_at)})
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        lengths = sorted(length_cols, key=length_cols.get)
        nolima = ["NoLiMa threshold", "NoLiMa effective length"] if nolima_fraction is not None else []
        out = out[["name", "effective length", "effective_length_value", *nolima, *lengths,
                   "Avg.", "wAvg (inc)", "wAvg (dec)", "lengths tested", "recovers at"]]
    return out.sort_values("wAvg (inc)", ascending=False, ignore_index=True) if len(out) else out
