"""AppTest of the new-format parts of the pages: NoLiMa's rule on Effective context length, stored
and table-read published numbers on Published-number check, and the upload preview's per-column table."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from storage.db import open_store
from storage.importers.source import SourceFile
from storage.ingest import commit, prepare
from storage.published import save_published, stored_published
from tests.factories import plain
from ui.upload_preview import detected

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "importers" / "fixtures"
NOLIMA_TABLE = (FIX / "published_table" / "nolima_readme.md").read_text(encoding="utf-8")


def _src(path: Path) -> SourceFile:
    return SourceFile(path.as_posix(), path.read_bytes())


@pytest.fixture
def helmet_db(tmp_path, monkeypatch):
    path = tmp_path / "formats.duckdb"
    store = open_store(path)
    srcs = [_src(p) for p in sorted((FIX / "helmet_study" / "helmet_results").glob("*.csv"))]
    plan = prepare(srcs, store)
    written = commit(plan, store)
    monkeypatch.setenv("LONGSCOPE_DB", str(path))
    yield store, written
    store.close()


def _run(page: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=90)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_effective_length_shows_nolima_beside_ruler(helmet_db):
    store, written = helmet_db
    ids = ",".join(str(v) for k, v in written.items() if ":baseline:" in k)
    at = _run("effective_length", {"runs": ids, "combine": "1"})
    table = at.dataframe[0].value.set_index("name")
    row = table.loc["Llama-3.1-8B-Instruct · helmet · baseline default"]  # one line per KV-cache method
    # baseline: 16K mean of 10 tasks 680.62 / 10 = 68.06; 32K (100 + 63.33 + 63.5 + 25.98 + 5.32 + 5.29 + 100
    # + 42.15 + 92.6 + 86) / 10 = 58.42 -> RULER (85.6): <16K; NoLiMa: 58.42 >= 0.85 x 68.06 = 57.85 -> >32K
    assert row["effective length"] == "<16Ki" and row["NoLiMa effective length"] == ">32Ki"
    assert row["NoLiMa threshold"] == pytest.approx(0.85 * 68.062, abs=1e-3)


def test_length_degradation_one_line_per_kv_cache_method(helmet_db):
    store, written = helmet_db
    at = _run("length_degradation", {"runs": ",".join(map(str, written.values())), "combine": "1"})
    table = next(d.value for d in at.dataframe if "length" in d.value.columns)
    lines = dict(table.groupby("run")["length"].apply(list))
    assert lines == {"Llama-3.1-8B-Instruct · helmet · baseline default": ["16Ki", "32Ki"],
                     "Llama-3.1-8B-Instruct · helmet · snapkv w32_c4096_k7_maxpool": ["16Ki"]}
    # memory and throughput are measures: they never enter the score points
    assert set(table["metric_kind"]) == {"score"}


def test_published_check_reads_a_table_and_uses_stored_numbers(helmet_db):
    store, _ = helmet_db
    save_published(store, pd.DataFrame([{"benchmark": "helmet", "model": "Llama-3.1-8B-Instruct", "task": "niah",
                                         "length_label": "16K", "value": 100.0, "source": "typed"}]), origin="entered")
    at = _run("published_check")
    assert any("Stored published numbers (1)" in e.label for e in at.expander)
    tables = [d.value for d in at.dataframe if "status" in d.value.columns]
    assert tables and "matches" in set(tables[0]["status"])  # niah 100.0 at 16K from the stored number
    at.text_area(key="pubtab_text").set_value(NOLIMA_TABLE).run()
    at.text_input(key="pubtab_bench").set_value("nolima").run()
    assert not at.exception, at.exception
    store_button = at.button(key="pubtab_store")
    # 5 models x (6 lengths + the base score column)
    assert store_button.label == "Store 35 published number(s)"
    store_button.click().run()
    assert not at.exception, at.exception
    stored = stored_published(store)
    assert len(stored) == 36 and set(stored["origin"]) == {"entered", "table"}
    assert stored.query("model == 'GPT-4o' and length_label == '8K'")["value"].tolist() == [89.2]


def test_upload_preview_lists_scale_and_lengths_per_column(store):
    plan = prepare([_src(FIX / "longgenbench" / "Evalution" / "results" / "accuracy_results.csv")], store)
    run = next(r for r in plan.runs.values() if r.model == "Qwen2-7B-Instruct")
    table = detected(run).set_index("column / task")
    assert table.loc["Completion Rate", "scale"].startswith("percent 0-100")
    assert table.loc["Accuracy Once", "scale"].startswith("fraction 0-1")
    assert table.loc["Accuracy Once", "lengths"] == "16K, 32K"  # the one context-length formatter (analysis.lengths)


def test_upload_preview_widgets_set_the_helmet_length(tmp_path, monkeypatch):
    monkeypatch.setenv("LONGSCOPE_DB", str(tmp_path / "up.duckdb"))

    def script():
        import streamlit as st

        from storage.db import open_store
        from storage.importers.source import SourceFile
        from storage.ingest import prepare
        from ui import upload_preview

        path = st.session_state["fixture"]
        plan = prepare([SourceFile(path, open(path, "rb").read())], open_store())
        upload_preview.evaluation_length(plan)
        for run in plan.runs.values():
            upload_preview.show(run)
        st.session_state["lengths"] = sorted({v for r in plan.runs.values() for p in r.parts
                                              for v in p.task_scores["length_value"]})

    at = AppTest.from_function(script, default_timeout=60)
    at.session_state["fixture"] = str(FIX / "helmet_leaderboard" / "agg_results.csv")
    at.run()
    assert not at.exception, at.exception
    assert at.number_input(key="helmet_leaderboard_length").value == 131072
    assert at.session_state["lengths"] == [131072.0]
    # 131072 tokens = 128Ki (analysis.lengths: binary multiples say so)
    assert any("**model** GPT-4 (from the field)" in plain(c.value) and "128Ki input tokens" in plain(c.value)
               for c in at.caption)
    at.number_input(key="helmet_leaderboard_length").set_value(32768).run()
    assert at.session_state["lengths"] == [32768.0]
