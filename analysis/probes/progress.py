"""The progress protocol a probe algorithm reports through (pure: no threads, no storage).

An algorithm takes ``ctx: Progress | None`` and calls::

    ctx.progress(done, total, "message", length=8192)   # length = context length being run (tokens)
    ctx.check()                                         # raises to stop (a cancelled job)

What ``check`` raises and where progress goes is the caller's business: the job queue
(``jobs/queue.py``) raises ``JobCancelled`` after a cancel and shows progress / ETA in the app;
the command line (``cli/progress.py``) draws a tqdm bar.
"""
from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """What an algorithm may call on its ``ctx``."""

    def progress(self, done: int, total: int, message: str = "", length: int | None = None) -> None:
        """Report ``done`` of ``total`` units; ``length`` = the context length now being run."""

    def check(self) -> None:
        """Raise (any exception) if the run must stop; return otherwise."""


class NoProgress:
    """The default ``ctx``: reports nowhere and never stops the run."""

    def progress(self, done: int, total: int, message: str = "", length: int | None = None) -> None:
        return None

    def check(self) -> None:
        return None
