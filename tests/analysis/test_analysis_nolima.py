"""NoLiMa's effective-length rule (per-model threshold 0.85 x base score) beside RULER's.

Values: NoLiMa's published table (Modarressi et al. 2025, Table 3 / the adobe-research/NoLiMa README),
a few rows retyped by hand.
"""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.effective_length import base_score, nolima_effective_length, nolima_threshold, ruler_table
from analysis.lengths import format_length
from analysis.published import parse_length

LENGTHS = [1024, 2048, 4096, 8192, 16384, 32768]
#: model -> (base score, scores 1K..32K, published effective length)
NOLIMA = {
    "GPT-4o": (99.3, [98.1, 98.0, 95.7, 89.2, 81.6, 69.7], "8K"),
    "Llama 3.3 70B": (97.3, [94.2, 87.4, 81.5, 72.1, 59.5, 42.7], "2K"),
    "Claude 3.5 Sonnet": (87.6, [85.4, 84.0, 77.6, 61.7, 45.7, 29.8], "4K"),
    "Jamba 1.5 Mini": (92.4, [76.3, 74.1, 70.8, 62.2, 52.7, 43.6], "<1K"),
    "Gemini 1.5 Flash": (84.7, [68.6, 61.6, 51.0, 44.4, 35.5, 28.6], "<1K"),
}


@pytest.mark.parametrize("model", list(NOLIMA))
def test_reproduces_nolimas_published_effective_length(model):
    base, scores, published = NOLIMA[model]
    # the README's "8K" is 8,192 tokens (K = 1,024 here), which LongScope labels 8Ki
    assert nolima_effective_length(LENGTHS, scores, base).label == in_house_label(published)


def in_house_label(readme_label: str) -> str:
    """A README effective length ('8K', '<1K') written with LongScope's length formatter."""
    prefix = readme_label.rstrip("0123456789Kk")[:1] if readme_label[0] in "<>" else ""
    return prefix + format_length(parse_length(readme_label.lstrip("<>")))


def test_threshold_is_085_of_the_base_as_the_readme_prints_it():
    assert round(nolima_threshold(99.3), 1) == 84.4 and round(nolima_threshold(92.4), 1) == 78.5  # README: 78.6 (base unrounded)
    assert nolima_threshold(80.0, 0.5) == 40.0


def test_base_score_from_short_lengths():
    assert base_score([250, 500, 1000, 2000], [90.0, 92.0, 94.0, 10.0], short_lengths=[250, 500, 1000]) == 92.0
    assert base_score([4096, 8192], [80.0, 60.0]) == 80.0
    with pytest.raises(ValueError):
        base_score([4096], [80.0], short_lengths=[250])


def test_ruler_table_gives_both_rules():
    # a weak model: RULER's fixed 85.6 fails at 4K; NoLiMa's own-base rule (0.85 x 70 = 59.5) passes up to 16K
    points = pd.DataFrame({"name": "m", "length_value": [4096, 8192, 16384, 32768], "score": [70.0, 65.0, 60.0, 50.0]})
    row = ruler_table(points, nolima_fraction=0.85).iloc[0]
    assert row["effective length"] == "<4Ki" and row["NoLiMa effective length"] == "16Ki"
    assert row["NoLiMa threshold"] == pytest.approx(59.5)
    assert "NoLiMa effective length" not in ruler_table(points).columns
