"""TracLLM's informed search and ensemble (Wang, Zou, Geng, Jia, USENIX Security 2025;
``Wang-Yanting/TracLLM`` ``src/attribution/perturbation_based.py::tracllm`` and ``attribute``).

Search, for one score function: start with one node holding all passages; each round split every
node with more than one passage into halves (``mid = len // 2``); if there are at most K nodes keep
them all unscored, otherwise score the nodes as players in a context made of exactly those nodes
and keep the top K; stop when every kept node is a single passage. A passage's score is the one
from the last round in which its node was scored. If n ≤ K nothing is ever scored in the reference
(``current_nodes_scores`` stays ``None``); here the n passages are then scored once.

Ensemble: run the whole search separately per score function; per passage take the maximum over
functions of ``weight × score`` (weight ``loo_weight`` = 2 for LOO, 1 otherwise) and report the top
K. With ``normalise=True`` (default, as the issue and paper describe) each function's kept scores
are first divided by their largest absolute value, so functions on different scales compare;
``normalise=False`` reproduces the released code (raw nats).

Differences from the code: a node's passages are joined with the prompt's passage separator
(the code joins them with a space into one text).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

from analysis.probes.traceback.ablation import leave_one_out, singletons, single_text_contribution
from analysis.probes.traceback.shapley import denoised_shapley, shapley
from analysis.probes.traceback.value import ValueFunction

SCORE_FUNCS = ("stc", "loo", "shapley", "denoised_shapley")


def score_players(vf: ValueFunction, players: Sequence[frozenset[int]], func: str, *, n_permutations: int = 5,
                  beta: float = 0.2, seed: int = 0) -> list[float]:
    """Scores of ``players`` by one of :data:`SCORE_FUNCS`.

    Raises:
        ValueError: unknown function.
    """
    fns: dict[str, Callable[[], list[float]]] = {
        "stc": lambda: single_text_contribution(vf, players),
        "loo": lambda: leave_one_out(vf, players),
        "shapley": lambda: shapley(vf, players, n_permutations, seed),
        "denoised_shapley": lambda: denoised_shapley(vf, players, n_permutations, beta, seed),
    }
    if func not in fns:
        raise ValueError(f"unknown score function {func!r}: use one of {', '.join(SCORE_FUNCS)}")
    return fns[func]()


def informed_search(vf: ValueFunction, func: str, k: int = 5, *, n_permutations: int = 5, beta: float = 0.2,
                    seed: int = 0) -> dict[int, float]:
    """``{passage index: score}`` for the (at most) K passages the search keeps, by ``func``."""
    if k < 1:
        raise ValueError(f"k must be ≥ 1, got {k}")
    nodes: list[list[int]] = [list(range(vf.n))]
    scores: list[float] | None = None
    level = 0
    while any(len(nd) > 1 for nd in nodes):
        level += 1
        new = [half for nd in nodes for half in ((nd[:len(nd) // 2], nd[len(nd) // 2:]) if len(nd) > 1 else (nd,))]
        if len(new) <= k:
            nodes = new
            continue
        s = score_players(vf, [frozenset(nd) for nd in new], func, n_permutations=n_permutations, beta=beta,
                          seed=seed + level)
        keep = sorted(sorted(range(len(new)), key=lambda i: s[i], reverse=True)[:k])
        nodes, scores = [new[i] for i in keep], [s[i] for i in keep]
    if scores is None:  # n ≤ k
        scores = score_players(vf, singletons(vf), func, n_permutations=n_permutations, beta=beta, seed=seed)
    return {nd[0]: sc for nd, sc in zip(nodes, scores)}


@dataclass
class TracLLMResult:
    """Ensemble output: ``scores[i]`` (NaN for passages pruned by every search), ``top_k`` (best
    first) and each function's kept ``{passage: score}``."""

    scores: list[float]
    top_k: list[int]
    per_function: dict[str, dict[int, float]] = field(default_factory=dict)


def tracllm(vf: ValueFunction, k: int = 5, *, score_funcs: Sequence[str] = ("stc", "loo", "denoised_shapley"),
            n_permutations: int = 5, beta: float = 0.2, loo_weight: float = 2.0, normalise: bool = True,
            seed: int = 0) -> TracLLMResult:
    """TracLLM ensemble of informed searches (see module doc). Defaults: K = 5, N = 5 (the
    reference's quick setting), β = 0.2, w = 2."""
    combined: dict[int, float] = {}
    per_function: dict[str, dict[int, float]] = {}
    for func in score_funcs:
        kept = informed_search(vf, func, k, n_permutations=n_permutations, beta=beta, seed=seed)
        per_function[func] = kept
        scale = max((abs(v) for v in kept.values()), default=0.0) if normalise else 1.0
        weight = loo_weight if func == "loo" else 1.0
        for i, v in kept.items():
            val = weight * (v / scale if scale else 0.0)
            combined[i] = max(combined.get(i, -math.inf), val)
    top = sorted(combined, key=lambda i: combined[i], reverse=True)[:k]
    scores = [combined.get(i, math.nan) for i in range(vf.n)]
    return TracLLMResult(scores, top, per_function)
