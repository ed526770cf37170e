"""Per-decode-step attention rows for every head, without full N×N attention maps.

The retrieval-head score (Wu et al. 2024, arXiv 2404.15574) needs, at each decoding step, the
attention row of the *current* query over all cached keys, for every (layer, query head). With
transformers 5.x, ``sdpa`` returns no weights and ``eager`` + ``output_attentions`` keeps every
layer's map (L·H·N² floats at prefill). Here we register an attention implementation
``longscope_rows`` in transformers' ``AttentionInterface``:

- prompts (q_len > 1): plain ``sdpa`` (the model's efficient kernel), nothing recorded;
- decode steps (q_len = 1): the scores ``q·Kᵀ·scaling + mask`` of the step's post-RoPE query
  against the cached post-RoPE keys are computed with query heads grouped onto their KV head (GQA:
  query head h reads KV head ``h // (H / KV)``) and handed to a *sink* ``sink(layer_idx, logits)``
  with ``logits`` of shape (B, H, K): the masked pre-softmax scores (``logits.softmax(-1)`` is
  the attention row; the argmax is the same either way). The layer output is then sdpa's, so
  generation is identical to the plain model. Memory per step: O(H × K) per layer, O(L × H × N)
  over a step; no N × N map is ever formed.

K is the number of cached keys the layer sees, N + 1 for global layers; for sliding-window layers
(Gemma 3) the cache keeps only the last window, so key index j is absolute position
``pos + 1 - K + j`` where ``pos`` is the query's position.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

IMPLEMENTATION = "longscope_rows"
RowSink = Callable[[int, Any], None]
_SINK_ATTR = "_longscope_row_sink"
_registered = False


def _row_attention(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None, **kwargs):
    """Attention function for ``longscope_rows`` (signature of transformers' attention interface).

    Shapes: query (B, H, q, d), key/value (B, KV, K, d). Returns ``(out (B, q, H, d), None)``.
    """
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    sink = getattr(module, _SINK_ATTR, None)
    if sink is None or query.shape[2] != 1:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout,
                                      scaling=scaling, **kwargs)
    b, h, _, d = query.shape
    kv, k_len = key.shape[1], key.shape[2]
    scale = d ** -0.5 if scaling is None else scaling
    q = (query * scale).reshape(b, kv, h // kv, d)                   # query heads grouped by their KV head
    logits = torch.matmul(q, key.transpose(2, 3)).reshape(b, h, k_len)
    softcap = kwargs.get("softcap")
    if softcap is not None:
        logits = torch.tanh(logits / softcap) * softcap
    if attention_mask is not None:
        mask = attention_mask[..., -1, -k_len:].reshape(attention_mask.shape[0], -1, k_len)  # (B|1, 1|H, K)
        logits = logits.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else logits + mask
    sink(module.layer_idx, logits)
    if softcap is not None:  # sdpa has no softcap: finish the row we already have
        probs = logits.float().softmax(-1).to(value.dtype).reshape(b, kv, h // kv, k_len)
        return torch.matmul(probs, value).reshape(b, h, 1, d).transpose(1, 2).contiguous(), None
    return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                  **kwargs)


def register() -> None:
    """Register ``longscope_rows`` with transformers (idempotent; needs transformers ≥ 5)."""
    global _registered
    if _registered:
        return
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(IMPLEMENTATION, _row_attention)
    AttentionMaskInterface.register(IMPLEMENTATION, sdpa_mask)
    _registered = True


def attention_modules(model) -> list:
    """The self-attention modules of ``model`` in layer order (those with a ``layer_idx``)."""
    mods = [m for name, m in model.named_modules() if name.endswith("self_attn") and hasattr(m, "layer_idx")]
    return sorted(mods, key=lambda m: m.layer_idx)


@contextmanager
def capture_rows(model, sink: RowSink | None) -> Iterator[None]:
    """Run ``model`` with the ``longscope_rows`` implementation; ``sink`` receives decode rows.

    ``sink=None`` runs the same code path without recording (the plain-decoding baseline).
    The model's previous attention implementation is restored on exit, even after an error.

    Raises:
        ValueError: the model's attention does not use transformers' attention interface.
    """
    register()
    previous = model.config._attn_implementation
    mods = attention_modules(model)
    if not mods:
        raise ValueError(f"{type(model).__name__}: no self-attention modules with layer_idx found")
    model.set_attn_implementation(IMPLEMENTATION)
    if model.config._attn_implementation != IMPLEMENTATION:
        raise ValueError(f"{type(model).__name__} does not support switching its attention implementation")
    for m in mods:
        setattr(m, _SINK_ATTR, sink)
    try:
        yield
    finally:
        for m in mods:
            if hasattr(m, _SINK_ATTR):
                delattr(m, _SINK_ATTR)
        model.set_attn_implementation(previous)
