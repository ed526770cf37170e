-- One schema for the embedded file and the team store (DuckLake): DuckLake has no sequences,
-- PRIMARY KEY or UNIQUE, so 0001-0004 declare none and ids come from this table (storage/ids.py).
-- The 'writes' row is bumped by every write transaction: overlapping writers conflict and retry.
-- A file made before this migration keeps its old keys and sequences (harmless; no longer used):
-- its counters start after the highest id ever handed out, so no id is reused.
CREATE TABLE IF NOT EXISTS id_counters (
    name     VARCHAR NOT NULL,             -- writes | run_id | probe_id | traceback_id | published_id
    last_id  BIGINT NOT NULL               -- last id handed out (writes: write transactions so far)
);

INSERT INTO id_counters
SELECT 'writes', 0
UNION ALL SELECT 'run_id', greatest(coalesce((SELECT max(run_id) FROM runs), 0), coalesce(
    (SELECT max(last_value) FROM duckdb_sequences() WHERE sequence_name = 'run_id_seq' AND database_name = current_database()), 0))
UNION ALL SELECT 'probe_id', greatest(coalesce((SELECT max(probe_id) FROM probe_runs), 0), coalesce(
    (SELECT max(last_value) FROM duckdb_sequences() WHERE sequence_name = 'probe_id_seq' AND database_name = current_database()), 0))
UNION ALL SELECT 'traceback_id', greatest(coalesce((SELECT max(traceback_id) FROM traceback_runs), 0), coalesce(
    (SELECT max(last_value) FROM duckdb_sequences() WHERE sequence_name = 'traceback_id_seq' AND database_name = current_database()), 0))
UNION ALL SELECT 'published_id', greatest(coalesce((SELECT max(published_id) FROM published_numbers), 0), coalesce(
    (SELECT max(last_value) FROM duckdb_sequences() WHERE sequence_name = 'published_id_seq' AND database_name = current_database()), 0));
