"""The probe pages render stored results (Streamlit AppTest; the picker reads only the model config)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from tests.probe_ready import until_model_read

ROOT = Path(__file__).resolve().parents[2]
INFO = {"spec": "smollm2", "name": "SmolLM2-135M-Instruct", "n_layers": 30, "n_heads": 9, "n_kv_heads": 3,
        "context_limit": 8192, "device": "cpu", "dtype": "float32"}


def _detection():
    scores = np.zeros((30, 9))
    scores[18, 7], scores[17, 3], scores[23, 2], scores[20, 6], scores[5, 1] = 0.8, 0.7, 0.6, 0.12, 0.05
    df = pd.DataFrame({"layer": np.repeat(np.arange(30), 9), "head": np.tile(np.arange(9), 30),
                       "score": scores.ravel(), "hits": (scores.ravel() * 10).astype(int), "samples": 5})
    return SimpleNamespace(frame=lambda: df.sort_values("score", ascending=False), n_used=5, n_dropped=2, trials=[],
                           not_run=[], config={"lengths": [1024], "depths": [50.0], "needles": [{"name": "passkey"}],
                                               "score": "set version (Wu et al. 2024)"})


@pytest.fixture
def probe_db(tmp_path, monkeypatch):
    from storage.db import open_store
    from storage.probes import save_head_scores, save_masking, write_sweep_cell

    path = tmp_path / "probes.duckdb"
    store = open_store(path)
    pid = save_head_scores(store, INFO, _detection())
    rows = pd.DataFrame([{"condition": c, "draw": d, "context_length": 1024, "depth_percent": 50.0, "needle": "passkey",
                          "trial": t, "exact": e, "recall": e, "response": ""}
                         for c, d, es in [("none", 0, [1, 1]), ("top-k", 0, [0, 0]), ("random", 0, [1, 0])]
                         for t, e in enumerate(es)])
    save_masking(store, INFO, SimpleNamespace(rows=rows, heads={"top-k": [(18, 7)], "random 0": [(0, 0)]},
                                              config={"k": 1, "mode": "zero"}), source_probe_id=pid)
    trials = pd.DataFrame([{"context_length": 1024, "depth_percent": d, "score_raw": s, "needle": "N", "response": "r",
                            "extra": {"trial": 0}} for d, s in [(0.0, 1.0), (50.0, 0.0)]])
    write_sweep_cell(store, "probe-niah:smollm2:x", model="smollm2", label="SmolLM2 (probe)", tokenizer="own",
                     config={"needle": {"name": "passkey"}, "model_name": "SmolLM2"}, trials=trials)
    monkeypatch.setenv("LONGSCOPE_DB", str(path))
    yield pid
    store.close()


def _page(name: str):
    """Run a page through app.py's navigation (page links need the registered pages)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    return until_model_read(at.switch_page(f"pages/{name}.py").run())


def test_retrieval_heads_page(probe_db):
    at = _page("retrieval_heads")
    assert not at.exception, at.exception
    assert at.title[0].value == "Retrieval heads"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Samples used"] == "5" and metrics["Dropped (model failed)"] == "2"
    assert metrics["Heads ≥ 0.1"] == "4 of 270"                         # 0.8, 0.7, 0.6, 0.12
    assert metrics["Fraction ≥ threshold"] == f"{4 / 270:.1%}"
    assert metrics["Layers"] == "30" and metrics["KV heads"] == "3"     # picker: config only, nothing loaded
    summary = next(d.value for d in at.dataframe if "accuracy" in d.value.columns)
    assert summary["accuracy"].tolist() == [1.0, 0.0, 0.5]              # none, top-k, random draw 0


def test_probe_niah_page_lists_sweep(probe_db):
    at = _page("probe_niah")
    assert not at.exception, at.exception
    assert at.title[0].value == "Live NIAH sweep"
    cells = next(d.value for d in at.dataframe if "accuracy" in d.value.columns)
    assert cells["accuracy"].tolist() == [1.0, 0.0] and cells["trials"].tolist() == [1, 1]


def test_detection_run_deleted_and_restored_by_the_admin(probe_db):
    """The Retrieval heads page offers Delete… (confirmed in a dialog, which AppTest does not draw:
    the browser test of run deletion covers the dialog); once deleted (soft, storage/trash.py) the
    run is gone from the page, and the Admin page lists it under Deleted probe results and restores it."""
    from storage.db import open_store
    from storage.probes import delete_probe_run

    at = _page("retrieval_heads")
    assert at.selectbox(key="delete_probe").options == [at.selectbox(key="probe").format_func(probe_db)]
    assert at.button(key="delete_probe_go").label == "Delete…"
    delete_probe_run(open_store(), probe_db)
    at = _page("retrieval_heads")
    assert not at.exception, at.exception
    assert any("No detection runs yet" in i.value for i in at.info)

    from streamlit.testing.v1 import AppTest

    admin = AppTest.from_file(str(ROOT / "pages" / "admin.py"), default_timeout=120).run()  # the page itself:
    # a click on a page reached by switch_page is not seen by AppTest's next run
    assert admin.selectbox(key="restore_probe").value == probe_db
    admin.button(key="restore_probe_go").click().run()
    assert not admin.exception, admin.exception
    assert _page("retrieval_heads").selectbox(key="probe").value == probe_db
