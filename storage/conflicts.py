"""Write conflicts between clients of one store, and the retry policy for them.

On the team store (DuckLake) every writer's transaction bumps the ``writes`` row of
``id_counters`` (:mod:`storage.ids`), so two transactions that overlap in time conflict at
``COMMIT``: DuckLake lets exactly one commit and fails the other with a "Transaction conflict"
(https://ducklake.select/docs/stable/duckdb/advanced_features/conflict_resolution). The loser
rolls back completely and is run again from the start, seeing the winner's rows.
"""
from __future__ import annotations

import random

import duckdb

#: attempts of one write before :class:`StoreConflictError` (each a full re-run of the transaction)
MAX_ATTEMPTS = 60


class StoreConflictError(RuntimeError):
    """A write still conflicted with other clients' writes after :data:`MAX_ATTEMPTS` attempts."""


def is_conflict(exc: BaseException) -> bool:
    """True for DuckDB/DuckLake errors that mean "another transaction committed a conflicting change
    first": retrying the whole transaction is safe and will see that change."""
    return isinstance(exc, duckdb.Error) and "conflict" in str(exc).lower()


def backoff_seconds(attempt: int) -> float:
    """Wait before attempt ``attempt`` (1-based retry count): exponential from 20 ms, capped at 1 s,
    with full jitter so clients that collided do not collide again in step."""
    return random.uniform(0, min(1.0, 0.02 * 2 ** min(attempt, 10)))
