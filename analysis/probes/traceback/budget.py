"""Forward-pass budget guard and the cost estimate shown before a traceback runs.

A *forward pass* is one teacher-forced forward over ``prompt(S) ⊕ answer`` for one subset S of
passages (batched passes count once per subset; memoised subsets are not re-run and not counted).
Formulas: TracLLM paper §4 and ``src/attribution/perturbation_based.py``; ContextCite
``num_ablations``; AttnTrace ``B`` subsamples. They are upper bounds: memoisation only lowers them.
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


def _per_round(func: str, m: int, n_perm: int) -> int:
    if func in ("stc", "loo"):
        return m + 1
    if func in ("shapley", "denoised_shapley"):
        return n_perm * (m + 1)
    raise ValueError(f"unknown score function {func!r}")


def estimate_forward_passes(method: str, n: int, *, k: int = 5, n_permutations: int = 5,
                            score_funcs: tuple[str, ...] = ("stc", "loo", "denoised_shapley"),
                            n_ablations: int = 64, n_subsamples: int = 30) -> int:
    """Upper bound on forward passes for ``method`` over ``n`` passages (see module doc).

    Raises:
        ValueError: unknown method.
    """
    if method in ("loo", "stc", "captum_fa"):
        return n + 1
    if method in ("shapley", "denoised_shapley", "captum_shapley"):
        return n_permutations * (n + 1)
    if method == "tracllm":
        rounds = tracllm_rounds(n, k)
        if not rounds:  # n ≤ k: TracLLM scores nothing; we score the n texts once
            rounds = [n]
        return sum(_per_round(f, m, n_permutations) for f in score_funcs for m in rounds)
    if method == "contextcite":
        return min(n_ablations, 2 ** n) + 1
    if method == "attntrace":
        return n_subsamples
    raise ValueError(f"unknown method {method!r}")
