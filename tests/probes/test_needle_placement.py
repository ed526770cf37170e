"""Needle placement: at a sentence end near the requested depth, or at the exact token position
when the haystack has no sentence end nearby (never silently at depth 0)."""
from __future__ import annotations

import pytest

from analysis.probes.haystack import builtin_corpus
from analysis.probes.needles import Needle
from analysis.probes.niah_prompt import build_prompt

NEEDLE = Needle("The secret code is 4721.", "What is the secret code?", "4721")


@pytest.mark.parametrize("depth", [25, 50, 75])
def test_haystack_without_sentence_ends_gets_the_exact_position(byte_tokenizer, depth):
    haystack = " ".join(["grass"] * 3000)  # one "sentence": no . ! ? inside
    p = build_prompt(byte_tokenizer, haystack, NEEDLE, 1200, depth, use_chat_template=False)
    assert p.meta["placement"] == "token position"
    assert abs(p.actual_depth_percent - depth) < 0.5  # was 0.0 for every depth
    assert "depth_warning" not in p.meta
    assert len(p.input_ids) == 1200


def test_sentences_keep_the_sentence_boundary(byte_tokenizer):
    p = build_prompt(byte_tokenizer, builtin_corpus(), NEEDLE, 1200, 50, use_chat_template=False)
    assert p.meta["placement"] == "sentence boundary"
    assert 45 <= p.actual_depth_percent <= 50


def test_a_sentence_end_within_5_points_is_used_a_farther_one_is_not(byte_tokenizer):
    # the only inner sentence end is after "Short one." (10 of 957 haystack tokens, ~1%)
    haystack = "Short one. " + " ".join(["grass"] * 3000) + "."
    p = build_prompt(byte_tokenizer, haystack, NEEDLE, 1200, 5, use_chat_template=False)  # 4 points away: kept
    assert p.meta["placement"] == "sentence boundary" and "depth_warning" not in p.meta
    assert p.actual_depth_percent == pytest.approx(100 * p.depth_tokens / p.haystack_tokens) and p.depth_tokens == 10  # "Short one."
    q = build_prompt(byte_tokenizer, haystack, NEEDLE, 1200, 60, use_chat_template=False)  # 59 points away
    assert q.meta["placement"] == "token position" and abs(q.actual_depth_percent - 60) < 0.5
