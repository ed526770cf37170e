"""Run a probe job as the signed-in user: the job's storage calls (which take no scope) are
filtered by that user's workspaces and stamp new results with the workspace they write to
(``storage.scope.acting_as``), exactly like the page's own calls."""
from __future__ import annotations

from typing import Any, Callable

from storage.scope import Scope, acting_as


def as_user(fn: Callable[[Any], Any], scope: Scope | None, workspace: str | None) -> Callable[[Any], Any]:
    """``fn(job)`` run inside ``acting_as(scope, workspace)``; ``fn`` itself when ``scope`` is None
    (the command line: sign-in off, the local user)."""
    if scope is None:
        return fn

    def scoped(job):
        with acting_as(scope, workspace):
            return fn(job)
    return scoped
