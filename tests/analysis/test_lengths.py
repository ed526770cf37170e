"""The one context-length formatter (issue: 128000 was labelled '125K')."""
from __future__ import annotations

import pytest

from analysis.lengths import binary_note, format_length, tokenizer_note

# value -> label, by hand: multiples of 1,000 in decimal K/M; other multiples of 1,024 in Ki/Mi
CASES = [(1000, "1K"), (1024, "1Ki"), (4096, "4Ki"), (8000, "8K"), (8192, "8Ki"), (128000, "128K"),
         (131072, "128Ki"), (995000, "995K"), (1000000, "1M"), (1048576, "1Mi"), (1500000, "1.5M"),
         (2048000, "2.048M"), (512, "512"), (6853, "6,853")]


@pytest.mark.parametrize("value, label", CASES)
def test_exact_labels(value, label):
    assert format_length(value) == label
    assert format_length(float(value)) == label


def test_compact_approximates_only_what_is_not_a_round_length():
    # 6853 / 1000 = 6.853 -> 6.9K; 121782 / 1000 = 121.782 -> 121.8K; 7999 stays distinct from 8000's '8K'
    assert [format_length(v, compact=True) for v in (6853, 121782, 7999, 512, 128000, 131072)] == \
        ["6.9K", "121.8K", "8.0K", "512", "128K", "128Ki"]


def test_missing_value_keeps_the_harness_label():
    assert format_length(None, "0-4k") == "0-4k" and format_length(float("nan"), "8k+") == "8k+"


def test_binary_note_only_when_a_binary_prefix_is_shown():
    assert binary_note(["1K", "128K"]) == ""
    assert binary_note(["4Ki", "8K"]) == " · Ki = 1,024"


def test_tokenizer_note_never_says_nan():
    assert tokenizer_note("tokens", float("nan")) == "lengths in tokens (tokenizer not recorded)"
    assert tokenizer_note("tokens", None) == tokenizer_note("tokens", "") == "lengths in tokens (tokenizer not recorded)"
    assert tokenizer_note("tokens", "cl100k_base") == "lengths in tokens counted by: cl100k_base"
    assert tokenizer_note("words", float("nan")) == "lengths in words"
