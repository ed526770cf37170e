-- Soft delete for probe runs (retrieval heads, masking) and tracebacks, as for runs (storage/trash.py):
-- a deleted one is hidden everywhere (storage/scope.py) and an admin restores it within the retention window.
ALTER TABLE probe_runs ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE probe_runs ADD COLUMN deleted_by VARCHAR;
ALTER TABLE traceback_runs ADD COLUMN deleted_at TIMESTAMP;
ALTER TABLE traceback_runs ADD COLUMN deleted_by VARCHAR;
