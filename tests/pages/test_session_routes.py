"""The users-file session token (``ui.session_token``) and the routes that set and clear its
HttpOnly cookie (``ui.session_routes``, served through ``st.App`` by ``serve.py``)."""
from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ui import session_routes, session_token

PAYLOAD = {"sid": "s1", "user": "alice", "pwv": "0123456789abcdef"}


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv("LONGSCOPE_SESSION_KEY", "k" * 48)


def test_tokens_are_signed_expire_and_keep_their_purpose(monkeypatch):
    import itsdangerous.timed

    token = session_token.issue(PAYLOAD, "session")
    assert session_token.read(token, "session") == PAYLOAD
    assert session_token.read(token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1], "session") is None
    assert session_token.read(token, "ticket") is None  # another purpose (salt)
    assert session_token.read(session_token.issue(PAYLOAD, "ticket"), "session") is None
    assert session_token.read(None, "session") is None
    monkeypatch.setenv("LONGSCOPE_SESSION_KEY", "x" * 48)
    assert session_token.read(token, "session") is None  # another key
    monkeypatch.setenv("LONGSCOPE_SESSION_KEY", "k" * 48)
    now = itsdangerous.timed.time.time()
    monkeypatch.setenv("LONGSCOPE_SESSION_HOURS", "1")
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now + 3599)
    assert session_token.read(token, "session") == PAYLOAD
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now + 3602)
    assert session_token.read(token, "session") is None  # older than 1 hour


def test_the_key_is_generated_once_with_mode_0600(monkeypatch, tmp_path):
    import os
    import stat

    monkeypatch.delenv("LONGSCOPE_SESSION_KEY")
    monkeypatch.setenv("LONGSCOPE_SESSION_KEY_FILE", str(tmp_path / "key"))
    key = session_token.signing_key()
    assert len(key) >= 64 and (tmp_path / "key").read_text().strip() == key
    assert stat.S_IMODE(os.stat(tmp_path / "key").st_mode) == 0o600
    session_token._key_from_file.cache_clear()
    assert session_token.signing_key() == key  # read back, not made again
    monkeypatch.setenv("LONGSCOPE_SESSION_KEY", "short")
    with pytest.raises(ValueError, match="at least 32 characters"):
        session_token.signing_key()


def test_start_sets_an_httponly_cookie_once_and_end_clears_it(monkeypatch):
    monkeypatch.setattr(session_routes, "_mounted", False)  # restored after: routes() marks them mounted
    client = TestClient(Starlette(routes=session_routes.routes()), base_url="https://board.example.org")
    ticket = session_token.issue(PAYLOAD, "ticket")
    r = client.get(session_routes.start_url(ticket, "/niah_heatmap?runs=1,2"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/niah_heatmap?runs=1,2"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{session_token.SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "Path=/", "SameSite=lax", "Secure", "Max-Age=43200"):
        assert attribute in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert session_token.read(value, "session") == PAYLOAD
    again = client.get(session_routes.start_url(ticket, "/"), follow_redirects=False)
    assert again.status_code == 303 and "set-cookie" not in again.headers  # one use
    forged = client.get(session_routes.start_url(session_token.issue(PAYLOAD, "session"), "/"), follow_redirects=False)
    assert "set-cookie" not in forged.headers  # a session token is no ticket
    evil = client.get(f"{session_routes.START_PATH}?ticket=x&next=//evil.example", follow_redirects=False)
    assert evil.headers["location"] == "/"
    end = client.get(f"{session_routes.END_PATH}?next=/depth", follow_redirects=False)
    assert end.headers["location"] == "/depth"
    assert end.headers["set-cookie"].startswith(f'{session_token.SESSION_COOKIE}=""') and "Max-Age=0" in end.headers["set-cookie"]
