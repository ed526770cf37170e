"""AppTest smoke tests of the analysis pages on a small store (values on screen checked by hand)."""
from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pathlib import Path

from storage.db import open_store
from storage.importers.parsed import ParsedFile
from tests.factories import niah_run, plain, write_parsed

ROOT = Path(__file__).resolve().parents[2]
RULER_LENGTHS = [4096, 8192, 16384, 32768]


def _ruler(model, scores, tasks=("a", "b")):
    rows = [{"task": t, "length_value": float(L), "length_label": str(L), "metric": "score", "scale": "pct_0_100",
             "value_raw": s, "n_samples": 100} for L, s in zip(RULER_LENGTHS, scores) for t in tasks]
    return ParsedFile(format="synthetic", run_key=f"ruler:{model}", benchmark="ruler", score_scale="pct_0_100",
                      length_unit="tokens", model=model, model_source="field", tokenizer="tok",
                      task_scores=pd.DataFrame(rows))


def _samples(model, outcomes, key):
    df = pd.DataFrame({"task": "qa", "row_index": range(len(outcomes)), "length_value": 4096.0,
                       "score_raw": outcomes, "scale": "binary", "prediction": "p", "reference": '"r"'})
    return ParsedFile(format="synthetic", run_key=key, benchmark="babilong", score_scale="binary", length_unit="tokens",
                      model=model, model_source="field", samples=df, config={"chat_template": model})


@pytest.fixture
def small_db(tmp_path, monkeypatch):
    path = tmp_path / "pages.duckdb"
    store = open_store(path)
    parts = [niah_run(f"m{i}", [1000, 4000, 16000], [0, 50, 100],
                      lambda L, d, t, i=i: float((L < 16000 or d != 50) and not (i == 2 and d == 50)), trials=2)
             for i in range(3)]
    parts += [_ruler("m0", [95, 90, 85, 60]), _ruler("m1", [90, 88, 86, 80]), _ruler("m2", [80, 70, 60, 50])]
    parts += [_samples("m0", [1, 1, 0, 1, 0, 1], "s0"), _samples("m1", [1, 0, 0, 1, 1, 1], "s1")]
    # RULER writes one run per sequence length: model m3 as four one-length runs
    for L, score in zip(RULER_LENGTHS, [92, 88, 84, 70]):
        one = _ruler("m3", [score])
        one.task_scores["length_value"], one.task_scores["length_label"] = float(L), str(L)
        one.run_key = f"ruler:m3:{L}"
        parts.append(one)
    ids = write_parsed(store, parts)
    monkeypatch.setenv("LONGSCOPE_DB", str(path))
    yield ids
    store.close()


def _run(page: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_length_degradation(small_db):
    at = _run("length_degradation", {"runs": f"{small_db['niah:m0']},{small_db['ruler:m1']}"})
    assert at.title[0].value == "Length degradation"
    table = at.dataframe[0].value
    m0 = table[table["run_id"] == small_db["niah:m0"]].set_index("length_value")
    assert m0.loc[16000.0, "mean"] == pytest.approx(4 / 6) and m0.loc[16000.0, "n"] == 6
    assert table[table["run_id"] == small_db["ruler:m1"]]["mean"].round(2).tolist() == [0.90, 0.88, 0.86, 0.80]
    # the picked runs are in the URL: unpicking one updates the link
    at.multiselect(key="runs").unselect(small_db["ruler:m1"]).run()
    assert at.query_params["runs"] == str(small_db["niah:m0"])
    assert len(at.dataframe[0].value) == 3


def test_effective_length_threshold_from_url(small_db):
    m3 = [small_db[f"ruler:m3:{L}"] for L in RULER_LENGTHS]
    ids = ",".join(map(str, [small_db["ruler:m0"], small_db["ruler:m1"], small_db["ruler:m2"], *m3]))
    at = _run("effective_length", {"runs": ids})
    table = at.dataframe[0].value.set_index("name")
    # m0 95/90/85/60: 85 < 85.6 -> 8Ki; m1 90/88/86/80 -> 16Ki; m2 80/... -> <4Ki
    assert table.loc["m0 · ruler", "effective length"] == "8Ki"
    assert table.loc["m1 · ruler", "effective length"] == "16Ki"
    assert table.loc["m2 · ruler", "effective length"] == "<4Ki"
    # the four one-length runs of m3 are one model: 92/88/84/70 -> 8Ki
    assert table.loc["m3 · ruler", "effective length"] == "8Ki" and table.loc["m3 · ruler", "lengths tested"] == 4
    # wAvg inc of m1 = (90 + 2*88 + 3*86 + 4*80) / 10 = 84.4
    assert table.loc["m1 · ruler", "wAvg (inc)"] == pytest.approx(84.4)
    at = _run("effective_length", {"runs": ids, "threshold": "80"})
    table = at.dataframe[0].value.set_index("name")
    assert table.loc["m0 · ruler", "effective length"] == "16Ki"
    assert table.loc["m1 · ruler", "effective length"] == ">32Ki"
    # per run: each m3 run has one length
    at = _run("effective_length", {"runs": ids, "combine": "0"})
    table = at.dataframe[0].value.set_index("name")
    # (the four m3 runs of one upload get distinct labels, "m3 (<what tells them apart>)": storage.run_labels)
    [first] = [name for name in table.index if name.startswith(f"#{m3[0]} m3 (")]
    assert table.loc[first, "effective length"] == ">4Ki" and len(table) == 7
    at.number_input(key="threshold").set_value(90.0).run()
    assert at.query_params["threshold"] == "90"


def test_depth_u_shape(small_db):
    at = _run("depth", {"runs": f"{small_db['niah:m0']},{small_db['niah:m2']}", "bands": "1"})
    u = at.dataframe[0].value.set_index("run_id")
    # m2 misses every depth-50 trial and gets the edges right: U = 1 - 0 exactly
    assert u.loc[small_db["niah:m2"], "u"] == 1.0 and u.loc[small_db["niah:m2"], "n_middle"] == 6
    # m0 misses depth 50 only at 16000: middle = 4/6, edges = 1 -> U = 1/3
    assert u.loc[small_db["niah:m0"], "u"] == pytest.approx(1 / 3)
    assert not at.warning


def test_correlation(small_db):
    at = _run("correlation", {"min_n": "3"})
    matrix = at.dataframe[0].value
    # m0-m2 with niah + ruler (m0, m1 also babilong); m3 ruler only
    assert matrix.shape == (4, 3) and matrix.loc["m3", "ruler"] == pytest.approx((0.92 + 0.88 + 0.84 + 0.70) / 4)
    pairs = at.dataframe[1].value.set_index(["a", "b"])
    nr = pairs.loc[("niah", "ruler")]
    # niah means m0 = m1 = 16/18, m2 = 12/18; ruler means m0 82.5, m1 86, m2 65 -> ranks (2.5, 2.5, 1) vs
    # (2, 3, 1): rho = 1.5 / sqrt(1.5 * 2)
    assert nr["n"] == 3 and bool(nr["enough"]) and nr["spearman"] == pytest.approx(1.5 / 3 ** 0.5)
    bab = pairs.loc[("babilong", "niah")]
    assert bab["n"] == 2 and not bool(bab["enough"])
    at.selectbox(key="pair").set_value("niah | ruler").run()
    assert at.query_params["pair"] == "niah | ruler"


def test_compare_runs(small_db):
    at = _run("compare_runs", {"base": str(small_db["s0"]), "cand": str(small_db["s1"])})
    cfg = at.dataframe[0].value.set_index("field")
    assert cfg.loc["chat template", "baseline"] == "m0" and bool(cfg.loc["chat template", "differs"])
    assert not bool(cfg.loc["scale", "differs"])
    # s0 = 1 1 0 1 0 1, s1 = 1 0 0 1 1 1: both right 3, only base 1, only cand 1, both wrong 1
    table = at.dataframe[1].value
    assert table.loc["baseline right"].tolist() == [3, 1] and table.loc["baseline wrong"].tolist() == [1, 1]
    assert "McNemar" in at.markdown[0].value and "p = 1" in at.markdown[0].value
    at = _run("compare_runs", {"base": str(small_db["niah:m0"]), "cand": str(small_db["niah:m2"])})
    # m2 - m0: depth 50 at 1000 and 4000 -> -1; elsewhere 0
    assert at.metric[0].value == f"{-2 / 9:+.3f}"
    # the length range (in the URL) restricts cells and pairs: 1000-4000 -> 2 of 6 cells differ by -1
    at = _run("compare_runs", {"base": str(small_db["niah:m0"]), "cand": str(small_db["niah:m2"]), "len": "1000,4000"})
    assert at.metric[0].value == f"{-2 / 6:+.3f}"
    assert "n = 12 paired items" in at.markdown[0].value


def test_published_check_real_ruler(tmp_path, monkeypatch, real_data):
    path = tmp_path / "pub.duckdb"
    store = open_store(path)
    summary = real_data / "HaoranDeng__RULER/scripts/benchmark_root/llama3.1-8b-chat/synthetic/4096/pred/summary.csv"
    lines = summary.read_text().splitlines()
    ts = pd.DataFrame({"task": lines[1].split(",")[1:], "length_value": 4096.0, "metric": "string_match",
                       "scale": "pct_0_100", "value_raw": [float(x) for x in lines[2].split(",")[1:]]})
    write_parsed(store, [ParsedFile(format="synthetic", run_key="r", benchmark="ruler", score_scale="pct_0_100",
                                    length_unit="tokens", model="llama3.1-8b-chat", model_source="folder",
                                    task_scores=ts)])
    monkeypatch.setenv("LONGSCOPE_DB", str(path))
    try:
        at = _run("published_check")
        err = plain(at.error[0].value)
        assert "run 85.51 over 12 task(s) vs published 95.5 over 13" in err
        assert "missing tasks: cwe" in err and "collapsed tasks: vt=4.88" in err
        table = next(d.value for d in at.dataframe if "status" in d.value.columns)
        row = table.iloc[0]
        assert row["status"] == "different task set" and row["length"] == "4K"
    finally:
        store.close()


def test_published_check_on_real_runs(app_db, tmp_path, monkeypatch):
    """The real InfiniteBench runs, scored by LongScope, reproduce the README table to 2 decimals;
    the LongBench fork's llama2-7b-chat-4k differs from the README (docs/result_formats.md §17)."""
    import shutil

    copy = tmp_path / "real.duckdb"  # the browser tests' app server may hold app_db open
    shutil.copy(app_db, copy)
    monkeypatch.setenv("LONGSCOPE_DB", str(copy))
    at = _run("published_check", {"runs": "6,11", "tol": "0.01"})
    tables = [d.value for d in at.dataframe if "status" in d.value.columns]
    gpt4 = tables[0].set_index("what")
    print(gpt4.to_string())
    assert set(gpt4["status"]) == {"matches"} and len(gpt4) == 5
    assert gpt4.loc["kv_retrieval", "run"] == pytest.approx(89.0) and gpt4.loc["longbook_choice_eng", "run"] == pytest.approx(67.25, abs=0.005)
    lb = tables[1].set_index("what")
    assert lb.loc["hotpotqa", "run"] == pytest.approx(27.56) and lb.loc["hotpotqa", "status"] == "differs"
    open_store(copy).close()
