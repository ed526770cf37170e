"""The value of a subset of passages: v(S) = Σ_t log p(y_t | prompt(S), y_<t).

One teacher-forced forward over ``prompt(S) ⊕ answer`` per subset (TracLLM,
``src/attribution/attribute.py::context_value``; ContextCite's per-token log-probs sum to the same
number), with the prompt rendered by the same :class:`PromptBuilder` that generated the answer.

Speed-ups, all exact up to floating-point error:

- memoised by ``frozenset(S)``;
- shared-prefix KV reuse: the first subset run keeps its KV cache (leave-one-out asks for the full
  context first); every later subset's prompt shares a token prefix with it (at least the template
  head; for leave-one-out everything before the removed passage), so only the tokens after that
  prefix are run, on a copy of the cache cropped to it (post-RoPE keys depend only on the prefix,
  so this is exact);
- batching: subsets run ``batch_size`` at a time, right-padded (causal attention never lets real
  tokens see the padding, and positions stay 0..len-1), the cache prefix being the shortest shared
  prefix in the batch.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Sequence

from analysis.probes.traceback.budget import ForwardBudget
from analysis.probes.traceback.prompt import PromptBuilder


def common_prefix_len(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two token-id sequences."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _supports_prefix_reuse(model: Any) -> bool:
    """Cropping a cache is exact only when no layer keeps a sliding window."""
    cfg = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    return "sliding_attention" not in (getattr(cfg, "layer_types", None) or [])


class ValueFunction:
    """v(S) over passage indices for one (model, prompt builder, passages, answer).

    Args:
        model: a Hugging Face causal LM (eval mode).
        builder: the prompt builder the answer was generated with.
        passages: the n passages; a subset is a set of indices into this list.
        answer_ids: answer token ids (T ≥ 1), without end-of-turn tokens.
        batch_size: subsets per model call.
        reuse_prefix: use the shared-prefix KV cache (off = one full forward per subset).
        budget: forward-pass guard shared by the methods of one run.
        on_pass: called with ``forward_passes`` after each model call (progress / cancellation:
            it may raise to stop the run).

    Attributes:
        forward_passes: subsets actually run (memo hits excluded).
        model_calls: model invocations (≤ forward_passes with batching).
        seconds: time spent inside model calls.
    """

    def __init__(self, model: Any, builder: PromptBuilder, passages: Sequence[str], answer_ids: Sequence[int], *,
                 batch_size: int = 1, reuse_prefix: bool = True, budget: ForwardBudget | None = None,
                 on_pass: Callable[[int], None] | None = None):
        if not answer_ids:
            raise ValueError("answer_ids is empty")
        self.model = model
        self.builder = builder
        self.passages = list(passages)
        self.answer_ids = list(answer_ids)
        self.batch_size = max(1, int(batch_size))
        self.reuse_prefix = reuse_prefix and _supports_prefix_reuse(model)
        self.budget = budget if budget is not None else ForwardBudget()
        self.on_pass = on_pass
        self.forward_passes = 0
        self.model_calls = 0
        self.seconds = 0.0
        self._memo: dict[frozenset[int], float] = {}
        self._ids: dict[frozenset[int], list[int]] = {}
        self.full = frozenset(range(len(self.passages)))
        self._base_ids: list[int] = []
        self._base_kv: list[tuple[Any, Any]] | None = None

    @property
    def n(self) -> int:
        return len(self.passages)

    def prompt_ids(self, subset: Iterable[int]) -> list[int]:
        """Prompt token ids for the passages in ``subset`` (kept in their original order)."""
        key = frozenset(subset)
        if key not in self._ids:
            self._ids[key] = self.builder.ids([self.passages[i] for i in sorted(key)])
        return self._ids[key]

    def __call__(self, subset: Iterable[int]) -> float:
        """v(subset) in nats (a sum of log-probabilities, ≤ 0)."""
        return self.values([subset])[0]

    def cached(self, subset: Iterable[int]) -> bool:
        """Whether v(subset) is already memoised (costs no forward)."""
        return frozenset(subset) in self._memo

    def values(self, subsets: Iterable[Iterable[int]]) -> list[float]:
        """v for each subset, running only the ones not memoised.

        Raises:
            BudgetExceeded: the missing subsets would exceed the budget (none of them is run).
        """
        keys = [frozenset(s) for s in subsets]
        bad = [i for k in keys for i in k if not 0 <= i < self.n]
        if bad:
            raise IndexError(f"passage index {bad[0]} out of range 0..{self.n - 1}")
        missing = list(dict.fromkeys(k for k in keys if k not in self._memo))
        if missing:
            self.budget.charge(len(missing))
            if self.reuse_prefix and self._base_kv is None:
                self._run(missing[:1], keep_cache=True)
                missing = missing[1:]
            for i in range(0, len(missing), self.batch_size):
                self._run(missing[i:i + self.batch_size])
        return [self._memo[k] for k in keys]

    def _prefix_cache(self, p: int, batch: int) -> Any:
        from transformers import DynamicCache

        data = [(k[:, :, :p].expand(batch, -1, -1, -1), v[:, :, :p].expand(batch, -1, -1, -1))
                for k, v in self._base_kv]
        return DynamicCache(ddp_cache_data=data, config=self.model.config)

    def _run(self, keys: list[frozenset[int]], keep_cache: bool = False) -> None:
        import torch

        t0 = time.perf_counter()
        prompts = [self.prompt_ids(k) for k in keys]
        p = 0
        if self._base_kv is not None:
            p = min(min(common_prefix_len(ids, self._base_ids), len(ids) - 1) for ids in prompts)
        rows = [ids[p:] + self.answer_ids for ids in prompts]
        width = max(len(r) for r in rows)
        pad = 0
        device = self.model.device
        input_ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=device)
        t = len(self.answer_ids)
        starts = [len(ids) - p - 1 for ids in prompts]  # row position whose logits predict answer[0]
        first = min(starts)
        kwargs: dict[str, Any] = {"use_cache": keep_cache or p > 0, "logits_to_keep": width - first}
        if p > 0:
            kwargs["cache"] = self._prefix_cache(p, len(rows))
        with torch.inference_mode():
            out = self.model(input_ids=input_ids, **kwargs)
        if keep_cache:
            self._base_ids = prompts[0]
            self._base_kv = [(layer.keys, layer.values) for layer in out.cache.layers]
        target = torch.tensor(self.answer_ids, device=device)
        for b, (key, start) in enumerate(zip(keys, starts)):
            logits = out.logits[b, start - first:start - first + t].float()
            lp = torch.log_softmax(logits, dim=-1).gather(-1, target[:, None]).sum()
            self._memo[key] = max(float(lp), -1000.0)  # TracLLM maps -inf to -1000
        self.forward_passes += len(keys)
        self.model_calls += 1
        self.seconds += time.perf_counter() - t0
        if self.on_pass is not None:
            self.on_pass(self.forward_passes)
