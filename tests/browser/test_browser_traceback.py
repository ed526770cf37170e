"""Browser test: run a leave-one-out traceback from the page on SmolLM2 and see the shaded result."""
from __future__ import annotations

import pytest

from tests.conftest import READY_MS, open_page, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.real_model]

PASSAGES = ["The museum opens at nine.", "The secret code for the vault is 7341.", "Tickets are sold at the desk.",
            "The cafe serves coffee.", "Guided tours start every hour."]


def test_traceback_page_runs_loo_and_shades_the_needle(app_url, browser, screenshots):
    page = open_page(browser, f"{app_url}/traceback", height=1500)
    page.get_by_text("Context traceback").first.wait_for(timeout=READY_MS)
    # the picker reads the model's facts in the background (a first GGUF read: tens of seconds)
    page.get_by_text("Context limit").first.wait_for(timeout=2 * READY_MS)
    page.get_by_text("Passage list (one per line)").click()
    page.get_by_label("Passages, one per line").fill("\n".join(PASSAGES))
    page.get_by_label("Question").fill("What is the secret code for the vault?")
    page.get_by_label("Question").press("Enter")
    method = page.get_by_label("Method")  # Streamlit selectbox: open, then pick the option
    method.click()
    page.get_by_role("option", name="Leave-one-out").click()
    page.get_by_label("K (top passages)").fill("1")
    page.get_by_label("K (top passages)").press("Enter")
    page.get_by_text("needs at most 6 forward passes").wait_for(timeout=READY_MS)  # LOO: n + 1
    page.get_by_role("button", name="Run traceback").click()
    page.get_by_text("Stored as traceback").wait_for(timeout=2 * READY_MS)  # loads SmolLM2 in the app process
    wait_until_idle(page)
    page.screenshot(path=str(screenshots / "traceback.png"), full_page=True)
    body = page.inner_text("body")
    assert "7341" in body.split("Answer (generated):")[1].splitlines()[0]
    # rank 1 is the needle passage [1]; its shaded box carries the #1 badge
    assert page.locator("div[title^='passage 1 ']").inner_text().find("#1") >= 0
    # the faithfulness check ran (its table is canvas-drawn, so only its caption is in the text)
    assert "remove the top-1 vs 1 random passages" in body
