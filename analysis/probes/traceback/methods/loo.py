"""Leave-one-out: score_i = v(all) − v(all \\ {i}) (n + 1 forward passes)."""
from __future__ import annotations

from analysis.probes.traceback.ablation import leave_one_out
from analysis.probes.traceback.methods.base import Attribution, TracebackMethod


class LeaveOneOut(TracebackMethod):
    name, label = "loo", "Leave-one-out"

    def estimate(self, n, params, *, k=5):
        return n + 1

    def attribute(self, value_fn, params, *, k=5, seed=0):
        return Attribution(leave_one_out(value_fn))
