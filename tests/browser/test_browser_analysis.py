"""Browser test: each analysis page renders on the real runs of ``app_db`` (conftest); a screenshot
of each goes to the ``screenshots`` folder (temporary unless ``LONGSCOPE_SCREENSHOTS`` is set). Run
ids follow conftest.APP_DATA's order: 1 Claude 2.1 NIAH (judge), 2/3 recurrentgemma NIAH (binary /
judge), 4 RULER Llama-3.1-8B, 5-8 InfiniteBench, 9-11 LongBench, 12 BABILong Phi-3, 13-16 lm-eval,
17+ YaRN perplexity."""
from __future__ import annotations

import pytest

from tests.conftest import READY_MS, open_page, wait_for_chart, wait_until_idle

pytestmark = pytest.mark.browser

PAGES = [
    # (url path + query, texts that must appear, screenshot name)
    ("length_degradation?runs=1,2,4,12,17", ["Length degradation", "different tokenizers"], "length_degradation"),
    ("effective_length?runs=1,2,4&threshold=85.6", ["Effective context length", "Per model and benchmark, threshold 85.6"],
     "effective_length"),
    ("depth?runs=1,2,3&bands=3", ["lost in the middle", "U-shape summary"], "depth"),
    ("correlation?by=benchmark&min_n=3", ["Benchmark correlation", "Models × benchmarks"], "correlation"),
    ("compare_runs?base=2&cand=3", ["Compare runs", "Wilcoxon signed-rank", "The configs differ"], "compare_runs"),
    ("published_check?runs=4,6", ["run 85.51 over 12 task(s) vs published 95.5 over 13", "missing tasks: cwe",
                            "collapsed tasks: vt=4.88"], "published_check"),
]


@pytest.mark.parametrize("path, texts, name", PAGES, ids=[p[2] for p in PAGES])
def test_analysis_page_renders(app_url, browser, screenshots, path, texts, name):
    page = open_page(browser, f"{app_url}/{path}", height=1200)
    for text in texts:
        page.get_by_text(text).first.wait_for(timeout=READY_MS)
    if name != "published_check":
        chart = wait_for_chart(page)
        chart.scroll_into_view_if_needed()
        assert chart.is_visible()
    wait_until_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    if name in ("correlation", "compare_runs"):  # their chart is below the fold
        page.locator(".js-plotly-plot").first.screenshot(path=str(screenshots / f"{name}_chart.png"))
    page.close()
