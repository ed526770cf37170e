"""The traceback page renders its cost estimate and past results (Streamlit AppTest, no model)."""
from __future__ import annotations

from pathlib import Path
from tests.probe_ready import until_model_read

ROOT = Path(__file__).resolve().parents[2]


def test_page_estimate_and_past_result(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from storage.db import open_store
    from storage.traceback import save_traceback

    db = tmp_path / "app.duckdb"
    monkeypatch.setenv("LONGSCOPE_DB", str(db))
    doc = {"answer": "7341", "question": "What is the code?", "model": "smollm2", "method": "loo",
           "answer_source": "generated", "top_k": [1, 0], "forward_passes": 3, "seconds": 0.5,
           "passages": [{"index": 0, "text": "The cafe serves tea.", "score": 0.25},
                        {"index": 1, "text": "The code is 7341.", "score": 15.2}],
           "config": {"k": 2, "segmentation": "paragraph"},
           "faithfulness": {"k": 2, "logprob_full": -0.4, "logprob_without_top": -20.0,
                            "logprob_without_random": -9.0, "survives_without_top": False,
                            "survives_without_random": 0.5, "random_draws": 2}}
    tid = save_traceback(open_store(db), doc, context_hash="h")

    at = until_model_read(AppTest.from_file(str(ROOT / "pages" / "traceback.py"), default_timeout=120).run())
    assert not at.exception
    assert at.title[0].value == "Context traceback"
    at.radio[0].set_value("NIAH trial of a live sweep").run()
    assert any("No live NIAH sweep stored yet" in i.value for i in at.info)  # empty store: says so, stops
    at.radio[0].set_value("Passage list (one per line)").run()
    at.text_area[0].set_value("A cat sleeps.\nThe code is 7341.\nRain fell.\nTea at four.\nBoats sail.").run()
    at.text_input[0].set_value("What is the code?").run()
    def method():  # elements belong to one run: take the selectbox of the latest
        return next(s for s in at.selectbox if s.label == "Method")

    method().set_value("loo").run()
    assert any("5 passages" in i.value and "6 forward passes" in i.value for i in at.info)  # LOO: n + 1
    method().set_value("shapley").run()
    assert any("30 forward passes" in i.value for i in at.info)  # N·(n + 1) = 5·6
    assert not at.exception
    # the stored result is listed and shown with its top-K and faithfulness tables
    assert str(tid) in at.dataframe[0].value["traceback_id"].astype(str).tolist()
    texts = [df.value for df in at.dataframe[1:]]
    assert any("rank" in t.columns and t["passage"].tolist() == [1, 0] for t in texts)
    assert any("answer log-prob" in t.columns and t["answer log-prob"].tolist() == [-0.4, -20.0, -9.0] for t in texts)


def test_page_takes_context_from_a_sweep_trial(tmp_path, monkeypatch, tiny_llama, byte_tokenizer):
    """A stored live-sweep trial (tiny model saved as a folder) fills context, question and answer."""
    import hashlib

    import pandas as pd
    from streamlit.testing.v1 import AppTest

    from analysis.probes.haystack import builtin_corpus
    from analysis.probes.needles import PASSKEY
    from storage.db import open_store
    from storage.probes import write_sweep_cell

    model, _ = tiny_llama
    folder = tmp_path / "tiny"
    model.save_pretrained(folder)
    byte_tokenizer.save_pretrained(folder)
    db = tmp_path / "app.duckdb"
    monkeypatch.setenv("LONGSCOPE_DB", str(db))
    config = {"needle": PASSKEY.as_dict(), "seed": 0, "use_chat_template": None, "trials": 1,
              "haystack_sha256": hashlib.sha256(builtin_corpus().encode()).hexdigest()}
    trials = pd.DataFrame([{"context_length": 400, "depth_percent": 50.0, "score_raw": 0.0, "trial": 0,
                            "needle": "n", "response": "The key is 12345."}])
    write_sweep_cell(open_store(db), "probe-niah:test", model=str(folder), label="tiny sweep", tokenizer="bytes",
                     config=config, trials=trials)

    at = until_model_read(AppTest.from_file(str(ROOT / "pages" / "traceback.py"), default_timeout=60).run())
    at.radio[0].set_value("NIAH trial of a live sweep").run()
    assert any("pick that model above" in i.value for i in at.info)  # the sweep's model must be picked
    next(s for s in at.selectbox if s.label == "Model").set_value("other…").run()
    until_model_read(next(t for t in at.text_input if t.label.startswith("Model folder")).set_value(str(folder)).run())
    assert not at.exception
    question = next(t for t in at.text_input if t.label == "Question")
    answer = next(t for t in at.text_input if t.label == "Answer")
    assert question.value == "What is the secret pass key?" and answer.value == "The key is 12345."
    assert any("The secret pass key is" in t.value for t in at.text)  # the rebuilt haystack + needle
