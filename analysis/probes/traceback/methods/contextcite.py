"""ContextCite (Cohen-Wang et al., NeurIPS 2024): random ablations + Lasso surrogate
(min(ablations, 2^n) + 1 forward passes)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from analysis.probes.traceback.contextcite import context_cite
from analysis.probes.traceback.methods.base import Attribution, TracebackMethod


class ContextCiteParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    n_ablations: int = Field(64, ge=8, le=1024, title="ContextCite ablations",
                             description="random ablation masks (ContextCite's num_ablations: 64)")
    keep_prob: float = Field(0.5, gt=0, lt=1, title="Keep probability", description="chance a passage is kept in a mask")
    lasso_alpha: float = Field(0.01, gt=0, title="Lasso α", description="L1 strength of the surrogate")


class ContextCite(TracebackMethod):
    name, label, Params = "contextcite", "ContextCite (random ablations + Lasso)", ContextCiteParams

    def estimate(self, n, params, *, k=5):
        return min(params.n_ablations, 2 ** n) + 1

    def attribute(self, value_fn, params, *, k=5, seed=0):
        return Attribution(context_cite(value_fn, params.n_ablations, params.keep_prob, params.lasso_alpha, seed))
