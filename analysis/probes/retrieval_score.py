"""Retrieval-head score of one NIAH sample (Wu et al. 2024, arXiv 2404.15574, §2).

At each decoding step t, head (l, h) *copies* when the argmax of its attention row lies inside
the answer span of the needle (the reference code's ``real_needle``) and the token there equals
the token generated at step t. The sample's score for the head is

    |{answer positions the head copied}| / |answer span|          (the paper's set version, ≤ 1)

LongScope follows the paper's set definition. The reference code
(``nightdessert/Retrieval_Head``, ``retrieval_calculate``) instead adds ``1/|span|`` at every copy
step, so a head that copies the same position twice scores above 1; ``reference_compat=True``
reproduces that.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SampleScorer:
    """Collects argmax positions from :func:`analysis.probes.attention_rows.capture_rows` and
    scores one sample.

    Use ``scorer.sink`` as the row sink and ``scorer.on_step`` as the decoding step callback.

    Attributes:
        input_ids: the prompt ids (the answer span indexes into them).
        answer_span: ``[start, end)`` token positions of the answer in the prompt.
        copied: bool (L, H, span) — positions each head copied (set version).
        steps: per-step copy counts, float (L, H) (reference version: Σ 1/|span| per copy step).
    """

    input_ids: list[int]
    answer_span: tuple[int, int]
    n_layers: int
    n_heads: int
    reference_compat: bool = False
    _argmax: dict[int, Any] = field(default_factory=dict, repr=False)
    _klen: dict[int, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        import torch

        s, e = self.answer_span
        if not 0 <= s < e <= len(self.input_ids):
            raise ValueError(f"answer span {self.answer_span} outside the prompt (length {len(self.input_ids)})")
        self.span_ids = torch.tensor(self.input_ids[s:e])
        self.copied = torch.zeros(self.n_layers, self.n_heads, e - s, dtype=torch.bool)
        self.steps = torch.zeros(self.n_layers, self.n_heads)

    def sink(self, layer: int, logits) -> None:
        """Row sink: keep the argmax key index per head of ``logits`` (B=1, H, K)."""
        self._argmax[layer] = logits[0].argmax(-1).cpu()
        self._klen[layer] = logits.shape[-1]

    def on_step(self, step: int, position: int, token_id: int) -> None:
        """Score the step whose query sat at ``position`` and which emitted ``token_id``."""
        import torch

        if len(self._argmax) != self.n_layers:
            raise RuntimeError(f"rows from {len(self._argmax)} of {self.n_layers} layers at step {step}")
        s, e = self.answer_span
        idx = torch.stack([self._argmax[l] for l in range(self.n_layers)])            # (L, H)
        klen = torch.tensor([self._klen[l] for l in range(self.n_layers)])[:, None]
        pos = idx + (position + 1 - klen)                                             # absolute key position
        inside = (pos >= s) & (pos < e)
        rel = (pos - s).clamp(0, e - s - 1)
        hit = inside & (self.span_ids[rel] == token_id)
        if hit.any():
            ll, hh = hit.nonzero(as_tuple=True)
            self.copied[ll, hh, rel[ll, hh]] = True
            self.steps[ll, hh] += 1.0 / (e - s)
        self._argmax.clear()
        self._klen.clear()

    def scores(self):
        """Float (L, H) sample scores: set version in [0, 1], or the reference per-step sum."""
        return self.steps.clone() if self.reference_compat else self.copied.float().mean(-1)

    def hits(self):
        """Int (L, H): distinct answer positions each head copied."""
        return self.copied.sum(-1)
