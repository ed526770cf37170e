"""Store tests run against BOTH backends: the embedded DuckDB file and the team store (DuckLake
with a PostgreSQL catalog in a throw-away cluster, Parquet files in a temporary folder; the cluster
and ``team_location`` fixtures are in tests/conftest.py)."""
from __future__ import annotations

import pytest


@pytest.fixture(params=["embedded", "team"])
def store(request, tmp_path):
    """An empty store: a DuckDB file, or a team store (DuckLake + PostgreSQL)."""
    from storage.db import open_store

    if request.param == "embedded":
        s = open_store(tmp_path / "test.duckdb")
    else:
        url, data = request.getfixturevalue("team_location")
        s = open_store(url, data_path=data)
    yield s
    s.close()
