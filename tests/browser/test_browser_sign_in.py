"""Browser test of sign-in on a shared board (issue 11), against a real OpenID Connect provider on
loopback (``oidc-provider-mock``, started here) and Streamlit's own ``st.login``:

- signed out, every page and a deep link show the sign-in form and no run, page or file name;
- signing in (the provider's form) lands on the deep link opened, with its data;
- a viewer gets no rename / delete controls, and a permalink to a run of a workspace they are not
  in shows "No access";
- an admin deletes a run (confirmed) and restores it from the Admin page (the audit rows
  themselves: tests/storage/test_workspaces.py);
- signing out shows nothing again.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import READY_MS, ROOT, _free_port, wait_for_health

pytestmark = pytest.mark.browser

LEAD, VIEWER = "lead@example.org", "viewer@example.org"
PUBLIC_MODEL, SECRET_MODEL = "alpha-model-7b", "secret-model-9b"
PAGES = ["", "upload", "niah_heatmap", "length_degradation", "effective_length", "depth", "correlation",
         "compare_runs", "published_check", "probe_niah", "retrieval_heads", "traceback", "admin"]


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """A store with run A (workspace ``default``) and run B (workspace ``other``, which the viewer
    is not in); LEAD is admin of both, VIEWER a viewer of ``default``. Returns (path, a, b)."""
    from storage.db import open_store
    from storage.scope import ADMIN, VIEWER as VIEWER_ROLE
    from storage.workspaces import create_workspace, ensure_first_admin, scope_for, set_role
    from tests.factories import niah_run, write_parsed

    path = tmp_path_factory.mktemp("signin") / "board.duckdb"
    store = open_store(path)
    ensure_first_admin(store, LEAD)
    lead = scope_for(store, LEAD)
    create_workspace(store, "other", scope=lead)
    lead = scope_for(store, LEAD)
    set_role(store, "default", VIEWER, VIEWER_ROLE, scope=lead)
    assert lead.allows("other", ADMIN)
    score = lambda L, d, t: 1.0 if L < 4000 else 0.0  # noqa: E731
    a = write_parsed(store, [niah_run(PUBLIC_MODEL, [1000, 2000, 4000], [0, 50, 100], score, key="a")],
                     scope=lead, workspace="default", uploaded_by=LEAD)["a"]
    b = write_parsed(store, [niah_run(SECRET_MODEL, [1000, 2000], [0, 100], score, key="b")],
                     scope=lead, workspace="other", uploaded_by=LEAD)["b"]
    store.close()
    return path, a, b


@pytest.fixture(scope="module")
def oidc():
    """The OpenID Connect provider on a loopback port (any client id is accepted)."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=_free_port()) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def app(board, oidc, tmp_path_factory):
    """``streamlit run app.py`` with ``LONGSCOPE_AUTH=oidc`` and a secrets file naming the provider."""
    port = _free_port()
    base = f"http://localhost:{port}"
    secrets = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets.write_text(f'[auth]\nredirect_uri = "{base}/oauth2callback"\ncookie_secret = "test-cookie-secret-0123456789"\n'
                       f'client_id = "longscope-test"\nclient_secret = "test-secret"\n'
                       f'server_metadata_url = "{oidc}/.well-known/openid-configuration"\n')
    env = {**os.environ, "LONGSCOPE_DB": str(board[0]), "HF_HUB_OFFLINE": "1", "LONGSCOPE_AUTH": "oidc",
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    env.pop("LONGSCOPE_ADMIN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--secrets.files", str(secrets)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_for_health(proc, f"http://127.0.0.1:{port}")
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def _idle(page) -> None:
    """Streamlit's readiness: connected and the script run finished."""
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
                           '[data-test-script-state="notRunning"]', timeout=READY_MS)


def _main_text(page) -> str:
    return page.locator('[data-testid="stApp"]').inner_text()


def _signed_out_sees_nothing(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("Sign in to see this board.").wait_for(timeout=READY_MS)
    _idle(page)
    text = _main_text(page)
    for secret in (PUBLIC_MODEL, SECRET_MODEL, "NIAH heatmap", "Upload & runs", "Admin", ".duckdb"):
        assert secret not in text, (url, secret)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0  # no page list


def _sign_in(page, who: str) -> None:
    """Click Sign in, type the subject on the provider's form, authorize."""
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').wait_for(timeout=READY_MS)
    page.locator('input[name="sub"]').fill(who)
    page.get_by_role("button", name="Authorize").click()


def test_sign_in_workspaces_delete_restore_sign_out(app, board, browser):
    _, a, b = board
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    for p in PAGES:  # every page, and a deep link with a run id
        _signed_out_sees_nothing(page, f"{app}/{p}")
    deep = f"{app}/niah_heatmap?runs={a}"
    _signed_out_sees_nothing(page, deep)

    # sign in from the deep link: back on the same view, with its data
    _sign_in(page, LEAD)
    page.wait_for_url(f"**/niah_heatmap?runs={a}*", timeout=READY_MS)
    page.get_by_role("heading", name="NIAH heatmap").wait_for(timeout=READY_MS)
    _idle(page)
    assert PUBLIC_MODEL in _main_text(page)
    page.get_by_text(f"Signed in as {LEAD}").wait_for(timeout=READY_MS)
    page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for(timeout=READY_MS)

    # the admin deletes run A (confirmed) ...
    page.goto(f"{app}/upload", wait_until="domcontentloaded")
    page.get_by_text("Delete a run", exact=True).wait_for(timeout=READY_MS)
    _idle(page)
    page.get_by_role("button", name="Delete…").click()  # the run picked first: run A
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("will be hidden from every page").wait_for(timeout=READY_MS)
    dialog.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_text(f"Deleted run {a}").wait_for(timeout=READY_MS)
    # ... it is gone everywhere at once: its permalink now says no access
    page.goto(deep, wait_until="domcontentloaded")
    page.get_by_text("No access").wait_for(timeout=READY_MS)
    # ... the audit log has it, and the admin restores it
    page.goto(f"{app}/admin", wait_until="domcontentloaded")
    page.get_by_role("tab", name="Audit log").wait_for(timeout=READY_MS)
    _idle(page)
    page.get_by_role("tab", name="Deleted runs").click()
    page.get_by_role("button", name="Restore").click()
    page.get_by_text("No deleted run.").wait_for(timeout=READY_MS)  # the restore reran the page
    page.goto(deep, wait_until="domcontentloaded")
    page.get_by_role("heading", name="NIAH heatmap").wait_for(timeout=READY_MS)
    page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for(timeout=READY_MS)
    assert "No access" not in _main_text(page)

    # sign out: nothing again
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_function("() => document.body && /Sign in to see this board|End session/.test(document.body.innerText)",
                           timeout=READY_MS)
    if page.get_by_role("button", name="End session").count():  # the provider's own sign-out page
        page.get_by_role("button", name="End session").click()
        page.get_by_text("Sign in to see this board.").wait_for(timeout=READY_MS)
    _signed_out_sees_nothing(page, deep)
    ctx.close()

    # a viewer: no rename / delete, and a run of a workspace they are not in says "No access"
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.goto(f"{app}/upload", wait_until="domcontentloaded")
    page.get_by_role("button", name="Sign in").wait_for(timeout=READY_MS)
    _sign_in(page, VIEWER)
    page.wait_for_url("**/upload*", timeout=READY_MS)
    page.get_by_text("Stored runs").wait_for(timeout=READY_MS)
    _idle(page)
    text = _main_text(page)
    assert "Your role is viewer" in text and SECRET_MODEL not in text
    assert "Delete a run" not in text and "Rename a run" not in text
    assert page.get_by_role("button", name="Delete…").count() == 0
    page.goto(f"{app}/niah_heatmap?runs={a}", wait_until="domcontentloaded")  # their workspace's run: shown
    page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first.wait_for(timeout=READY_MS)
    _idle(page)
    assert PUBLIC_MODEL in _main_text(page) and SECRET_MODEL not in _main_text(page)
    page.goto(f"{app}/niah_heatmap?runs={b}", wait_until="domcontentloaded")
    page.get_by_text("No access").wait_for(timeout=READY_MS)
    _idle(page)
    assert SECRET_MODEL not in _main_text(page)
    page.goto(f"{app}/admin", wait_until="domcontentloaded")
    page.get_by_text("No access: this page is for workspace admins.").wait_for(timeout=READY_MS)
    ctx.close()
