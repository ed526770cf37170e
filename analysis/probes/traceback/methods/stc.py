"""Single-text contribution: score_i = v({i}) − v(∅) (n + 1 forward passes)."""
from __future__ import annotations

from analysis.probes.traceback.ablation import single_text_contribution
from analysis.probes.traceback.methods.base import Attribution, TracebackMethod


class SingleTextContribution(TracebackMethod):
    name, label = "stc", "Single-text contribution"

    def estimate(self, n, params, *, k=5):
        return n + 1

    def attribute(self, value_fn, params, *, k=5, seed=0):
        return Attribution(single_text_contribution(value_fn))
