"""Permalinks with sign-in on (issue 11): a link to a run, probe run or traceback of a workspace the
visitor is not in shows "No access" and none of its data; a member's link reproduces the view
(the probe pages' picked result and threshold are in the URL)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from storage.db import open_store
from storage.probes import save_head_scores
from storage.scope import VIEWER
from storage.traceback import save_traceback
from storage.workspaces import create_workspace, ensure_first_admin, scope_for, set_role
from tests.factories import niah_run, write_parsed
from tests.sign_in import sign_in_as
from ui.page import NO_ACCESS

ROOT = Path(__file__).resolve().parents[2]
INFO = {"spec": "smollm2", "name": "SmolLM2", "n_layers": 2, "n_heads": 2, "n_kv_heads": 1, "context_limit": 8192,
        "device": "cpu", "dtype": "float32"}


class _Heads:
    """A detection result as storage.probes.save_head_scores takes it: 2 layers x 2 heads."""
    n_used, n_dropped, trials, not_run, config = 3, 0, [], [], {"lengths": [1024]}

    def frame(self):
        return pd.DataFrame({"layer": [0, 0, 1, 1], "head": [0, 1, 0, 1], "score": [0.5, 0.05, 0.25, 0.0],
                             "hits": [3, 0, 1, 0], "samples": 3})


def _doc():
    return {"answer": "a", "passages": [{"index": 0, "text": "p0", "score": 1.0}], "top_k": [0], "forward_passes": 1,
            "seconds": 0.1, "method": "loo", "model": "smollm2", "question": "q", "config": {"k": 1}}


@pytest.fixture
def board(tmp_path, monkeypatch):
    store = open_store(tmp_path / "board.duckdb")
    ensure_first_admin(store, "lead")
    create_workspace(store, "other", scope=scope_for(store, "lead"))
    lead = scope_for(store, "lead")
    set_role(store, "default", "vic", VIEWER, scope=lead)
    ids = {}
    for ws in ("default", "other"):
        ids[f"run_{ws}"] = write_parsed(store, [niah_run(f"model-{ws}", [1000, 2000], [0, 100], lambda L, d, t: 1.0,
                                                         key=ws)], scope=lead, workspace=ws)[ws]
        ids[f"probe_{ws}"] = save_head_scores(store, INFO, _Heads(), scope=lead, workspace=ws)
        ids[f"tb_{ws}"] = save_traceback(store, _doc(), context_hash=ws, scope=lead, workspace=ws)
    monkeypatch.setenv("LONGSCOPE_DB", str(store.path))
    monkeypatch.setenv("LONGSCOPE_AUTH", "users")
    return ids


def _open(monkeypatch, page: str, params: dict, identity: str = "vic") -> AppTest:
    sign_in_as(monkeypatch, identity)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = str(v)
    return at.run()


@pytest.mark.parametrize("page, key, target", [
    ("niah_heatmap", "runs", "run_other"), ("niah_heatmap", "cell", "run_other"), ("compare_runs", "cand", "run_other"),
    ("retrieval_heads", "probe", "probe_other"), ("traceback", "tb", "tb_other")])
def test_non_member_link_says_no_access(board, page, key, target, monkeypatch):
    value = f"{board[target]}:1000:0" if key == "cell" else board[target]
    at = _open(monkeypatch, page, {key: value, **({"base": board["run_default"]} if page == "compare_runs" else {})})
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [NO_ACCESS]
    shown = " ".join(str(x.value) for x in [*at.markdown, *at.caption, *at.title, *at.text])
    assert "model-other" not in shown and not at.dataframe and not at.selectbox and not at.multiselect


def test_member_links_reproduce_the_probe_views(board, monkeypatch):
    at = _open(monkeypatch, "retrieval_heads", {"probe": board["probe_default"], "thr": 0.2})
    assert not at.exception, at.exception
    assert at.selectbox(key="probe").value == board["probe_default"] and at.slider(key="thr").value == 0.2
    at.slider(key="thr").set_value(0.3).run()
    assert at.query_params["thr"] == "0.3" and at.query_params["probe"] == str(board["probe_default"])
    tb = _open(monkeypatch, "traceback", {"tb": board["tb_default"]})
    assert not tb.exception, tb.exception
    assert tb.multiselect(key="tb").value == [board["tb_default"]]
    assert not tb.error


def test_delete_is_offered_only_to_who_may_delete(board, monkeypatch):
    """The Delete… panels of the probe pages list the results the user may delete (storage/trash.py
    refuses the others as well): none for a viewer, every one of their workspaces for an admin."""
    viewer = _open(monkeypatch, "traceback", {})
    assert not viewer.exception and not [s for s in viewer.selectbox if s.key == "delete_traceback"]
    lead = _open(monkeypatch, "traceback", {}, identity="lead")
    assert lead.selectbox(key="delete_traceback").options == [f"{board['tb_other']} · loo · q",
                                                              f"{board['tb_default']} · loo · q"]
    heads = _open(monkeypatch, "retrieval_heads", {}, identity="vic")
    assert not heads.exception and not [s for s in heads.selectbox if s.key == "delete_probe"]
