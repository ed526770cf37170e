"""Sign-in with a users file (``LONGSCOPE_AUTH=users``): the CLI that adds a user, Argon2 hashes,
the sign-in form (wrong password, lockout), and sign-in off changing nothing."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.users_file import add_user, load_users, verify

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
    return store


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def test_sign_in_form_then_the_page(signed_in_board):
    at = AppTest.from_file(str(ROOT / "pages" / "niah_heatmap.py"), default_timeout=60).run()
    assert [t.value for t in at.title] == ["LongScope"] and not at.multiselect and not at.metric
    _sign_in(at, "alice", "wrong password!!")
    assert [e.value for e in at.error] == ["Wrong user name or password (or too many tries: wait a few minutes)."]
    assert not at.metric
    _sign_in(at, "alice", PASSWORD)
    assert not at.exception, at.exception
    assert at.title[0].value == "NIAH heatmap" and at.metric[0].value == "1.000"  # the run: every trial scores 1
    assert any("Signed in as **alice**" in c.value for c in at.sidebar.caption)


def test_five_failures_lock_the_name(signed_in_board, monkeypatch):
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
