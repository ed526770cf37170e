"""Schema migrations: numbered ``NNNN_name.sql`` files in this folder, applied in order once each.

The table ``schema_migrations`` records which have run. Add a new file for every schema change.
One definition serves both backends (the embedded DuckDB file and the DuckLake team store), so a
migration may use only what DuckLake supports: no sequences, PRIMARY KEY, UNIQUE or CHECK.
0001-0004 were rewritten once for that (issue 10); a file that had applied their first versions
keeps its extra keys and sequences, which the code no longer relies on (see 0010).
"""
from __future__ import annotations

import time
from pathlib import Path

import duckdb

from storage.conflicts import MAX_ATTEMPTS, StoreConflictError, backoff_seconds, is_conflict

MIGRATIONS_DIR = Path(__file__).parent


def migration_files() -> list[Path]:
    """The migration SQL files, sorted by their numeric prefix."""
    return sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))


def _in_transaction(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(sql)
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # a failed COMMIT has already ended the transaction
        raise


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not yet recorded, in order, all in one transaction (all or none).

    Safe when several clients of a team store start at once: a migration that conflicts with the
    same migration committed by another client is rolled back, and the list of applied ones is
    read again (so each runs exactly once).

    Returns:
        The names of the migrations applied now (by this client).

    Raises:
        StoreConflictError: still conflicting after ``MAX_ATTEMPTS`` tries.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            _in_transaction(con, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 " name VARCHAR NOT NULL, applied_at TIMESTAMP DEFAULT current_timestamp)")
            done = {r[0] for r in con.execute("SELECT name FROM schema_migrations").fetchall()}
            pending = [p for p in migration_files() if p.name not in done]
            if pending:  # one transaction: a DuckLake commit costs catalog round trips
                _in_transaction(con, "\n;".join(
                    f"{p.read_text(encoding='utf-8')}\n;INSERT INTO schema_migrations (name) VALUES ('{p.name}')"
                    for p in pending))
            return [p.name for p in pending]
        except duckdb.Error as exc:
            if not is_conflict(exc):
                raise
            time.sleep(backoff_seconds(attempt))
    raise StoreConflictError(f"schema migrations kept conflicting with other clients after {MAX_ATTEMPTS} attempts")
