"""Mask attention heads: zero a query head's attention output before the output projection.

Wu et al. 2024 check retrieval heads causally by masking them and re-running NIAH. The issue
asks for "their attention output zeroed"; the reference code instead makes the head's attention
uniform (its output becomes the mean of V), docs/probes.md §1.4. Both are offered: ``mode="zero"``
(default) and ``mode="uniform"``. Like the reference code, masking applies in decode steps only
by default (``prefill=False``); the prompt's KV cache is computed unmasked.

The hook is an ``o_proj`` forward-pre-hook: the input of ``o_proj`` is (B, q, H·d), head-major,
so query head h owns columns ``[h·d, (h+1)·d)``.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator

from analysis.probes.attention_rows import attention_modules
from analysis.vocabulary import MaskMode, check


@contextmanager
def mask_heads(model, heads: Iterable[tuple[int, int]], *, mode: MaskMode = "zero", prefill: bool = False,
               cache=None) -> Iterator[None]:
    """Within the block, the listed ``(layer, query_head)`` heads (0-based) are masked.

    Args:
        mode: ``zero`` (output slice set to 0) or ``uniform`` (slice = mean of the head's V over
            all cached keys; needs ``cache``, the ``DynamicCache`` being decoded with).
        prefill: also mask prompt positions (q_len > 1), not only decode steps.

    Raises:
        ValueError: unknown mode, a head out of range, or ``uniform`` without a cache.
    """
    check(mode, MaskMode, "mask mode")
    if mode == "uniform" and cache is None:
        raise ValueError("mode='uniform' needs the decoding cache")
    mods = attention_modules(model)
    by_layer: dict[int, list[int]] = {}
    for l, h in heads:
        if not 0 <= l < len(mods):
            raise ValueError(f"layer {l} out of range (model has {len(mods)})")
        by_layer.setdefault(int(l), []).append(int(h))
    handles = []
    for l, hs in by_layer.items():
        attn = mods[l]
        d = attn.head_dim
        n_heads = attn.o_proj.in_features // d
        if any(not 0 <= h < n_heads for h in hs):
            raise ValueError(f"head out of range in layer {l} (it has {n_heads})")
        groups = n_heads // attn.config.num_key_value_heads

        def hook(module, args, hs=hs, d=d, l=l, groups=groups):
            x = args[0]
            if x.shape[1] > 1 and not prefill:
                return None
            x = x.clone()
            view = x.view(*x.shape[:-1], -1, d)
            for h in hs:
                if mode == "zero":
                    view[..., h, :] = 0
                else:
                    values = cache.layers[l].values[:, h // groups]          # (B, K, d)
                    view[..., h, :] = values.mean(dim=1, keepdim=True).to(x.dtype)
            return (x, *args[1:])

        handles.append(attn.o_proj.register_forward_pre_hook(hook))
    try:
        yield
    finally:
        for hd in handles:
            hd.remove()
