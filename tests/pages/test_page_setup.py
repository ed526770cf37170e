"""``ui.page.page_setup`` on every page: the friendly busy-store message (never a raw traceback),
the empty-store message, and fresh data after a write (the store fingerprint)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
#: pages that stop on an empty store with the shared message (the others explain themselves)
NEEDS_RUNS = {"compare_runs", "correlation", "depth", "effective_length", "length_degradation", "niah_heatmap"}


def _app(page: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at.run()


@pytest.fixture(scope="module")
def held_db(tmp_path_factory):
    """A store file held open by another process (DuckDB's file lock), as when a CLI ingest or a
    second app runs on it."""
    path = tmp_path_factory.mktemp("busy") / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from storage.db import open_store; open_store(sys.argv[1]); "
                               "print('held', flush=True); sys.stdin.read()", str(path)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    yield path
    holder.stdin.close()
    holder.wait(timeout=30)


def test_all_thirteen_pages_are_covered():
    assert len(PAGES) == 13  # twelve result / analysis / probe pages and the Admin page


@pytest.mark.parametrize("page", PAGES)
def test_busy_store_shows_the_message_not_a_traceback(page, held_db, monkeypatch):
    monkeypatch.setenv("LONGSCOPE_DB", str(held_db))
    at = _app(page)
    assert not at.exception, at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("database is busy:")
    assert str(held_db) in at.error[0].value and "LONGSCOPE_DB" in at.error[0].value
    assert len(at.title) == 1  # the page's title, then nothing else


@pytest.mark.parametrize("page", sorted(NEEDS_RUNS))
def test_empty_store_message(page, tmp_path, monkeypatch):
    monkeypatch.setenv("LONGSCOPE_DB", str(tmp_path / "empty.duckdb"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()  # the link needs app.py's navigation
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value != "LongScope"  # not the home page
    assert [i.value for i in at.info] == ["The store is empty: add result files on **Upload & runs** "
                                          "(or `longscope ingest PATH...`)."]


def test_length_degradation_shows_a_sweep_cell_added_after_the_first_render(tmp_path, monkeypatch):
    """A live sweep extended from 512 to 512 + 768 tokens while the page is open: the next rerun
    (same session, warm caches) shows both lengths."""
    from storage import probes as pstore
    from storage.db import open_store

    store = open_store(tmp_path / "sweep.duckdb")
    monkeypatch.setenv("LONGSCOPE_DB", str(store.path))

    def cell(n: int, scores: list[float]) -> int:
        trials = pd.DataFrame({"context_length": n, "depth_percent": 50.0, "score_raw": scores, "needle": "N",
                               "response": "r"})
        return pstore.write_sweep_cell(store, "probe:niah:page", model="smollm2", label="sweep", tokenizer="smollm2",
                                       config={}, trials=trials)

    try:
        rid = cell(512, [1.0, 0.0])
        at = _app("length_degradation", {"runs": str(rid)})
        assert not at.exception, at.exception
        assert at.dataframe[0].value["length_value"].tolist() == [512.0]
        cell(768, [1.0, 1.0, 1.0])
        at.run()
        table = at.dataframe[0].value.set_index("length_value")
        assert table.index.tolist() == [512.0, 768.0] and table.loc[768.0, "n"] == 3
    finally:
        store.close()
