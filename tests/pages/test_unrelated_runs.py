"""Pages on runs they cannot use say so: no 'rho = nan', no silent default pair sharing nothing,
no run dropped from a chart without a word."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from storage.db import open_store
from storage.importers.parsed import ParsedFile
from tests.factories import niah_run, plain, write_parsed

ROOT = Path(__file__).resolve().parents[2]


def _overall(model: str, benchmark: str, value: float) -> ParsedFile:
    """One overall task score (no length axis)."""
    rows = pd.DataFrame([{"task": "all", "metric": "score", "scale": "pct_0_100", "value_raw": value}])
    return ParsedFile(format="synthetic", run_key=f"{benchmark}:{model}", benchmark=benchmark, score_scale="pct_0_100",
                      length_unit=None, model=model, model_source="field", task_scores=rows)


def _run(db, page, params=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _db(tmp_path, monkeypatch, parts) -> dict[str, int]:
    store = open_store(tmp_path / "p.duckdb")
    ids = write_parsed(store, parts)
    store.close()
    monkeypatch.setenv("LONGSCOPE_DB", str(tmp_path / "p.duckdb"))
    return ids


def test_correlation_of_a_pair_with_two_shared_models_says_why_not(tmp_path, monkeypatch):
    _db(tmp_path, monkeypatch, [_overall("m1", "x", 50), _overall("m2", "x", 60),
                                _overall("m1", "y", 70), _overall("m2", "y", 65)])
    at = _run(None, "correlation", {"by": "benchmark", "min_n": "3"})
    texts = " ".join(plain(i.value) for i in at.info)
    assert "x vs y**: 2 shared model(s)" in texts and "no rank correlation is defined" in texts
    assert not any("nan" in m.value for m in at.markdown)


def test_compare_defaults_to_two_runs_of_the_same_benchmark(tmp_path, monkeypatch):
    ids = _db(tmp_path, monkeypatch, [niah_run("a", [1000], [0, 50], lambda *_: 1.0),
                                      _overall("b", "ruler", 80),
                                      niah_run("c", [1000], [0, 50], lambda *_: 0.5)])
    at = _run(None, "compare_runs")
    assert at.selectbox(key="base").value == ids["niah:a"] and at.selectbox(key="cand").value == ids["niah:c"]


def test_degradation_names_the_runs_it_cannot_draw(tmp_path, monkeypatch):
    ids = _db(tmp_path, monkeypatch, [niah_run("a", [1000, 2000], [0], lambda *_: 1.0), _overall("b", "ruler", 80)])
    at = _run(None, "length_degradation", {"runs": f"{ids['niah:a']},{ids['ruler:b']}"})
    caption = " ".join(plain(c.value) for c in at.caption)
    assert "Not drawn (no scores by context length" in caption and f"#{ids['ruler:b']} b" in caption
