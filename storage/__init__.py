"""LongScope's results store (DuckDB): schema, migrations, importers and every SQL statement."""
