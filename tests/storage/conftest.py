"""Store tests run against BOTH backends: the embedded DuckDB file and the team store (DuckLake
with a PostgreSQL catalog in a throw-away cluster, Parquet files in a temporary folder)."""
from __future__ import annotations

import itertools

import pytest

from tests.pg_cluster import PgCluster, pg_bin_dir

_names = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster for the session (initdb + pg_ctl on a free loopback port, as an
    unprivileged user); skips when PostgreSQL is not installed (.ci/run installs it)."""
    if pg_bin_dir() is None:
        pytest.skip("PostgreSQL is not installed (no initdb): the team-store (DuckLake) tests need it; "
                    ".ci/run installs Debian's postgresql")
    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def team_location(pg_cluster, tmp_path) -> tuple[str, str]:
    """``(DuckLake URL, data folder)`` of a new, empty team store (a fresh PostgreSQL database)."""
    dsn = pg_cluster.create_database(f"lake_{next(_names)}")
    return f"ducklake:postgres:{dsn}", str(tmp_path / "lake_data")


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
