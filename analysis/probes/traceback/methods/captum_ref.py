"""captum's ``LLMAttribution`` as the reference: FeatureAblation (= leave-one-out, n + 1 passes) and
ShapleyValueSampling (N·(n + 1) passes); passes counted by a hook on the model."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from analysis.probes.traceback.captum_ref import captum_attribution
from analysis.probes.traceback.methods.base import Attribution, TracebackMethod


class _CallCounter:
    """Counts model forward calls (captum runs one per perturbation with forward_in_tokens=False)."""

    def __init__(self, model: Any):
        self.calls = 0
        self._h = model.register_forward_pre_hook(self._hook)

    def _hook(self, *_: Any) -> None:
        self.calls += 1

    def close(self) -> None:
        self._h.remove()


def _captum(value_fn, algorithm: str, n_samples: int, passes: int) -> Attribution:
    value_fn.budget.charge(passes)
    counter = _CallCounter(value_fn.model)
    try:
        res = captum_attribution(value_fn.model, value_fn.builder, value_fn.passages, value_fn.answer_ids,
                                 algorithm, n_samples=n_samples)
    finally:
        counter.close()
    return Attribution([float(x) for x in res.seq_attr.flatten()], forward_passes=counter.calls)


class CaptumFeatureAblation(TracebackMethod):
    name, label = "captum_fa", "captum FeatureAblation (reference LOO)"

    def estimate(self, n, params, *, k=5):
        return n + 1

    def attribute(self, value_fn, params, *, k=5, seed=0):
        return _captum(value_fn, "feature_ablation", 1, self.estimate(value_fn.n, params, k=k))


class CaptumShapleyParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    n_permutations: int = Field(5, ge=1, le=100, title="Shapley permutations N",
                                description="captum ShapleyValueSampling's n_samples")


class CaptumShapley(TracebackMethod):
    name, label, Params = "captum_shapley", "captum ShapleyValueSampling (reference)", CaptumShapleyParams

    def estimate(self, n, params, *, k=5):
        return params.n_permutations * (n + 1)

    def attribute(self, value_fn, params, *, k=5, seed=0):
        return _captum(value_fn, "shapley_sampling", params.n_permutations, self.estimate(value_fn.n, params, k=k))
