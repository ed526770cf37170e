"""Score scales: fraction vs percent guessed per file / column, overrides applied to every row, judge 1-10 kept."""
from __future__ import annotations

import json

import pytest

from storage.ingest import READY, ScaleChoiceError, commit, prepare
from storage.importers.source import SourceFile


def _rows(store, sql):
    return store.cursor().execute(sql).fetchall()


def test_longbench_result_on_0_1_is_read_as_a_fraction(store):
    pct = SourceFile("/a/pred/m/result.json", json.dumps({"hotpotqa": 45.21, "trec": 64.5}).encode())
    frac = SourceFile("/b/pred/m/result.json", json.dumps({"hotpotqa": 0.4521, "trec": 0.645}).encode())
    plan = prepare([pct, frac], store)
    guesses = {r.run_key: r.scale_guesses[0] for r in plan.runs.values()}
    assert guesses["longbench:/a/pred/m"].scale == "pct_0_100"
    assert "a value above 1" in guesses["longbench:/a/pred/m"].evidence
    assert guesses["longbench:/a/pred/m"].flag == "on 0..1 a score of 64.5 is impossible"
    g = guesses["longbench:/b/pred/m"]
    assert g.scale == "frac_0_1" and "all within 0..1" in g.evidence
    assert g.flag == "on 0..100 every score would be at most 0.645%: implausible"
    commit(plan, store)
    # both files give hotpotqa 0.4521 on 0..1, not 0.004521
    assert _rows(store, "SELECT r.run_key, t.scale, round(t.value, 6) FROM task_scores t JOIN runs r USING (run_id) "
                        "WHERE task = 'hotpotqa' ORDER BY 1") == [
        ("longbench:/a/pred/m", "pct_0_100", 0.4521), ("longbench:/b/pred/m", "frac_0_1", 0.4521)]


def test_lm_eval_scale_is_decided_per_metric_column_and_max_length_kept(store):
    body = {"results": {"qa": {"alias": "qa", "acc,none": 0.61, "acc_stderr,none": 0.01},
                        "longbench_hotpotqa": {"alias": "longbench_hotpotqa", "score,none": 45.2}},
            "versions": {"qa": 1, "longbench_hotpotqa": 1}, "n-shot": {"qa": 0, "longbench_hotpotqa": 0},
            "config": {"model": "hf", "model_args": "pretrained=org/m,max_length=32768"}}
    plan = prepare([SourceFile("/o/org__m/results_2025-01-01T00-00-00.json", json.dumps(body).encode())], store)
    (run,) = plan.runs.values()
    assert [(g.column.split()[-1], g.scale) for g in run.scale_guesses] == [("'acc'", "frac_0_1"), ("'score'", "pct_0_100")]
    assert run.config["max_length"] == 32768
    commit(plan, store)
    assert _rows(store, "SELECT metric, scale, round(value, 4) FROM task_scores ORDER BY 1") == [
        ("acc", "frac_0_1", 0.61), ("score", "pct_0_100", 0.452)]


def _ruler_folder(score: str) -> list[SourceFile]:
    pred = "/r/m/synthetic/4096/pred"
    line = json.dumps({"index": 0, "pred": "The value is 42.", "input": "[INST] q [/INST]", "outputs": ["42"],
                       "others": {}, "truncation": -1, "length": 4000})
    return [SourceFile(f"{pred}/summary.csv", f"0,1\nTasks,niah_single_1\nScore,{score}\nNulls,0/1\n".encode()),
            SourceFile(f"{pred}/niah_single_1.jsonl", (line + "\n").encode())]


def test_override_applies_to_every_guessed_row_and_is_recorded(store):
    plan = prepare(_ruler_folder("0.5"), store)
    (key, run), = plan.runs.items()
    assert run.score_scale == "frac_0_1"  # 0.5 on 0..100 would be 0.5%
    assert {t: len(v) for t, v in run.rescalable().items()} == {"task_scores": 1}
    commit(plan, store, scales={key: "pct_0_100"}, uploaded_by="alice")
    # the summary row takes the override (0.5 % = 0.005); the sample LongScope scored itself stays 100 % = 1.0
    assert _rows(store, "SELECT scale, value_raw, value FROM task_scores") == [("pct_0_100", 0.5, 0.005)]
    assert _rows(store, "SELECT scale, score_raw, score FROM samples") == [("pct_0_100", 100.0, 1.0)]
    score_scale, config = _rows(store, "SELECT score_scale, config FROM runs")[0]
    override = json.loads(config)["scale_override"]
    assert score_scale == "pct_0_100"
    assert {k: override[k] for k in ("scale", "guessed", "by", "rows")} == {
        "scale": "pct_0_100", "guessed": "frac_0_1", "by": "alice", "rows": {"task_scores": 1}}
    assert override["at"].endswith("+00:00")


def test_override_the_values_cannot_be_on_is_refused(store):
    plan = prepare(_ruler_folder("92.4"), store)
    key = next(iter(plan.runs))
    with pytest.raises(ValueError, match="values from 92.4 to 92.4 do not fit frac_0_1"):
        commit(plan, store, scales={key: "frac_0_1"})
    assert _rows(store, "SELECT count(*) FROM runs") == [(0,)]


def _package(folder: str, scores: list[float], evaluator: str | None = None) -> list[SourceFile]:
    out = []
    for i, s in enumerate(scores):
        obj = {"model": "m", "context_length": 1000, "depth_percent": float(10 * i), "version": 1,
               "needle": "n", "model_response": "r", "score": s, "test_duration_seconds": 1.0,
               "test_timestamp_utc": "2024-09-06 20:15:43+0000"}
        if evaluator:
            obj["evaluator"] = evaluator
        out.append(SourceFile(f"{folder}/m_len_1000_depth_{10 * i * 100}_results.json", json.dumps(obj).encode()))
    return out


def test_judge_run_of_all_ones_stays_judge_1_10(store):
    plan = prepare(_package("/n/run", [1, 1, 1]), store)
    (run,) = plan.runs.values()
    assert run.score_scale == "judge_1_10" and not run.needs_scale
    assert "every score is 1 = 0%" in run.inferred["score scale"]
    commit(plan, store)
    assert _rows(store, "SELECT avg(score) FROM niah_trials") == [(0.0,)]  # (1 - 1) / 9


@pytest.mark.parametrize("folder, evaluator, scale, mean", [
    ("/n/model=m_eval=number", None, "binary", 1.0),    # TushaarGVS folder: exact-match evaluator
    ("/n/run", "string_match", "binary", 1.0),          # an evaluator field in the file
    ("/n/run", "openai", "judge_1_10", 0.0),
])
def test_evaluator_named_by_the_file_decides(store, folder, evaluator, scale, mean):
    plan = prepare(_package(folder, [1, 1], evaluator), store)
    assert next(iter(plan.runs.values())).score_scale == scale
    commit(plan, store)
    assert _rows(store, "SELECT avg(score) FROM niah_trials") == [(mean,)]


def test_zeros_and_ones_without_an_evaluator_is_a_required_choice(store):
    plan = prepare(_package("/n/run", [0, 1]), store)
    (key, run), = plan.runs.items()
    assert run.needs_scale and "Choose the scale" in run.inferred["score scale"]
    with pytest.raises(ScaleChoiceError):
        commit(plan, store)
    commit(plan, store, scales={key: "binary"})
    assert _rows(store, "SELECT score_scale FROM runs") == [("binary",)]
    assert _rows(store, "SELECT avg(score) FROM niah_trials") == [(0.5,)]
    assert json.loads(_rows(store, "SELECT config FROM runs")[0][0])["scale_override"]["guessed"] is None


def test_ambiguous_run_on_the_command_line_needs_scale(tmp_path, store):
    from storage.ingest import ERROR, ingest_paths

    for src in _package("run", [0, 1]):
        (tmp_path / src.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / src.path).write_bytes(src.data)
    plan, written = ingest_paths([tmp_path / "run"], store)
    assert written == {} and {o.status for o in plan.files} == {ERROR} and "--scale" in plan.files[0].message
    plan, written = ingest_paths([tmp_path / "run"], store, scale="binary")
    assert len(written) == 1 and {o.status for o in plan.files} == {READY}


def test_override_applies_to_the_trials(store):
    plan = prepare(_package("/n/run", [1, 1, 1]), store)
    key = next(iter(plan.runs))
    commit(plan, store, scales={key: "binary"})
    assert _rows(store, "SELECT score_scale FROM runs") == [("binary",)]
    assert _rows(store, "SELECT avg(score) FROM niah_trials") == [(1.0,)]
