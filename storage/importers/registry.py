"""Format detection: every importer module in this package, tried in priority order.

An importer is a module in ``storage/importers/`` that defines:

- ``FORMAT`` (str): its id, stored in ``files.format`` and ``runs.harness``;
- ``LABEL`` (str): a human name for the preview, e.g. "NIAH legacy per-test JSON (gkamradt)";
- ``PRIORITY`` (int): lower is tried first (specific formats before generic ones);
- ``detect(src: SourceFile) -> bool``: cheap check on path and ``src.head()`` / ``src.first_line()``,
  reading at most ``source.detect_bytes()`` bytes (``$LONGSCOPE_DETECT_BYTES``) of the file;
- ``parse(src: SourceFile) -> list[ParsedFile]``: full parse and validation; raises ``FormatError``;
- ``PATH_FOLDERS`` (int, optional): how many trailing folders carry model / length / task, part of
  the file's identity with its content hash (``storage.identity``; default 0).

Modules are discovered automatically, so adding a format is adding a file.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from types import ModuleType

import storage.importers as _pkg
from storage.importers.source import SourceFile, detect_bytes

_NOT_IMPORTERS = {"registry", "source", "parsed", "common"}


@lru_cache(maxsize=1)
def importers() -> tuple[ModuleType, ...]:
    """All importer modules, sorted by ``PRIORITY`` then ``FORMAT``."""
    mods = []
    for info in pkgutil.iter_modules(_pkg.__path__):
        if info.name in _NOT_IMPORTERS or info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"storage.importers.{info.name}")
        if all(hasattr(mod, a) for a in ("FORMAT", "detect", "parse")):
            mods.append(mod)
    return tuple(sorted(mods, key=lambda m: (getattr(m, "PRIORITY", 50), m.FORMAT)))


def by_format(fmt: str) -> ModuleType:
    """The importer module with ``FORMAT == fmt``.

    Raises:
        KeyError: no such format.
    """
    for mod in importers():
        if mod.FORMAT == fmt:
            return mod
    raise KeyError(f"unknown format {fmt!r}; known: {', '.join(m.FORMAT for m in importers())}")


def detect(src: SourceFile) -> ModuleType:
    """The first importer whose ``detect`` accepts ``src``.

    Raises:
        FormatError: no importer recognises the file (the message lists what was looked at).
    """
    if src.is_blank():
        raise src.error(None, "the file is empty")
    limit = detect_bytes()
    if src.suffix != ".parquet":
        # FormatError for UTF-16 or non-UTF-8 bytes, naming the line; keeps no decoded copy; the rest
        # of a recognised file is checked as it is parsed, an unrecognised one is never read further
        src.check_utf8(limit=limit)
    for mod in importers():
        if mod.detect(src):
            if src.suffix != ".parquet":
                src.check_utf8()
            return mod
    small = src.size <= limit
    if small and src.suffix == ".json":
        src.json()  # a syntax error or truncation is a better message than "unknown format"
    elif small and src.suffix == ".jsonl":
        src.jsonl()
    head = src.head(200).strip().replace("\n", " ")
    looked = "" if small else (f" Only its first {limit:,} bytes were read to detect the format "
                               f"(LONGSCOPE_DETECT_BYTES); the rest was not parsed.")
    raise src.error(
        "format",
        f"unknown format: none of the {len(importers())} importers recognised it "
        f"(extension {src.suffix or 'none'}; starts with {head[:80]!r}).{looked} "
        "For another harness, convert it to the generic tidy CSV/Parquet (see README).",
    )
