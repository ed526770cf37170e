"""TracLLM (Wang et al., USENIX Security 2025): informed search per score function, then the
ensemble (max of normalised scores, LOO weighted by w). Forward passes: worst case of the search
(:func:`..budget.tracllm_rounds`), so the run may start over the budget and is stopped by it."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from analysis.probes.traceback.budget import tracllm_rounds
from analysis.probes.traceback.methods.base import Attribution, TracebackMethod
from analysis.probes.traceback.tracllm import tracllm

ScoreFunc = Literal["stc", "loo", "shapley", "denoised_shapley"]


class TracLLMParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    n_permutations: int = Field(5, ge=1, le=100, title="Shapley permutations N",
                                description="permutations per Shapley score (TracLLM's quick setting: 5)")
    beta: float = Field(0.2, gt=0, le=1, title="β (top fraction of marginal gains)",
                        description="denoised Shapley's fraction of the largest marginal gains (0.2)")
    loo_weight: float = Field(2.0, ge=0, title="LOO weight w", description="weight of leave-one-out in the ensemble (2)")
    normalise: bool = Field(True, title="Normalise each score function",
                            description="divide each function's scores by their largest magnitude before the ensemble")
    score_funcs: tuple[ScoreFunc, ...] = Field(("stc", "loo", "denoised_shapley"), min_length=1,
                                               title="Score functions", description="the ensemble's score functions")


def _per_round(func: str, m: int, n_perm: int) -> int:
    """Passes to score ``m`` nodes once with ``func``."""
    return m + 1 if func in ("stc", "loo") else n_perm * (m + 1)


class TracLLM(TracebackMethod):
    name, label, Params = "tracllm", "TracLLM (informed search, STC + LOO + denoised Shapley ensemble)", TracLLMParams
    refuse_over_budget = False

    def estimate(self, n, params, *, k=5):
        rounds = tracllm_rounds(n, k) or [n]  # n ≤ k: TracLLM scores nothing; we score the n texts once
        return sum(_per_round(f, m, params.n_permutations) for f in params.score_funcs for m in rounds)

    def attribute(self, value_fn, params, *, k=5, seed=0):
        res = tracllm(value_fn, k, score_funcs=params.score_funcs, n_permutations=params.n_permutations,
                      beta=params.beta, loo_weight=params.loo_weight, normalise=params.normalise, seed=seed)
        return Attribution(res.scores, top_k=res.top_k)
