"""AppTest helper for the probe pages: the model picker reads a model's facts in the background and,
when they take longer than ``ui.model_picker.FACTS_WAIT_S`` (a first GGUF read on a fresh machine),
draws the page with a "Reading the configuration…" note that checks back by itself. AppTest does
not run that timer, so a test runs the script again until the note is gone (bounded)."""
from __future__ import annotations

import time

READING = "Reading the configuration and tokenizer"


def until_model_read(at, timeout: float = 300.0):
    """Re-run ``at`` (an already run ``AppTest``) while the picker's reading note shows; return it.

    Raises:
        AssertionError: the note is still there after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while any(READING in str(i.value) for i in at.info):
        assert time.monotonic() < deadline, f"the model's facts were not read within {timeout:.0f} s"
        time.sleep(0.5)  # polling the background read, as the page's own note does
        at.run()
    return at
