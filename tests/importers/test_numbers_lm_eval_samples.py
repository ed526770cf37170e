"""lm-eval per-sample logs (samples_<task>_<date>.jsonl), hand-written in the shape lm_eval/evaluator.py logs."""
from __future__ import annotations

import json

from storage.importers import registry
from storage.ingest import READY, commit, prepare
from storage.importers.source import SourceFile

FOLDER = "/out/meta-llama__Llama-3.1-8B"
NAME = "samples_niah_single_1_2025-01-01T10-00-00.123456.jsonl"


def _sample(doc_id: int, answer: str, em: float, length: int) -> dict:
    return {"doc_id": doc_id, "doc": {"input": "...", "outputs": ["42"], "length": length, "max_length": 4096},
            "target": ["42"], "arguments": [["prompt", {"until": ["\n"]}]], "resps": [[answer]],
            "filtered_resps": [answer], "filter": "none", "metrics": ["exact_match"],
            "doc_hash": "d", "prompt_hash": "p", "target_hash": "t", "exact_match": em}


def _file(rows: list[dict]) -> SourceFile:
    return SourceFile(f"{FOLDER}/{NAME}", "".join(json.dumps(r) + "\n" for r in rows).encode())


def test_samples_log_is_read_with_scores_and_lengths(store):
    src = _file([_sample(0, "42", 1.0, 3900), _sample(1, "41", 0.0, 3950), _sample(2, "42", 1.0, 4010)])
    assert registry.detect(src).FORMAT == "lm_eval_samples"
    plan = prepare([src], store)
    assert plan.files[0].status == READY
    (run,) = plan.runs.values()
    assert run.model == "meta-llama/Llama-3.1-8B" and run.first.length_unit == "tokens"
    commit(plan, store)
    rows = store.cursor().execute(
        "SELECT task, sample_id, prediction, length_value, length_label, score_raw, scale FROM samples ORDER BY row_index"
    ).fetchall()
    assert rows == [("niah_single_1", "0", "42", 3900.0, "4096", 1.0, "frac_0_1"),
                    ("niah_single_1", "1", "41", 3950.0, "4096", 0.0, "frac_0_1"),
                    ("niah_single_1", "2", "42", 4010.0, "4096", 1.0, "frac_0_1")]
    # exact_match mean over the three samples = 2 / 3
    assert round(store.cursor().execute("SELECT avg(score) FROM samples").fetchone()[0], 6) == round(2 / 3, 6)


def test_samples_join_the_results_run_of_the_same_folder(store):
    results = {"results": {"niah_single_1": {"alias": "niah_single_1", "4096,none": 0.6667}},
               "versions": {"niah_single_1": 1}, "n-shot": {"niah_single_1": 0},
               "model_name": "meta-llama/Llama-3.1-8B", "config": {"model": "hf", "model_args": "pretrained=meta-llama/Llama-3.1-8B"}}
    plan = prepare([SourceFile(f"{FOLDER}/results_2025-01-01T10-00-00.123456.json", json.dumps(results).encode()),
                    _file([_sample(0, "42", 1.0, 3900)])], store)
    assert len(plan.runs) == 1


def test_loglikelihood_samples_without_a_number_metric_are_unscored(store):
    row = {"doc_id": 0, "doc": {}, "target": 1, "arguments": [["ctx", " a"], ["ctx", " b"]],
           "resps": [[[-3.0, False]], [[-1.0, True]]], "filtered_resps": [[-3.0, False], [-1.0, True]],
           "metrics": ["acc", "word_perplexity"], "acc": 1.0, "word_perplexity": [-1.0, 4]}
    plan = prepare([SourceFile(f"{FOLDER}/samples_hellaswag_2025-01-01T10-00-00.jsonl", (json.dumps(row) + "\n").encode())], store)
    commit(plan, store)
    (pred, score, extra), = store.cursor().execute("SELECT prediction, score_raw, extra FROM samples").fetchall()
    assert pred is None and score == 1.0
    assert json.loads(extra)["metrics"] == {"acc": 1.0, "word_perplexity": None}


def test_scale_override_applies_to_the_samples(store):
    plan = prepare([_file([_sample(0, "42", 1.0, 3900), _sample(1, "41", 0.0, 3950)])], store)
    (key, run), = plan.runs.items()
    assert run.scale_guesses[0].ambiguous  # only 0 and 1: lm-eval's 0..1 is kept
    commit(plan, store, scales={key: "pct_0_100"})
    assert store.cursor().execute("SELECT scale, score FROM samples ORDER BY row_index").fetchall() == [
        ("pct_0_100", 0.01), ("pct_0_100", 0.0)]


def test_committed_fixture_values():
    from tests.importers.conftest import FIXTURES

    path = FIXTURES / "lm_eval_samples/meta-llama__Llama-3.1-8B-Instruct/samples_niah_single_1_2024-12-01T10-00-00.jsonl"
    (parsed,) = registry.by_format("lm_eval_samples").parse(SourceFile(path.as_posix(), path.read_bytes()))
    s = parsed.samples
    # lm-eval's ruler tasks name the per-sample metric by the sequence length: "4096" = 1, 0, 1
    assert s["score_raw"].tolist() == [1.0, 0.0, 1.0] and s["length_value"].tolist() == [3811, 3840, 3907]
    assert parsed.model == "meta-llama/Llama-3.1-8B-Instruct" and parsed.benchmark == "ruler"
    assert s["task"].unique().tolist() == ["niah_single_1"] and s["length_label"].unique().tolist() == ["4096"]
