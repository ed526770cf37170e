"""Truncated and over-window samples: LongBench's middle cut past model2maxlen, RULER prompts over
max_seq_length; flagged at ingest, left out of length curves (truncated ones can be kept)."""
from __future__ import annotations

import json

from storage.ingest import commit, prepare
from storage.importers.source import SourceFile
from storage.scores import flagged_samples, length_observations


def _longbench(model: str) -> SourceFile:
    # hotpotqa = qa_f1_score: an exact answer scores 1, a wrong one 0
    rows = [{"pred": "Miller v. California", "answers": ["Miller v. California"], "all_classes": None, "length": 3000},
            {"pred": "Jupiter", "answers": ["Sun"], "all_classes": None, "length": 8616}]
    return SourceFile(f"/lb/pred/{model}/hotpotqa.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())


def test_longbench_sample_over_the_budget_is_truncated_and_left_out(store):
    plan = prepare([_longbench("llama2-7b-chat-4k")], store)  # budget 3,500 tokens (LongBench model2maxlen)
    (run,) = plan.runs.values()
    assert any("1 of 2 samples are longer than llama2-7b-chat-4k's LongBench prompt budget (3,500 tokens)" in n
               for n in run.notes)
    (rid,) = commit(plan, store).values()
    extra = store.cursor().execute("SELECT extra FROM samples ORDER BY row_index").fetchall()
    assert extra[0][0] is None and json.loads(extra[1][0]) == {"truncated_to": 3500}
    assert flagged_samples(store, [rid]).iloc[0].tolist() == [rid, 1, 0]
    left_out = length_observations(store, [rid])  # default: truncated samples left out
    assert left_out[["length_value", "value"]].values.tolist() == [[3000.0, 1.0]]
    kept = length_observations(store, [rid], truncated="keep")
    assert sorted(kept[["length_value", "value"]].values.tolist()) == [[3000.0, 1.0], [8616.0, 0.0]]


def test_unknown_model_is_not_marked(store):
    plan = prepare([_longbench("my-model")], store)
    (rid,) = commit(plan, store).values()
    assert flagged_samples(store, [rid]).empty


def test_ruler_prompt_over_max_seq_length_is_over_the_window(store):
    rows = [{"index": 0, "pred": "1234", "input": "...", "outputs": ["1234"], "others": {}, "truncation": -1,
             "length": 4000},
            {"index": 1, "pred": "9", "input": "...", "outputs": ["1234"], "others": {}, "truncation": -1,
             "length": 4200}]
    src = SourceFile("/r/m/synthetic/4096/pred/niah_single_1.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())
    plan = prepare([src], store)
    (run,) = plan.runs.values()
    assert any("1 of 2 samples have a prompt longer than the max_seq_length 4,096" in n for n in run.notes)
    (rid,) = commit(plan, store).values()
    assert flagged_samples(store, [rid]).iloc[0].tolist() == [rid, 0, 1]
    for mode in ("exclude", "keep"):  # over the window: always left out
        obs = length_observations(store, [rid], truncated=mode)
        assert obs[["length_value", "value"]].values.tolist() == [[4000.0, 1.0]]
