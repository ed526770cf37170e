"""AttnTrace-style attention (2025): answer-to-passage attention over B random subsamples of the
passages, averaged over the top heads (B forward passes)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from analysis.probes.traceback.attention import attn_trace
from analysis.probes.traceback.methods.base import Attribution, TracebackMethod


class AttnTraceParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    n_subsamples: int = Field(30, ge=1, le=200, title="AttnTrace subsamples B",
                              description="random subsamples of the passages (AttnTrace: 30)")
    q: float = Field(0.4, gt=0, le=1, title="Subsample fraction q", description="fraction of passages per subsample")
    avg_k: int = Field(5, ge=1, title="Top tokens averaged", description="answer-attention tokens averaged per passage")
    heads: list[tuple[int, int]] | None = Field(None, title="Attention heads",
                                                description="(layer, head) pairs, 0-based; none = all heads")


class AttnTrace(TracebackMethod):
    name, label, Params = "attntrace", "AttnTrace-style attention", AttnTraceParams

    def estimate(self, n, params, *, k=5):
        return params.n_subsamples

    def attribute(self, value_fn, params, *, k=5, seed=0):
        scores = attn_trace(value_fn.model, value_fn.builder, value_fn.passages, value_fn.answer_ids,
                            n_subsamples=params.n_subsamples, q=params.q, avg_k=params.avg_k, heads=params.heads,
                            seed=seed, budget=value_fn.budget)
        return Attribution(scores, forward_passes=params.n_subsamples)
