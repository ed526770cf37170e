"""AppTest of the NIAH heatmap page with many runs: a summary table, 12 charts per page, no 'nan'."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from storage.db import open_store
from tests.factories import niah_run, plain, write_parsed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def many_runs(tmp_path, monkeypatch):
    path = tmp_path / "heatmap.duckdb"
    store = open_store(path)
    # 14 runs of 2 lengths x 2 depths; run i scores 1 at 1000 tokens and 0 at 2000; the last has
    # no tokenizer and a right-to-left override in its model name
    parts = [niah_run(f"m{i:02d}", [1000, 2000], [0, 100], lambda L, d, t: float(L == 1000)) for i in range(13)]
    parts.append(niah_run("evil\u202egnp.exe", [1000, 2000], [0, 100], lambda L, d, t: 1.0, tokenizer=None))
    ids = write_parsed(store, parts)
    store.close()
    monkeypatch.setenv("LONGSCOPE_DB", str(path))
    return ids


def test_many_runs_get_a_table_and_paged_charts(many_runs):
    ids = sorted(many_runs.values())
    at = AppTest.from_file(str(ROOT / "pages" / "niah_heatmap.py"), default_timeout=60)
    at.query_params["runs"] = ",".join(map(str, ids))
    at.run()
    assert not at.exception, at.exception
    assert len(at.metric) == 0  # 14 runs: one table row each, not 14 metrics side by side
    table = at.dataframe[0].value
    assert len(table) == 14 and table["mean_score"].tolist()[:13] == [0.5] * 13  # (1 + 1 + 0 + 0) / 4
    assert table["cells"].tolist() == [4] * 14 and table["missing_cells"].tolist() == [0] * 14
    assert table["lengths"].iloc[-1].endswith("lengths in tokens (tokenizer not recorded)")
    assert table["lengths"].iloc[0].endswith("lengths in tokens counted by: synthetic")
    assert "<U+202E>" in table["run"].iloc[-1] and "\u202e" not in " ".join(table["run"])
    body = " ".join(m.value for m in at.markdown)
    assert "nan" not in " ".join(table["lengths"])
    assert body.count("· run ") == 12  # chart titles of page 1: 12 of 14
    assert any("Charts of runs 1–12 of 14" in c.value for c in at.caption)
    at.number_input(key="chart_page").set_value(2).run()
    body = " ".join(m.value for m in at.markdown)
    assert body.count("· run ") == 2 and "evil<U+202E>gnp.exe" in plain(body)


def test_pick_all_runs_in_one_click(many_runs):
    at = AppTest.from_file(str(ROOT / "pages" / "niah_heatmap.py"), default_timeout=60)
    at.query_params["runs"] = str(many_runs["niah:m05"])
    at.run()
    at.button(key="pick_all_runs").click().run()
    assert not at.exception, at.exception
    assert sorted(at.multiselect(key="runs").value) == sorted(many_runs.values())
    assert len(at.dataframe[0].value) == 14 and len(at.get("plotly_chart")) == 12  # page 1 of the charts
    assert at.query_params["runs"] == ",".join(map(str, sorted(many_runs.values())))  # the link holds the pick
    assert not [b for b in at.button if b.key == "pick_all_runs"]  # every run picked: nothing left to offer


def test_few_runs_keep_their_metrics(many_runs):
    at = AppTest.from_file(str(ROOT / "pages" / "niah_heatmap.py"), default_timeout=60)
    at.query_params["runs"] = str(many_runs["niah:evil\u202egnp.exe"])
    at.run()
    assert not at.exception, at.exception
    assert at.metric[0].value == "1.000"
    caption = " ".join(c.value for c in at.caption)
    assert "4 cells, 4 trials, 0 missing (gaps)" in caption and "tokenizer not recorded" in caption
    assert "counted by: nan" not in caption and "counted by: None" not in caption


def test_the_selected_cell_is_in_the_url(many_runs):
    """A permalink with ?cell=RUN:LENGTH:DEPTH lists that cell's trials; picking another cell by
    value writes it to the URL; a cell of a run not shown is ignored."""
    rid = many_runs["niah:m03"]
    at = AppTest.from_file(str(ROOT / "pages" / "niah_heatmap.py"), default_timeout=60)
    at.query_params["runs"] = str(rid)
    at.query_params["cell"] = f"{rid}:2000:100,{many_runs['niah:m04']}:1000:0"
    at.run()
    assert not at.exception, at.exception
    listed = [m.value for m in at.markdown if "context length" in m.value]
    assert listed == [f"**m03 · run {rid}** · context length 2,000 tokens · depth 100% · n = 1"]
    assert at.dataframe[-1].value["score"].tolist() == [0.0]  # m03 scores 0 at 2000 tokens
    clear = [b for b in at.button if b.label == "Clear the selected cell"]
    clear[0].click().run()
    assert "cell" not in at.query_params
    at.selectbox(key="pick_len").set_value(1000).run()
    at.selectbox(key="pick_depth").set_value(0.0).run()
    [b for b in at.button if b.label == "Show trials"][0].click().run()
    assert at.query_params["cell"] == f"{rid}:1000:0"
    assert at.dataframe[-1].value["score"].tolist() == [1.0]
