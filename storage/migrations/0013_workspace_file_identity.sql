-- File identity is per workspace (storage/identity.py): the same file stored in two workspaces is two
-- files and two runs. A file of a workspace other than 'default' gets file_id "<key>@<workspace>";
-- files of 'default' keep their ids. Before this, a file was stored once across all workspaces, and
-- every run holding it lived in one workspace (an upload never extended another workspace's run), so
-- each re-keyed file takes the workspace of its runs. Correlated subqueries, no UPDATE ... FROM, so
-- the same statements run on DuckDB and DuckLake.
UPDATE files SET file_id = file_id || '@' || (
    SELECT min(r.workspace) FROM run_files rf JOIN runs r USING (run_id) WHERE rf.file_id = files.file_id)
WHERE file_id IN (SELECT rf.file_id FROM run_files rf JOIN runs r USING (run_id) WHERE r.workspace <> 'default');
UPDATE niah_trials SET file_id = file_id || '@' || (SELECT r.workspace FROM runs r WHERE r.run_id = niah_trials.run_id)
WHERE file_id IS NOT NULL AND run_id IN (SELECT run_id FROM runs WHERE workspace <> 'default');
UPDATE task_scores SET file_id = file_id || '@' || (SELECT r.workspace FROM runs r WHERE r.run_id = task_scores.run_id)
WHERE file_id IS NOT NULL AND run_id IN (SELECT run_id FROM runs WHERE workspace <> 'default');
UPDATE samples SET file_id = file_id || '@' || (SELECT r.workspace FROM runs r WHERE r.run_id = samples.run_id)
WHERE file_id IS NOT NULL AND run_id IN (SELECT run_id FROM runs WHERE workspace <> 'default');
UPDATE run_files SET file_id = file_id || '@' || (SELECT r.workspace FROM runs r WHERE r.run_id = run_files.run_id)
WHERE run_id IN (SELECT run_id FROM runs WHERE workspace <> 'default');
