"""Browser test: the app serves a real NIAH run; the heatmap and a cell's drill-down render."""
from __future__ import annotations

import pytest

from tests.conftest import SCREENSHOTS, open_page

pytestmark = pytest.mark.browser

def test_heatmap_page_renders_and_drills_down(app_url, browser):
    # first trial only = the version-1 grid, raw mean 6.02 (docs/result_formats.md §17) -> (6.02 - 1) / 9 = 0.557
    page = open_page(browser, f"{app_url}/niah_heatmap?trials=first&runs=1")
    page.get_by_text("mean score (0..1)").first.wait_for(timeout=60_000)
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for(timeout=60_000)
    # 35 x 35 = 1,225 cells are drawn as square markers
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .point').length >= 1225", timeout=60_000)
    assert page.locator(".js-plotly-plot .point").count() == 1225
    assert "0.557" in page.inner_text("body")
    # Click the first cell as a person does: hover it (Plotly selects on click only over a hovered
    # point), then click. Retried because the page may still be settling.
    drilled = page.get_by_text("depth 0% · n = 2")  # both trials of the (1K, 0%) cell are listed
    hovered = ""
    for _ in range(15):
        box = page.locator(".js-plotly-plot .point").first.bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(cx - 30, cy + 30)
        page.mouse.move(cx, cy, steps=6)
        page.wait_for_timeout(500)
        hovered = page.locator(".hoverlayer").text_content() or hovered
        if "n = 1 trial" in hovered:
            page.mouse.down()
            page.mouse.up()
            try:
                drilled.first.wait_for(timeout=8000)
                break
            except Exception:
                pass
    assert "raw scores: 10 ×1" in hovered
    drilled.first.wait_for(timeout=10_000)
    page.wait_for_timeout(1500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "heatmap.png"), full_page=True)
    page.get_by_text("Trials of the selected cell").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "heatmap_trials.png"))
    body = page.inner_text("body")
    assert "context length 1,000 tokens" in body and "Trials of the selected cell" in body
