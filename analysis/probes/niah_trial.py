"""One NIAH trial on a loaded model, and the length × depth grid it runs on.

Shared by the NIAH sweep, retrieval-head detection and the masking check, so the three use the
same prompts (same seeds → same needles and values) and the same greedy decoding.
"""
from __future__ import annotations

import random
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Iterable

from analysis.probes.decoding import Generation
from analysis.probes.needles import NeedleTemplate, answer_recall, exact_match
from analysis.probes.niah_prompt import NiahPrompt, build_prompt
from analysis.vocabulary import MaskMode


def kv_cache_bytes(info, context_length: int, bytes_per_value: int = 4) -> int:
    """KV-cache size of one prompt: 2 · layers · KV heads · N · head dim · bytes (docs/probes.md §4.2)."""
    return 2 * info.n_layers * info.n_kv_heads * context_length * info.head_dim * bytes_per_value


def share_prefills(info, lengths: Iterable[int], n_prompts_per_length: int, budget_bytes: int = 2 << 30) -> dict | None:
    """An empty dict to share prefills between detection and masking when keeping one KV cache per
    prompt fits in ``budget_bytes`` (default 2 GiB), else None (each prompt is prefilled again)."""
    total = sum(kv_cache_bytes(info, n) for n in lengths) * n_prompts_per_length
    return {} if total <= budget_bytes else None


@dataclass(frozen=True)
class Cell:
    """A (context length in tokens, depth percent) grid cell; ``reason`` set when not run."""

    context_length: int
    depth_percent: float
    reason: str | None = None


def grid(lengths: Iterable[int], depths: Iterable[float], context_limit: int, max_new_tokens: int) -> list[Cell]:
    """All cells, lengths outer. A cell is "not run" (``reason`` set) when the prompt plus
    ``max_new_tokens`` would exceed the model's context limit (``max_position_embeddings``)."""
    cells = []
    for n in sorted({int(x) for x in lengths}):
        for d in sorted({float(x) for x in depths}):
            reason = None
            if context_limit and n + max_new_tokens > context_limit:
                reason = f"not run: {n} + {max_new_tokens} new tokens exceeds the context limit {context_limit}"
            cells.append(Cell(n, d, reason))
    return cells


def trial_rng(seed: int, cell: Cell, trial: int, needle: NeedleTemplate) -> random.Random:
    """The deterministic RNG of one trial (same across conditions and runs)."""
    return random.Random(f"{seed}:{cell.context_length}:{cell.depth_percent:g}:{trial}:{needle.name}:{needle.text}")


def make_prompt(tokenizer, haystack: str, needle: NeedleTemplate, cell: Cell, trial: int, *, seed: int = 0,
                use_chat_template: bool | None = None) -> NiahPrompt:
    """The prompt of one trial (its needle value drawn from :func:`trial_rng`)."""
    drawn = needle.draw(trial_rng(seed, cell, trial, needle))
    return build_prompt(tokenizer, haystack, drawn, cell.context_length, cell.depth_percent,
                        use_chat_template=use_chat_template, seed=seed + trial)


@dataclass
class TrialResult:
    """Outcome of one trial: response, 0/1 exact match and answer recall (see ``needles``)."""

    prompt: NiahPrompt
    generation: Generation
    exact: int
    recall: float

    @property
    def response(self) -> str:
        return self.generation.text


def run_trial(lm, prompt: NiahPrompt, *, max_new_tokens: int = 32, scorer=None,
              masked_heads: list[tuple[int, int]] | None = None, mask_mode: MaskMode = "zero",
              prefills: dict | None = None) -> TrialResult:
    """Greedy-decode ``prompt`` on ``lm`` (a ``models.LoadedModel``) and score the answer.

    Args:
        scorer: a :class:`analysis.probes.retrieval_score.SampleScorer` to feed decode rows.
        masked_heads: ``(layer, head)`` pairs masked during decoding (``head_mask``).
        prefills: optional dict reused across calls: prompt ids -> :class:`decoding.Prefill`, so
            the same prompt is prefilled once for several conditions (one KV cache kept per prompt).
    """
    from analysis.probes.attention_rows import capture_rows
    from analysis.probes.decoding import decode, prefill
    from analysis.probes.head_mask import mask_heads

    key = tuple(prompt.input_ids)
    pre = prefills.get(key) if prefills is not None else None
    if pre is None:
        pre = prefill(lm.model, prompt.input_ids)
        if prefills is not None:
            prefills[key] = pre
    cache = pre.fresh_cache()
    with ExitStack() as stack:
        if scorer is not None:
            stack.enter_context(capture_rows(lm.model, scorer.sink))
        if masked_heads:
            stack.enter_context(mask_heads(lm.model, masked_heads, mode=mask_mode, cache=cache))
        gen = decode(lm.model, lm.tokenizer, pre, max_new_tokens=max_new_tokens,
                     on_step=None if scorer is None else scorer.on_step, cache=cache)
    answer = prompt.needle.answer
    return TrialResult(prompt, gen, exact_match(gen.text, answer), answer_recall(gen.text, answer))
