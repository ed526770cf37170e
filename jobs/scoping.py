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


def scope_to_json(scope: Scope | None) -> dict | None:
    """``scope`` as the JSON a queued job carries (None stays None)."""
    if scope is None:
        return None
    return {"identity": scope.identity, "roles": [list(r) for r in scope.roles],
            "every_workspace": scope.every_workspace}


def scope_from_json(doc: dict | None) -> Scope | None:
    """The :class:`Scope` of :func:`scope_to_json`'s output.

    Raises:
        KeyError / TypeError: not such a document.
    """
    if doc is None:
        return None
    return Scope(doc["identity"], tuple(tuple(r) for r in doc["roles"]), bool(doc.get("every_workspace")))
