"""Browser test: a deep link opened first on a freshly started server goes straight to its page,
without Streamlit's "Page not found" notice (its ``pages/`` folder discovery runs the first
session's first script run; see ``ui/page.py``)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT, _free_port

pytestmark = pytest.mark.browser

#: records, from before the app's first byte of script, whether "Page not found" was ever shown
WATCH = """
window.__notFound = false;
new MutationObserver(() => {
  if (document.body && document.body.innerText.includes("Page not found")) window.__notFound = true;
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


@pytest.fixture
def fresh_server(tmp_path):
    """A new ``streamlit run app.py`` process (no session has run yet) on an empty store."""
    port = _free_port()
    env = {**os.environ, "LONGSCOPE_DB": str(tmp_path / "empty.duckdb"), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:  # poll the health endpoint until the server is up
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                proc.poll()
                if proc.returncode is not None:
                    raise RuntimeError(proc.stdout.read().decode(errors="replace")[-2000:])
                time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_first_deep_link_of_a_fresh_server_has_no_page_not_found(fresh_server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.add_init_script(WATCH)
    page.goto(f"{fresh_server}/niah_heatmap?trials=first", wait_until="domcontentloaded")
    page.get_by_role("heading", name="NIAH heatmap").wait_for(timeout=60_000)
    page.get_by_text("The store is empty").wait_for(timeout=60_000)
    # app.py's navigation ran (its sections are in the sidebar), and the link kept its path and query
    page.get_by_text("Analysis", exact=True).wait_for(timeout=30_000)
    assert page.url.endswith("/niah_heatmap?trials=first")
    assert page.evaluate("window.__notFound") is False
    page.close()
