"""Give memory that Python, pandas and Arrow have freed back to the operating system.

Parsing a large upload allocates and frees hundreds of MB (the Arrow table read from the file,
the frames built from it). glibc's ``malloc`` keeps freed blocks in its arenas, so the process
still holds them when DuckDB then allocates its own buffers for the insert: the peak adds both
(``benchmarks/upload_memory.py``: a 87 MiB JSONL peaked at 1.9-2.9x the file, depending on
whether DuckDB happened to reuse the freed blocks; 1.8-2.0x with the trim before the write).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools

import pyarrow as pa


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None on a C library without it (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> bool:
    """Return the C heap's free blocks to the operating system (glibc ``malloc_trim(0)``).

    Cheap (milliseconds) and safe at any time; live objects are not touched.

    Returns:
        True when memory was released, False when nothing could be (no glibc, or nothing free).
    """
    pa.default_memory_pool().release_unused()  # Arrow's own allocator (mimalloc or jemalloc) keeps freed pages too
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False
