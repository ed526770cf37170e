"""AttnTrace-style attention scorer (Wang, Geng, Chen, Jia, arXiv 2508.03793), optionally restricted
to retrieval heads (Wu et al. 2024) found by the retrieval-head probe.

For each of B subsamples (⌊q·n⌋ passages, kept in order) one teacher-forced pass over
``prompt ⊕ answer`` gives, for every answer token, its attention row over the prompt tokens; rows
are averaged over the selected (layer, query head) pairs and over answer tokens, so each prompt
token gets one weight. A passage's score in a subsample is the mean of its ``avg_k`` largest token
weights ("top-k token averaging"); its final score is the mean over the subsamples that contained
it. Defaults B = 30, q = 0.4, avg_k = 5 (AttnTrace).

The rows come from ``analysis.probes.attention_rows.capture_rows`` (decode-step rows computed from
the post-RoPE cached keys; no N×N maps): the prompt is prefilled with sdpa, then the answer tokens
are fed one at a time.
"""
from __future__ import annotations

import math
import random
from typing import Any, Sequence

from analysis.probes.traceback.budget import ForwardBudget
from analysis.probes.traceback.prompt import PromptBuilder


def answer_attention(model: Any, prompt_ids: Sequence[int], answer_ids: Sequence[int],
                     heads: Sequence[tuple[int, int]] | None = None) -> Any:
    """Mean attention of the answer tokens over the prompt tokens: a float tensor of shape
    ``(len(prompt_ids),)``, averaged over the answer tokens and the selected ``heads``
    ((layer, query head) pairs; default all layers × heads).

    Raises:
        ValueError: a head is out of range for the model.
    """
    import torch

    from analysis.probes.attention_rows import capture_rows

    n, t = len(prompt_ids), len(answer_ids)
    cfg = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    n_layers, n_heads = cfg.num_hidden_layers, cfg.num_attention_heads
    by_layer: dict[int, list[int]] = {}
    for layer, head in (heads if heads is not None else [(l, h) for l in range(n_layers) for h in range(n_heads)]):
        if not (0 <= layer < n_layers and 0 <= head < n_heads):
            raise ValueError(f"head ({layer}, {head}) out of range for {n_layers} layers × {n_heads} heads")
        by_layer.setdefault(layer, []).append(head)
    total = torch.zeros(n, dtype=torch.float64)
    step = {"pos": n}  # absolute position of the query being fed

    def sink(layer_idx: int, logits: Any) -> None:
        sel = by_layer.get(layer_idx)
        if not sel:
            return
        probs = logits[0, sel].float().softmax(-1).sum(0)  # (K,)
        k_len = probs.shape[-1]
        first = step["pos"] + 1 - k_len  # absolute position of key 0 (sliding layers keep a window)
        lo = max(0, -first)
        hi = min(k_len, n - first)
        if hi > lo:
            total[first + lo:first + hi] += probs[lo:hi].double().cpu()

    device = model.device
    with torch.inference_mode(), capture_rows(model, sink):
        out = model(input_ids=torch.tensor([list(prompt_ids)], device=device), use_cache=True)
        cache = out.cache
        for i, a in enumerate(answer_ids):
            step["pos"] = n + i
            out = model(input_ids=torch.tensor([[a]], device=device), cache=cache, use_cache=True)
            cache = out.cache
    n_sel = sum(len(v) for v in by_layer.values())
    return (total / (n_sel * t)).float()


def attn_trace(model: Any, builder: PromptBuilder, passages: Sequence[str], answer_ids: Sequence[int], *,
               n_subsamples: int = 30, q: float = 0.4, avg_k: int = 5,
               heads: Sequence[tuple[int, int]] | None = None, seed: int = 0,
               budget: ForwardBudget | None = None) -> list[float]:
    """AttnTrace scores per passage (mean attention weight, unitless, in [0, 1]); see module doc.
    Passages never drawn in a subsample score 0. Cost: ``n_subsamples`` teacher-forced passes.

    Raises:
        BudgetExceeded: ``n_subsamples`` passes do not fit the budget (nothing runs).
    """
    n = len(passages)
    (budget or ForwardBudget()).charge(n_subsamples)
    rng = random.Random(seed)
    size = min(n, max(1, math.floor(q * n)))
    sums, counts = [0.0] * n, [0] * n
    for _ in range(n_subsamples):
        idx = sorted(rng.sample(range(n), size))
        ids, spans = builder.passage_token_spans([passages[i] for i in idx])
        weights = answer_attention(model, ids, answer_ids, heads)
        for i, (s, e) in zip(idx, spans):
            if e > s:
                sums[i] += float(weights[s:e].topk(min(avg_k, e - s)).values.mean())
                counts[i] += 1
    return [s / c if c else 0.0 for s, c in zip(sums, counts)]
