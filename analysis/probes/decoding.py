"""Greedy decoding with a KV cache, one token at a time, with a per-step callback.

Used by the NIAH sweep, retrieval-head detection and the masking check, so they share one code
path (and the benchmark's "plain greedy generation" baseline is the same loop without a row
sink). The prompt minus its last token is prefilled once (:func:`prefill`); decoding starts
from the last prompt token, so step 0's query is that token (as in the reference retrieval-head
code). A prefilled cache can be copied and decoded several times (e.g. unmasked, top-k masked,
random-k masked): masking applies to decode steps only, so the prefill is shared.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Callable

#: ``on_step(step, position, token_id)``: called after step ``step`` (0-based) emitted ``token_id``;
#: ``position`` is the absolute position of that step's query token.
StepCallback = Callable[[int, int, int], None]


@dataclass
class Generation:
    """Result of :func:`decode`: new token ids (stop token excluded) and their text."""

    token_ids: list[int]
    text: str
    stopped_by: str  # "eos" | "newline" | "max_new_tokens"
    prompt_tokens: int
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Prefill:
    """A prompt whose first N-1 tokens are in ``cache``. Use :meth:`fresh_cache` to decode."""

    input_ids: list[int]
    cache: object
    seconds: float

    def fresh_cache(self):
        """A deep copy of the prefilled cache (decoding appends to it)."""
        return copy.deepcopy(self.cache)


def stops_line(tokenizer, token_id: int, generated: list[int]) -> bool:
    """True when ``token_id`` ends the answer line: it decodes to text containing a newline after
    some non-blank text was generated (tokenizer-agnostic stop rule, docs/probes.md §1.6 step 5)."""
    if "\n" not in tokenizer.decode([token_id]):
        return False
    return bool(tokenizer.decode(generated).strip())


def eos_ids(model, tokenizer) -> set[int]:
    """End-of-sequence ids from the generation config, model config and tokenizer."""
    out: set[int] = set()
    for src in (getattr(model, "generation_config", None), model.config, tokenizer):
        e = getattr(src, "eos_token_id", None)
        out.update(e if isinstance(e, (list, tuple)) else ([e] if e is not None else []))
    return out


def prefill(model, input_ids: list[int]) -> Prefill:
    """Run the prompt minus its last token through ``model`` (only the last logits are computed).

    Raises:
        ValueError: fewer than 2 prompt tokens.
    """
    import torch
    from transformers import DynamicCache

    if len(input_ids) < 2:
        raise ValueError("a prompt needs at least 2 tokens")
    cache = DynamicCache(config=model.config)
    t0 = time.perf_counter()
    with torch.inference_mode():
        model(input_ids=torch.tensor([input_ids[:-1]], device=model.device), cache=cache, use_cache=True,
              logits_to_keep=1)
    return Prefill(list(input_ids), cache, time.perf_counter() - t0)


def decode(model, tokenizer, pre: Prefill, *, max_new_tokens: int = 32, stop_at_newline: bool = True,
           on_step: StepCallback | None = None, cache=None) -> Generation:
    """Greedy decoding after :func:`prefill`.

    Args:
        max_new_tokens: hard cap on generated tokens.
        stop_at_newline: stop at a token that decodes to a newline once some text exists.
        on_step: see :data:`StepCallback`.
        cache: the cache to decode into (default ``pre.fresh_cache()``); pass your own copy when a
            hook needs it (``mask_heads(mode="uniform")``).

    Raises:
        torch.OutOfMemoryError / RuntimeError: propagated (the job queue reports the length).
    """
    import torch

    cache = pre.fresh_cache() if cache is None else cache
    eos = eos_ids(model, tokenizer)
    n = len(pre.input_ids)
    generated: list[int] = []
    stopped_by = "max_new_tokens"
    tok = torch.tensor([[pre.input_ids[-1]]], device=model.device)
    t0 = time.perf_counter()
    with torch.inference_mode():
        for step in range(max_new_tokens):
            out = model(input_ids=tok, cache=cache, use_cache=True)
            nxt = int(out.logits[0, -1].argmax())
            if on_step is not None:
                on_step(step, n - 1 + step, nxt)
            if nxt in eos:
                stopped_by = "eos"
                break
            if stop_at_newline and stops_line(tokenizer, nxt, generated):
                stopped_by = "newline"
                break
            generated.append(nxt)
            tok = torch.tensor([[nxt]], device=model.device)
    return Generation(generated, tokenizer.decode(generated, skip_special_tokens=True), stopped_by, n,
                      {"prefill_s": pre.seconds, "decode_s": time.perf_counter() - t0})

