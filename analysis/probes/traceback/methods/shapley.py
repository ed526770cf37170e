"""Monte-Carlo Shapley values over N random permutations (N·(n + 1) forward passes at most)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from analysis.probes.traceback import shapley as sh
from analysis.probes.traceback.methods.base import Attribution, TracebackMethod


class ShapleyParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    n_permutations: int = Field(5, ge=1, le=100, title="Shapley permutations N",
                                description="random permutations of the passages (TracLLM's quick setting: 5)")


class Shapley(TracebackMethod):
    name, label, Params = "shapley", "Shapley (Monte-Carlo permutations)", ShapleyParams

    def estimate(self, n, params, *, k=5):
        return params.n_permutations * (n + 1)

    def attribute(self, value_fn, params, *, k=5, seed=0):
        return Attribution(sh.shapley(value_fn, None, params.n_permutations, seed))
