"""Monte-Carlo Shapley values of passages, plain and TracLLM's denoised variant.

For each of N random permutations π of the players, the marginal gain of player i is
``Δ_i^π = v(P_i^π ∪ {i}) − v(P_i^π)`` where ``P_i^π`` are the players before i in π (Castro et al.
2009 permutation sampling; TracLLM ``shapley``). Plain Shapley averages the N gains; TracLLM's
denoised Shapley averages only the largest ⌈β·N⌉ of them (``mean_of_percent``, β = 0.2), because a
passage that matters in a few coalitions (e.g. a needle once its rivals are present) is drowned out
by near-zero gains in the mean.

Players are groups of passage indices, so the same code scores single passages or TracLLM's nodes.
"""
from __future__ import annotations

import math
import random
from typing import Sequence

from analysis.probes.traceback.ablation import singletons
from analysis.probes.traceback.value import ValueFunction


def marginal_gains(vf: ValueFunction, players: Sequence[frozenset[int]], n_permutations: int,
                   seed: int = 0) -> list[list[float]]:
    """``gains[i]`` = the N marginal gains of player i, one per permutation (nats).

    Cost: at most N·(m + 1) forward passes for m players (v(∅) and v(all) are memoised after the
    first permutation, so N·(m − 1) + 2 at most in practice).
    """
    rng = random.Random(seed)
    m = len(players)
    gains: list[list[float]] = [[] for _ in range(m)]
    for _ in range(n_permutations):
        order = list(range(m))
        rng.shuffle(order)
        coalitions, acc = [frozenset()], frozenset()
        for j in order:
            acc = acc | players[j]
            coalitions.append(acc)
        vals = vf.values(coalitions)
        for step, j in enumerate(order):
            gains[j].append(vals[step + 1] - vals[step])
    return gains


def shapley(vf: ValueFunction, players: Sequence[frozenset[int]] | None = None, n_permutations: int = 5,
            seed: int = 0) -> list[float]:
    """Monte-Carlo Shapley value per player (default: one player per passage), in nats."""
    players = singletons(vf) if players is None else list(players)
    return [sum(g) / len(g) for g in marginal_gains(vf, players, n_permutations, seed)]


def denoised_shapley(vf: ValueFunction, players: Sequence[frozenset[int]] | None = None, n_permutations: int = 5,
                     beta: float = 0.2, seed: int = 0) -> list[float]:
    """TracLLM's denoised Shapley: mean of the top ⌈β·N⌉ marginal gains per player, in nats."""
    if not 0 < beta <= 1:
        raise ValueError(f"beta must be in (0, 1], got {beta}")
    players = singletons(vf) if players is None else list(players)
    out = []
    for g in marginal_gains(vf, players, n_permutations, seed):
        top = sorted(g, reverse=True)[:max(1, math.ceil(beta * len(g)))]
        out.append(sum(top) / len(top))
    return out
