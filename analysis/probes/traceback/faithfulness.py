"""Faithfulness check of a traceback: remove the top-K passages vs K random passages.

Reports the answer's log-probability v(S) (nats) with all passages, without the top-K, and without
K random passages (mean over draws), and whether the answer survives a fresh greedy generation in
each case (TracLLM's "accuracy / ASR after removal", ``src/evaluate.py``). A faithful ranking makes
the answer's log-prob fall far more, and the answer disappear, when the top-K are removed.
"""
from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any, Sequence

from analysis.probes.traceback.generate import answer_survives, generate_answer
from analysis.probes.traceback.value import ValueFunction


@dataclass
class Faithfulness:
    """Result of :func:`faithfulness_check` (log-probs in nats; survival as bools / a fraction)."""

    k: int
    logprob_full: float
    logprob_without_top: float
    logprob_without_random: float
    survives_without_top: bool | None
    survives_without_random: float | None
    random_draws: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def faithfulness_check(vf: ValueFunction, top_k: Sequence[int], *, answer: str | None = None, model: Any = None,
                       random_draws: int = 3, seed: int = 0, max_new_tokens: int = 48) -> Faithfulness:
    """Compare removing ``top_k`` with removing ``len(top_k)`` random passages.

    Random draws avoid nothing (TracLLM's baseline samples any K). If ``answer`` and ``model`` are
    given, the answer is regenerated greedily without each removed set and checked for survival
    (1 + ``random_draws`` generations); otherwise survival is ``None``. Cost: 2 + ``random_draws``
    forward passes (memoised) plus the generations.
    """
    k = len(top_k)
    full = vf.full
    rng = random.Random(seed)
    draws = [frozenset(rng.sample(range(vf.n), k)) for _ in range(random_draws)]
    vals = vf.values([full, full - frozenset(top_k)] + [full - d for d in draws])
    surv_top = surv_rand = None
    if answer is not None and model is not None:
        def survives(removed: frozenset[int]) -> bool:
            kept = [vf.passages[i] for i in sorted(full - removed)]
            return answer_survives(answer, generate_answer(model, vf.builder, kept, max_new_tokens)[0])

        surv_top = survives(frozenset(top_k))
        surv_rand = sum(survives(d) for d in draws) / len(draws) if draws else None
    rand = vals[2:]
    return Faithfulness(k, vals[0], vals[1], sum(rand) / len(rand) if rand else vals[0], surv_top, surv_rand,
                        random_draws)
