-- Workspaces, roles, the audit trail and soft delete (issue 11). No sequences, PRIMARY KEY or UNIQUE
-- constraints in the new tables (the store is being made DuckLake-compatible); storage/workspaces.py
-- and storage/audit.py keep one row per (workspace, identity) and append-only audit rows.
CREATE TABLE IF NOT EXISTS workspaces (
    name        VARCHAR NOT NULL,          -- short id shown in URLs (?ws=...) and on every page
    created_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_by  VARCHAR
);

CREATE TABLE IF NOT EXISTS workspace_members (
    workspace   VARCHAR NOT NULL,
    identity    VARCHAR NOT NULL,          -- signed-in identity: OIDC email (else sub), or users-file name
    role        VARCHAR NOT NULL,          -- viewer | member | admin
    granted_by  VARCHAR,
    granted_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE IF NOT EXISTS audit_log (
    happened_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    actor       VARCHAR NOT NULL,          -- who (signed-in identity; 'local' when sign-in is off)
    workspace   VARCHAR,
    action      VARCHAR NOT NULL,          -- rename | delete | restore | purge | traceback_delete | grant | revoke
    entity      VARCHAR NOT NULL,          -- run | traceback | member
    entity_id   VARCHAR NOT NULL,
    before_state JSON,                     -- the state before the change
    after_state JSON
);

INSERT INTO workspaces (name, created_by)
SELECT 'default', NULL WHERE NOT EXISTS (SELECT 1 FROM workspaces WHERE name = 'default');

ALTER TABLE runs ADD COLUMN workspace VARCHAR DEFAULT 'default';
ALTER TABLE runs ADD COLUMN created_by VARCHAR;     -- signed-in identity that uploaded / ran it
ALTER TABLE runs ADD COLUMN deleted_at TIMESTAMP;   -- soft delete: hidden everywhere, restorable by an admin
ALTER TABLE runs ADD COLUMN deleted_by VARCHAR;
ALTER TABLE probe_runs ADD COLUMN workspace VARCHAR DEFAULT 'default';
ALTER TABLE probe_runs ADD COLUMN created_by VARCHAR;
ALTER TABLE traceback_runs ADD COLUMN workspace VARCHAR DEFAULT 'default';
ALTER TABLE traceback_runs ADD COLUMN created_by VARCHAR;
