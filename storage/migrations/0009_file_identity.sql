-- File identity = content hash AND what the path contributes (model, length, task).
-- RULER, LongBench, BABILong and InfiniteBench keep the model / length / task only in folder names,
-- so two byte-identical files at different such paths are different results.
-- `file_id` stays the key; it now holds the identity key: the sha256 alone when the path
-- contributes nothing, else "<sha256>:<16 hex of the path facts' hash>" (storage/identity.py).
-- Rows stored before this migration keep file_id = sha256 and get path_facts NULL ("not recorded").
ALTER TABLE files ADD COLUMN sha256 VARCHAR;
UPDATE files SET sha256 = file_id;
ALTER TABLE files ADD COLUMN path_facts JSON;
