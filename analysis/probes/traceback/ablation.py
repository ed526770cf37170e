"""One-player-at-a-time attributions over a :class:`ValueFunction` (TracLLM §3; ``stc``/``loo``
in ``src/attribution/perturbation_based.py``). A player is a group of passage indices (one passage
by default, a node of TracLLM's search otherwise); the context is the union of the players.
Scores are in nats of answer log-probability."""
from __future__ import annotations

from typing import Sequence

from analysis.probes.traceback.value import ValueFunction


def singletons(vf: ValueFunction) -> list[frozenset[int]]:
    """One player per passage."""
    return [frozenset([i]) for i in range(vf.n)]


def leave_one_out(vf: ValueFunction, players: Sequence[frozenset[int]] | None = None) -> list[float]:
    """LOO: ``s_i = v(U) − v(U \\ P_i)`` with U the union of the players. Cost m + 1 passes.

    The ablations are requested in player order, so with ``batch_size=1`` each reuses the KV
    prefix up to the removed player (docs/probes.md: "prefill once, crop per ablation").
    """
    players = singletons(vf) if players is None else list(players)
    full = frozenset().union(*players)
    vals = vf.values([full] + [full - p for p in players])
    return [vals[0] - v for v in vals[1:]]


def single_text_contribution(vf: ValueFunction, players: Sequence[frozenset[int]] | None = None) -> list[float]:
    """STC: ``s_i = v(P_i) − v(∅)``. Cost m + 1 passes."""
    players = singletons(vf) if players is None else list(players)
    vals = vf.values([frozenset()] + list(players))
    return [v - vals[0] for v in vals[1:]]
