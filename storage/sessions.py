"""Sign-in sessions of the users file (``sign_in_sessions``): started at sign-in, ended at sign-out.

The browser holds a signed cookie naming the session (``ui.session_token``); the store says whether
that session is still open, so a sign-out in one tab refuses the cookie in every other tab and on
every replica of the board. (A user removed from the users file, or with a new password, is refused
by the cookie's password version: ``ui.users_file.password_version``.) A session's lifetime is the cookie's (the token's signature expires);
rows of ended or expired sessions are kept as a sign-in record.
"""
from __future__ import annotations

import secrets

from storage.db import Store


def start_session(store: Store, identity: str) -> str:
    """Record a new session of ``identity``; returns its id (256 random bits, URL-safe text)."""
    session_id = secrets.token_urlsafe(32)
    store.write(lambda cur: cur.execute(
        "INSERT INTO sign_in_sessions (session_id, identity) VALUES (?, ?)", [session_id, identity]))
    return session_id


def session_identity(store: Store, session_id: str) -> str | None:
    """The identity of session ``session_id`` while it is open; None when unknown or ended."""
    row = store.cursor().execute(
        "SELECT identity FROM sign_in_sessions WHERE session_id = ? AND ended_at IS NULL", [session_id]).fetchone()
    return None if row is None else row[0]


def end_session(store: Store, session_id: str, by: str | None = None) -> None:
    """End one session (sign-out): its cookie is refused from now on, in every tab."""
    store.write(lambda cur: cur.execute(
        "UPDATE sign_in_sessions SET ended_at = current_timestamp, ended_by = ? WHERE session_id = ? AND ended_at IS NULL",
        [by, session_id]))

