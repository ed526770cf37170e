"""A tqdm progress bar as the ``ctx`` of a probe run from the command line."""
from __future__ import annotations


class TqdmProgress:
    """An ``analysis.probes.progress.Progress`` drawing a tqdm bar; never stops the run (Ctrl-C does).

    Use as a context manager so the bar is closed when the run ends or fails.
    """

    def __init__(self, desc: str, unit: str = "trial") -> None:
        from tqdm import tqdm

        self.bar = tqdm(desc=desc, unit=unit)

    def progress(self, done: int, total: int, message: str = "", length: int | None = None) -> None:
        """Move the bar to ``done`` of ``total``; the message is shown after it."""
        self.bar.total = total
        self.bar.n = done
        self.bar.set_postfix_str(message[:60], refresh=True)

    def check(self) -> None:
        """Nothing to check: a command-line run stops with Ctrl-C."""

    def __enter__(self) -> "TqdmProgress":
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()
