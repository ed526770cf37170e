"""Denoised Shapley (TracLLM §4): mean of the top-β marginal gains over N permutations."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from analysis.probes.traceback import shapley as sh
from analysis.probes.traceback.methods.base import Attribution, TracebackMethod


class DenoisedShapleyParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    n_permutations: int = Field(5, ge=1, le=100, title="Shapley permutations N",
                                description="random permutations of the passages (TracLLM's quick setting: 5)")
    beta: float = Field(0.2, gt=0, le=1, title="β (top fraction of marginal gains)",
                        description="fraction of the largest marginal gains averaged (TracLLM: 0.2)")


class DenoisedShapley(TracebackMethod):
    name, label, Params = "denoised_shapley", "Denoised Shapley (TracLLM, top-β marginal gains)", DenoisedShapleyParams

    def estimate(self, n, params, *, k=5):
        return params.n_permutations * (n + 1)

    def attribute(self, value_fn, params, *, k=5, seed=0):
        return Attribution(sh.denoised_shapley(value_fn, None, params.n_permutations, params.beta, seed))
