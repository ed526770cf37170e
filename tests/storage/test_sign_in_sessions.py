"""Users-file sign-in sessions in the store (``storage.sessions``), on both backends: a session is
open from sign-in until it is ended, for its own identity only."""
from __future__ import annotations

from storage.sessions import end_session, session_identity, start_session


def test_sessions_open_until_ended(store):
    a1, a2, b = start_session(store, "alice"), start_session(store, "alice"), start_session(store, "bob")
    assert len({a1, a2, b}) == 3 and len(a1) >= 43  # 32 random bytes, URL-safe base64
    assert [session_identity(store, s) for s in (a1, a2, b)] == ["alice", "alice", "bob"]
    assert session_identity(store, "no-such-session") is None
    end_session(store, a1, by="alice")
    assert session_identity(store, a1) is None and session_identity(store, a2) == "alice"
    end_session(store, a1, by="again")  # ending twice keeps the first record
    assert store.cursor().execute("SELECT ended_by FROM sign_in_sessions WHERE session_id = ?", [a1]).fetchone() == ("alice",)
    assert session_identity(store, b) == "bob"
