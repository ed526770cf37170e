"""Browser test: the app serves a real NIAH run; the heatmap, a cell's hover and its drill-down render."""
from __future__ import annotations

import pytest

from tests.conftest import READY_MS, open_page, wait_for_chart, wait_until_idle

pytestmark = pytest.mark.browser

HOVER_JS = "t => (document.querySelector('.hoverlayer')?.textContent || '').includes(t)"


def _hover(page, x: float, y: float, text: str) -> bool:
    """Move the mouse onto (x, y) as a person does and wait until Plotly's hover box shows ``text``."""
    page.mouse.move(x - 30, y + 30)
    page.mouse.move(x, y, steps=6)
    try:
        page.wait_for_function(HOVER_JS, arg=text, timeout=5000)
        return True
    except Exception:
        return False


def test_heatmap_page_renders_and_drills_down(app_url, browser, screenshots):
    # first trial only = the version-1 grid, raw mean 6.02 (docs/result_formats.md §17) -> (6.02 - 1) / 9 = 0.557
    page = open_page(browser, f"{app_url}/niah_heatmap?trials=first&runs=1")
    page.get_by_text("mean score (0..1)").first.wait_for(timeout=READY_MS)
    # 35 x 35 = 1,225 cells are drawn as square markers (a full grid: no gap trace)
    wait_for_chart(page, min_points=1225)
    assert page.locator(".js-plotly-plot .point").count() == 1225
    assert "0.557" in page.inner_text("body")
    # Click the first cell as a person does: hover it (Plotly selects on click only over a hovered
    # point), then click. Retried because the page may still be settling after the first draw.
    drilled = page.get_by_text("depth 0% · n = 2")  # both trials of the (1K, 0%) cell are listed
    for _ in range(10):
        box = page.locator(".js-plotly-plot .point").first.bounding_box()
        if _hover(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, "n = 1 trial"):
            hovered = page.locator(".hoverlayer").text_content()
            page.mouse.down()
            page.mouse.up()
            try:
                drilled.first.wait_for(timeout=15_000)
                break
            except Exception:
                pass
    assert "raw scores: 10 ×1" in hovered
    drilled.first.wait_for(timeout=READY_MS)
    wait_until_idle(page)
    page.screenshot(path=str(screenshots / "heatmap.png"), full_page=True)
    page.get_by_text("Trials of the selected cell").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "heatmap_trials.png"))
    body = page.inner_text("body")
    assert "context length 1,000 tokens" in body and "Trials of the selected cell" in body


def test_a_gap_shows_its_own_hover_and_names_cannot_spoof(app_url, browser, gap_run_id):
    from tests.conftest import GAP_TRIALS

    page = open_page(browser, f"{app_url}/niah_heatmap?runs={gap_run_id}")
    # 3 lengths x 2 depths = 6 squares: 5 cells with a trial + 1 grey gap at (2,000 tokens, 100%)
    wait_for_chart(page, min_points=len(GAP_TRIALS) + 1)
    body = page.inner_text("body")
    assert "5 cells, 5 trials, 1 missing (gaps)" in body and "tokenizer not recorded" in body
    assert "gap-run<U+202E>txt.exe" in body and "\u202e" not in body  # the override is shown, not applied
    gap = page.locator(".js-plotly-plot .scatterlayer .trace").nth(1).locator(".point").first.bounding_box()
    cell = page.locator(".js-plotly-plot .scatterlayer .trace").nth(0).locator(".point").nth(1).bounding_box()
    # the gap's left neighbour is the (1,000 tokens, 100%) cell: point 1 of the cells' trace
    assert gap["x"] > cell["x"] and abs(gap["y"] - cell["y"]) < 1
    # the left fifth of the gap: its own hover, not the neighbour's
    x, y = gap["x"] + gap["width"] * 0.2, gap["y"] + gap["height"] / 2
    assert _hover(page, x, y, "no data — not 0"), page.locator(".hoverlayer").text_content()
    hovered = page.locator(".hoverlayer").text_content()
    assert "context length: 2,000 tokens" in hovered and "depth: 100%" in hovered and "n = " not in hovered
