-- Users-file sign-in sessions (ui/auth.py, storage/sessions.py): one row per sign-in; the signed cookie
-- names its session_id, and a session ended (sign-out, or every session of a user ended by an admin)
-- refuses its cookie at once, in every tab and on every replica. No PRIMARY KEY / UNIQUE (DuckLake):
-- session ids are 256-bit random values.
CREATE TABLE IF NOT EXISTS sign_in_sessions (
    session_id  VARCHAR NOT NULL,          -- secrets.token_urlsafe(32)
    identity    VARCHAR NOT NULL,          -- users-file name
    started_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    ended_at    TIMESTAMP,                 -- sign-out (NULL: open until the cookie expires)
    ended_by    VARCHAR
);
