"""Shared fixtures: a fresh store per test, the real result files in ../shared, offline hub."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REAL_DATA = ROOT.parent / "shared" / "data" / "real"


@pytest.fixture
def store(tmp_path):
    """An empty store in a temporary DuckDB file."""
    from storage.db import open_store

    s = open_store(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session")
def real_data() -> Path:
    """``../shared/data/real``; tests using it skip (with the reason) when it is absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real harness result files not found at {REAL_DATA} (../shared is absent in this checkout)")
    return REAL_DATA
