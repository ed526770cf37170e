"""Browser test: a real cross-benchmark pair on Benchmark correlation. The HELMET KV-cache study of
joie-zhang/HELMET (MIT; ../shared/data/real, PROVENANCE rows 20-21) ran five models on HELMET (16K and
32K input tokens) and on LongProc (2K-8K output tokens); with the KV-cache method filter on the full
cache (``baseline``) the two benchmarks share exactly those five models.

Expected values by hand from the two CSVs (baseline rows; a task column on 0-100 divided by 100, one
already on 0-1 kept; mean over a row's tasks, then over the model's rows):

    model                          HELMET   LongProc
    DeepSeek-R1-Distill-Qwen-7B    0.1574   0.0267
    DeepSeek-R1-Distill-Llama-8B   0.5892   0.1632
    Yarn-Qwen3-8B                  0.6069   0.2400
    Llama-3.1-8B-Instruct          0.6324   0.3351
    Qwen2.5-7B-Instruct            0.6439   0.3374

Both rank the five models identically, so Spearman's rho = Kendall's tau = 1 (n = 5); Qwen3-8B has
HELMET scores only (6 models in the matrix)."""
from __future__ import annotations

import pytest

from tests.conftest import READY_MS, open_page, serve_app, wait_for_chart, wait_until_idle

pytestmark = pytest.mark.browser

STUDY = "joie-zhang__HELMET/results"
FILES = ["helmet_results/helmet_performance.csv", "longproc_results/longproc_performance.csv"]


@pytest.fixture(scope="module")
def study_url(tmp_path_factory, real_data, outside_calls):
    """The app serving a store with the study's two performance files (280 runs)."""
    from storage.db import open_store
    from storage.ingest import ingest_paths

    path = tmp_path_factory.mktemp("study") / "study.duckdb"
    store = open_store(path)
    plan, _ = ingest_paths([real_data / STUDY / f for f in FILES], store)
    assert not plan.failed, [f.message for f in plan.failed][:3]
    store.close()
    with serve_app(path, outside_calls) as url:
        yield url


def test_helmet_vs_longproc_on_the_full_cache(study_url, browser, screenshots):
    page = open_page(browser, f"{study_url}/correlation?bench=helmet,longproc&kv=baseline&min_n=3", height=1200)
    page.get_by_text("Models × benchmarks (6 × 2)").wait_for(timeout=READY_MS)
    page.get_by_text("n = 5 shared models · Spearman ρ = 1.000").wait_for(timeout=READY_MS)
    page.get_by_text("Kendall τ = 1.000").first.wait_for(timeout=READY_MS)
    wait_for_chart(page)
    wait_until_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(screenshots / "correlation_real.png"), full_page=True)
    scatter = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').last
    scatter.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .js-plotly-plot .point')"
                           ".length >= 5", timeout=READY_MS)
    scatter.screenshot(path=str(screenshots / "correlation_real_pair.png"))
    page.close()


def test_without_the_method_filter_the_methods_are_pooled(study_url, browser):
    """Every method pooled per model: still the same five shared models, a different matrix."""
    page = open_page(browser, f"{study_url}/correlation?bench=helmet,longproc&min_n=3", height=1200)
    page.get_by_text("n = 5 shared models").wait_for(timeout=READY_MS)
    page.get_by_text("KV-cache method").first.wait_for(timeout=READY_MS)
    page.close()
