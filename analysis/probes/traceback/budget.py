"""Forward-pass budget guard, and the worst case of TracLLM's search used by its estimate.

A *forward pass* is one teacher-forced forward over ``prompt(S) ⊕ answer`` for one subset S of
passages (batched passes count once per subset; memoised subsets are not re-run and not counted).
Each method's estimate (``methods/<name>.py``) follows its source: TracLLM paper §4 and
``src/attribution/perturbation_based.py``; ContextCite ``num_ablations``; AttnTrace ``B``
subsamples. They are upper bounds: memoisation only lowers them.
"""
from __future__ import annotations

from dataclasses import dataclass


class BudgetExceeded(RuntimeError):
    """A method asked for more forward passes than the budget allows (nothing was run for them)."""


@dataclass
class ForwardBudget:
    """Counts forward passes and refuses to go past ``limit`` (``None`` = unlimited)."""

    limit: int | None = None
    used: int = 0

    def charge(self, n: int) -> None:
        """Reserve ``n`` passes. Raises :class:`BudgetExceeded` (before running) if over the limit."""
        if self.limit is not None and self.used + n > self.limit:
            raise BudgetExceeded(f"forward-pass budget {self.limit} exceeded: {self.used} used, {n} more requested")
        self.used += n


def tracllm_rounds(n: int, k: int) -> list[int]:
    """Node counts of the scored rounds of TracLLM's informed search when the kept nodes are the
    largest ones (worst case): halve every node, score when more than ``k`` nodes, keep ``k``."""
    nodes, rounds = [n], []
    while any(s > 1 for s in nodes):
        new = [h for s in nodes for h in ((s // 2, s - s // 2) if s > 1 else (s,))]
        if len(new) > k:
            rounds.append(len(new))
            new = sorted(new, reverse=True)[:k]
        nodes = new
    return rounds
