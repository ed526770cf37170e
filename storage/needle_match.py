"""Deterministic "needle present in the response" measure for NIAH trials, computed in SQL.

Judge scores (the gkamradt 1–10 rubric, or a harness's own scorer) are kept as they are; beside
them every trial that has both its needle and the model's response gets ``needle_recall``: the
fraction of the needle's distinct content words that occur in the response.

Definition (LongScope's; the word-level recall of LongBench's ``qa_f1_score`` without the
precision half, on the needle instead of a reference answer):

- words = maximal runs of Unicode letters / digits, lower-cased (``[^\\p{L}\\p{N}]+`` splits);
- the needle's words are made distinct and :data:`STOP_WORDS` are dropped;
- ``needle_recall = |needle words ∩ response words| / |needle words|`` in 0..1;
  NULL when the needle or the response is missing or the needle has no content word.

Example: needle "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park
on a sunny day." has 12 content words; the response "The best thing to do in San Francisco is to
eat a sandwich in Dolores Park." contains 9 of them -> 0.75.
"""
from __future__ import annotations

#: English function words left out of the needle's words (they say nothing about retrieval)
STOP_WORDS = ("a", "an", "the", "is", "are", "was", "were", "be", "in", "on", "at", "of", "to", "and",
              "or", "for", "with", "by", "it", "its", "this", "that")

_SPLIT = r"'[^\p{L}\p{N}]+'"


def needle_recall_sql(needle: str, response: str) -> str:
    """SQL expression (DuckDB) of :mod:`needle_match`'s recall for the columns ``needle`` and
    ``response``; a DOUBLE in 0..1 or NULL."""
    stop = "[" + ", ".join(f"'{w}'" for w in STOP_WORDS) + "]"
    words = (f"list_filter(list_distinct(regexp_split_to_array(lower({needle}), {_SPLIT})), "
             f"w -> w <> '' AND NOT list_contains({stop}, w))")
    # the response split once per row (not once per needle word inside a lambda: 2.9x slower)
    found = f"list_intersect({words}, regexp_split_to_array(lower({response}), {_SPLIT}))"
    return (f"CASE WHEN {needle} IS NULL OR {response} IS NULL THEN NULL "
            f"ELSE len({found})::DOUBLE / nullif(len({words}), 0) END")
