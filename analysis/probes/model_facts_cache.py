"""A GGUF file's facts for the model picker, kept on disk so a page opens at once.

Reading them costs the full GGUF metadata twice (``gguf_header`` and transformers' GGUF config
reader parse every tokenizer entry): 28 s for SmolLM2 and 97 s for Gemma-3-270M on a loaded
2-core machine. The facts (everything of ``ModelInfo`` but the device and dtype, which depend on
the machine) are stored as JSON in ``<LongScope cache>/model_facts/`` under a key of the file's
resolved path, size, modification time and the transformers version, so a changed file or
another transformers reads again. A missing or unreadable entry is read again, never trusted.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def _entry(cache: Path, gguf: Path, version: str) -> Path:
    st = gguf.stat()
    key = json.dumps([str(gguf.resolve()), st.st_size, st.st_mtime_ns, version])
    return cache / "model_facts" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def load_facts(cache: Path, gguf: Path, version: str) -> dict[str, Any] | None:
    """The facts stored for ``gguf`` as it is now under transformers ``version``; None if absent
    or unreadable."""
    try:
        return json.loads(_entry(cache, gguf, version).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def save_facts(cache: Path, gguf: Path, version: str, facts: dict[str, Any]) -> None:
    """Store ``facts`` (JSON-able) for ``gguf``; written whole or not at all (a failure to write
    only means the next process reads the file again)."""
    path = _entry(cache, gguf, version)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(facts), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
