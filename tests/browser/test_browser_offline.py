"""Browser test: an offline deployment works - every request the page makes goes to the app on
127.0.0.1 (no fonts.gstatic.com favicon, no usage statistics), and the app server itself calls
nothing outside (``checkip.amazonaws.com`` at start-up): its proxy settings point to the
``outside_calls`` recorder, which must stay empty."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.conftest import READY_MS, open_page, wait_for_chart

pytestmark = pytest.mark.browser


def test_every_request_stays_on_the_machine(app_url, browser, outside_calls):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    seen: list[str] = []
    context.on("request", lambda r: seen.append(r.url))
    page = open_page(context, f"{app_url}/niah_heatmap?runs=1")
    wait_for_chart(page, min_points=1225)
    page.goto(f"{app_url}/length_degradation?runs=1,4", wait_until="domcontentloaded")
    page.get_by_text("Length degradation").first.wait_for(timeout=READY_MS)
    wait_for_chart(page)
    icon = page.evaluate("() => [...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
    context.close()
    outside = [u for u in seen if urlparse(u).scheme in ("http", "https", "ws", "wss")
               and urlparse(u).hostname != "127.0.0.1"]
    problems = {
        "page icon off the machine": [h for h in icon if h.startswith("http") and urlparse(h).hostname != "127.0.0.1"],
        "browser requests off the machine": outside,
        "server requests off the machine": outside_calls.requests,
    }
    assert icon and seen and not any(problems.values()), problems
