"""Browser test of the users-file sign-in session (``LONGSCOPE_AUTH=users``), through the board's
deployment launcher ``streamlit run serve.py``:

- signing in from a deep link lands on it, with an HttpOnly session cookie set by the cookie route;
- a second page of the same browser (a new tab, a permalink opened elsewhere) is signed in;
- signing out in one tab: that tab shows the sign-in form, and the other tab's next load asks to
  sign in too.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import READY_MS, ROOT, _free_port, wait_for_health, wait_until_idle

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
MODEL = "session-model-3b"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """``streamlit run serve.py`` with a users file (alice, admin of ``default``) and one run;
    yields (base URL, run id)."""
    from storage.db import open_store
    from storage.workspaces import ensure_first_admin, scope_for
    from tests.factories import niah_run, write_parsed
    from ui.users_file import add_user

    folder = tmp_path_factory.mktemp("users_session")
    store = open_store(folder / "board.duckdb")
    ensure_first_admin(store, "alice")
    run = write_parsed(store, [niah_run(MODEL, [1000, 2000], [0, 100], lambda L, d, t: 1.0, key="s")],
                       scope=scope_for(store, "alice"), workspace="default", uploaded_by="alice")["s"]
    store.close()
    add_user("alice", PASSWORD, folder / "users.toml")
    port = _free_port()
    env = {**os.environ, "LONGSCOPE_DB": str(folder / "board.duckdb"), "HF_HUB_OFFLINE": "1", "LONGSCOPE_AUTH": "users",
           "LONGSCOPE_USERS_FILE": str(folder / "users.toml"), "LONGSCOPE_SESSION_KEY_FILE": str(folder / "session_key"),
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    for name in ("LONGSCOPE_ADMIN", "LONGSCOPE_SESSION_KEY"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_for_health(proc, f"http://127.0.0.1:{port}")
    yield f"http://localhost:{port}", run
    proc.terminate()
    proc.wait(timeout=20)
    assert (folder / "session_key").stat().st_mode & 0o077 == 0  # generated at first start, private


def _asks_to_sign_in(page) -> None:
    page.get_by_text("Sign in to see this board.").wait_for(timeout=READY_MS)
    wait_until_idle(page)
    assert MODEL not in page.locator('[data-testid="stApp"]').inner_text()


def _shows_the_run(page) -> None:
    page.get_by_role("heading", name="NIAH heatmap").wait_for(timeout=READY_MS)
    page.get_by_text("Signed in as alice").wait_for(timeout=READY_MS)
    page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for(timeout=READY_MS)
    wait_until_idle(page)


def test_sign_in_lasts_across_tabs_and_sign_out_ends_it_everywhere(app, browser):
    base, run = app
    deep = f"{base}/niah_heatmap?runs={run}"
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    first = ctx.new_page()
    first.goto(deep, wait_until="domcontentloaded")
    _asks_to_sign_in(first)
    first.get_by_role("textbox", name="User name").fill("alice")
    first.get_by_role("textbox", name="Password").fill(PASSWORD)
    first.get_by_role("button", name="Sign in").click()
    first.wait_for_url(f"**/niah_heatmap?runs={run}", timeout=READY_MS)  # back on the deep link
    _shows_the_run(first)
    (cookie,) = [c for c in ctx.cookies() if c["name"] == "longscope_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["expires"] > 0
    assert first.evaluate("document.cookie").find("longscope_session") == -1  # no script can read it

    second = ctx.new_page()  # another tab of the same browser: signed in without asking
    second.goto(deep, wait_until="domcontentloaded")
    _shows_the_run(second)

    first.get_by_role("button", name="Sign out").click()
    _asks_to_sign_in(first)
    assert not [c for c in ctx.cookies() if c["name"] == "longscope_session"]
    second.reload(wait_until="domcontentloaded")  # the other tab's next load
    _asks_to_sign_in(second)
    ctx.close()
