"""Browser test: uploaded text is data, never markup. A run whose model name, label, needle and
response are ``**BOLD** ![x](<recorder>/beacon.png) <img src=...> :red[red]`` is shown on every page
as those literal characters: no bold element, no image, no request to the recorder."""
from __future__ import annotations

import pytest

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import HOSTILE_MODEL, READY_MS, open_page

pytestmark = pytest.mark.browser

#: pages that show the run's name (the run is picked through the URL where the page picks runs); True
#: where the name is in the page's text (elsewhere only in table cells, which are drawn on a canvas)
PAGES = {"": False, "upload": False, "niah_heatmap?runs={rid}": True, "length_degradation?runs={rid}": True,
         "depth?runs={rid}": True, "effective_length?runs={rid}": True, "published_check": False}


@pytest.fixture(scope="module")
def hostile_run_id(app_db, gap_run_id) -> int:
    return gap_run_id + 1  # appended right after the gap run (tests/conftest.py: app_db)


#: the hostile name shown as plain text somewhere on the page (zero-width spaces of the escaping removed)
LITERAL_JS = "document.body.innerText.replaceAll('\\u200b', '').includes('**BOLD** ![x](http')"


def _made_from_data(page) -> dict:
    """Elements the hostile text would create if it were rendered as Markdown or HTML."""
    return page.evaluate("""() => ({
        images: [...document.querySelectorAll('img')].map(i => i.src).filter(s => /beacon|img\\.png/.test(s)),
        bold: [...document.querySelectorAll('strong, b, em')].map(e => e.textContent)
                .filter(t => t.includes('BOLD') && !t.includes('**BOLD**')),
        icons: [...document.querySelectorAll('[role=img], [data-testid=stMarkdownContainer] span[style]')]
                .map(e => e.textContent).filter(t => t.includes('red')),
        links: [...document.querySelectorAll('a')].map(a => a.href).filter(h => /beacon|img\\.png/.test(h)),
        literal: ${LITERAL},
    })""".replace("${LITERAL}", LITERAL_JS))


def test_uploaded_names_are_shown_literally_on_every_page(app_url, browser, outside_calls, hostile_run_id):
    context = browser.new_context(viewport={"width": 1400, "height": 1300})
    problems = {}
    for path, in_text in PAGES.items():
        page = open_page(context, f"{app_url}/{path.format(rid=hostile_run_id)}")
        if in_text:  # the name may first appear in a chart drawn after the script run: give it time
            try:
                page.wait_for_function(f"() => {LITERAL_JS}", timeout=READY_MS)
            except PlaywrightTimeoutError:
                pass  # reported below: not shown literally
        found = _made_from_data(page)
        if found["images"] or found["bold"] or found["links"] or found["icons"] or (in_text and not found["literal"]):
            problems[path] = found
        page.close()
    # the heatmap's cell trials list the hostile needle and response (table cells are text)
    # (opened by its permalink: the cell in the URL lists its trials without a click)
    page = open_page(context, f"{app_url}/niah_heatmap?runs={hostile_run_id}&cell={hostile_run_id}:1000:0")
    page.get_by_text("n = 1").first.wait_for(timeout=120_000)
    found = _made_from_data(page)
    if found["images"] or found["bold"] or found["links"] or found["icons"]:
        problems["heatmap trials"] = found
    context.close()
    beacons = [r for r in outside_calls.requests if "beacon" in r or "img.png" in r]
    assert not problems and not beacons, (problems, beacons)
    assert HOSTILE_MODEL.startswith("**BOLD**")
