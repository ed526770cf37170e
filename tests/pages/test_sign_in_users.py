"""Sign-in with a users file (``LONGSCOPE_AUTH=users``): the CLI that adds and removes a user,
Argon2 hashes, the sign-in form (wrong password, lockout), the session it starts (a cookie every tab
shares; sign-out, a new password or a removed user refuse it), and sign-in off changing nothing.

AppTest cannot send cookies, so ``ui.auth._session_cookie`` reads a test-held cookie jar here; what
the cookie route answers is ``ui.session_routes.exchange`` (its HTTP side: test_session_routes.py,
the real browser: tests/browser/test_browser_users_session.py)."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.users_file import add_user, load_users, remove_user, verify

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


def test_cli_adds_a_user_with_a_salted_argon2_hash(tmp_path):
    users = tmp_path / "users.toml"
    for name in ("alice", "bob"):
        done = subprocess.run([sys.executable, "-m", "ui.users_file", "add", name, "--file", str(users),
                               "--password-stdin"], input=PASSWORD + "\n", text=True, capture_output=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
    hashes = load_users(users)
    assert set(hashes) == {"alice", "bob"} and all(h.startswith("$argon2id$") for h in hashes.values())
    assert hashes["alice"] != hashes["bob"]  # same password, different salts
    assert PASSWORD not in users.read_text()
    assert stat.S_IMODE(os.stat(users).st_mode) == 0o600
    assert verify("alice", PASSWORD, users) and not verify("alice", PASSWORD + "!", users)
    assert not verify("carol", PASSWORD, users)
    short = subprocess.run([sys.executable, "-m", "ui.users_file", "add", "carol", "--file", str(users),
                            "--password-stdin"], input="short\n", text=True, capture_output=True, cwd=ROOT)
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    with pytest.raises(ValueError, match="user name"):
        add_user('x"]\n[users.root', PASSWORD, users)
    removed = subprocess.run([sys.executable, "-m", "ui.users_file", "remove", "bob", "--file", str(users)],
                             text=True, capture_output=True, cwd=ROOT)
    assert removed.returncode == 0 and set(load_users(users)) == {"alice"}
    assert not remove_user("bob", users)
    users.write_text('[users.alice]\npasword_hash = "x"\n')
    with pytest.raises(ValueError, match="users.toml: user 'alice' has no password_hash"):
        load_users(users)


@pytest.fixture
def signed_in_board(tmp_path, monkeypatch):
    from storage.db import open_store
    from storage.workspaces import ensure_first_admin
    from tests.factories import niah_run, write_parsed

    store = open_store(tmp_path / "board.duckdb")
    write_parsed(store, [niah_run("board-model", [1000], [0, 100], lambda L, d, t: 1.0)])
    ensure_first_admin(store, "alice")
    users = tmp_path / "users.toml"
    add_user("alice", PASSWORD, users)
    monkeypatch.setenv("LONGSCOPE_DB", str(store.path))
    monkeypatch.setenv("LONGSCOPE_AUTH", "users")
    monkeypatch.setenv("LONGSCOPE_USERS_FILE", str(users))
    monkeypatch.setenv("LONGSCOPE_SESSION_KEY", "k" * 48)
    return store


@pytest.fixture
def browser_jar(monkeypatch):
    """The browser's cookie jar as the app sees it (``{"cookie": value}``), and the sign-in tickets
    the form handed to the cookie route (``jar["tickets"]``), with the routes counted as mounted."""
    import ui.auth
    import ui.session_routes

    jar = {"cookie": None, "tickets": []}
    start_url = ui.session_routes.start_url
    monkeypatch.setattr(ui.session_routes, "_mounted", True)
    monkeypatch.setattr(ui.auth, "_session_cookie", lambda: jar["cookie"])
    monkeypatch.setattr(ui.session_routes, "start_url",
                        lambda ticket, nxt: jar["tickets"].append(ticket) or start_url(ticket, nxt))
    return jar


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def _tab() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "niah_heatmap.py"), default_timeout=60).run()


def _signed_in(at: AppTest) -> bool:
    """The page drew its data (the run: every trial scores 1) for alice."""
    return (not at.exception and at.title[0].value == "NIAH heatmap" and at.metric[0].value == "1.000"
            and any("Signed in as **alice**" in c.value for c in at.sidebar.caption))


def test_sign_in_form_then_the_page_in_every_tab(signed_in_board, browser_jar):
    from ui.session_routes import exchange

    at = _tab()
    assert [t.value for t in at.title] == ["LongScope"] and not at.multiselect and not at.metric
    _sign_in(at, "alice", "wrong password!!")
    assert [e.value for e in at.error] == ["Wrong user name or password (or too many tries: wait a few minutes)."]
    assert not at.metric and not browser_jar["tickets"]
    _sign_in(at, "alice", PASSWORD)
    assert [i.value for i in at.info][-1] == "Signing in…" and not at.metric  # on its way to the cookie route
    (ticket,) = browser_jar["tickets"]
    browser_jar["cookie"] = exchange(ticket)  # what the route sets (HttpOnly)
    assert exchange(ticket) is None  # a ticket is good once
    first, second = _tab(), _tab()  # the reload, and a second tab of the same browser
    assert _signed_in(first) and _signed_in(second)
    rows = signed_in_board.cursor().execute("SELECT identity, ended_at FROM sign_in_sessions").fetchall()
    assert rows == [("alice", None)]

    first.sidebar.button[0].click().run()  # sign out
    assert signed_in_board.cursor().execute("SELECT ended_by FROM sign_in_sessions").fetchall() == [("alice",)]
    assert not second.run().metric and second.title[0].value == "LongScope"  # the other tab's next load
    assert _tab().title[0].value == "LongScope"  # the cookie (even if kept) is refused


def test_new_password_or_removed_user_refuses_the_session(signed_in_board, browser_jar, tmp_path):
    from ui.session_routes import exchange

    users = tmp_path / "users.toml"
    for change in (lambda: add_user("alice", PASSWORD + " new", users), lambda: remove_user("alice", users)):
        add_user("alice", PASSWORD, users)
        at = _tab()
        _sign_in(at, "alice", PASSWORD)
        browser_jar["cookie"] = exchange(browser_jar["tickets"][-1])
        assert _signed_in(_tab())
        change()
        assert _tab().title[0].value == "LongScope"


def test_users_mode_without_the_cookie_routes_says_how_to_start(signed_in_board, monkeypatch):
    import ui.session_routes

    monkeypatch.setattr(ui.session_routes, "_mounted", False)  # `streamlit run app.py`: no serve.py
    at = _tab()
    assert "streamlit run serve.py" in at.error[0].value and not at.text_input


def test_five_failures_lock_the_name(signed_in_board, browser_jar, monkeypatch):
    import ui.auth

    monkeypatch.setattr(ui.auth, "_failures", {})
    at = AppTest.from_file(str(ROOT / "pages" / "niah_heatmap.py"), default_timeout=60).run()
    for _ in range(ui.auth.MAX_FAILURES):
        _sign_in(at, "alice", "not the password")
    _sign_in(at, "alice", PASSWORD)  # right password, but locked for LOCKOUT_S
    assert at.error and not at.metric


def test_sign_in_off_changes_nothing(tmp_path, monkeypatch):
    from storage.db import open_store
    from tests.factories import niah_run, write_parsed

    store = open_store(tmp_path / "solo.duckdb")
    write_parsed(store, [niah_run("solo-model", [1000], [0], lambda L, d, t: 1.0)])
    monkeypatch.setenv("LONGSCOPE_DB", str(store.path))
    monkeypatch.delenv("LONGSCOPE_AUTH", raising=False)
    at = AppTest.from_file(str(ROOT / "pages" / "niah_heatmap.py"), default_timeout=60).run()
    assert not at.exception and at.metric[0].value == "1.000" and not at.text_input
    assert not any("Signed in" in c.value for c in at.sidebar.caption)
