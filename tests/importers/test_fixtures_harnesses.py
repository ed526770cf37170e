"""Harness importers on their committed fixtures (no ../shared needed): RULER, LongBench v1/E/v2,
BABILong, InfiniteBench, L-Eval, lm-evaluation-harness, HELMET, wide model x length CSVs.

Every expected number is computed by hand from the fixture lines (tests/importers/fixtures/, see
SOURCE.md), or read from the fixture where the harness wrote it.
"""
from __future__ import annotations

import json

import pytest

from storage.importers import babilong
from storage.importers.source import FormatError, SourceFile


def _scores(store, run_id: int | None = None, metric: str | None = None) -> dict:
    sql, args = "SELECT task, length_label, value_raw FROM task_scores WHERE true", []
    if run_id is not None:
        sql, args = sql + " AND run_id = ?", [run_id]
    if metric is not None:
        sql, args = sql + " AND metric = ?", [*args, metric]
    return {(t, lab): v for t, lab, v in store.cursor().execute(sql, args).fetchall()}


def _run(store, **where) -> tuple[int, dict]:
    cond = " AND ".join(f"{k} = ?" for k in where)
    run_id, config = store.cursor().execute(f"SELECT run_id, config FROM runs WHERE {cond}", list(where.values())).fetchone()
    return run_id, json.loads(config)


def test_ruler_summary_and_submission_one_run_from_the_path(store, ingest_fixture):
    _, written = ingest_fixture("ruler")
    (run_id,) = written.values()
    cur = store.cursor()
    assert cur.execute("SELECT model, benchmark, length_unit FROM runs").fetchone() == ("llama3.1-8b-chat", "ruler", "tokens")
    scores = {t: v for (t, _), v in _scores(store).items()}
    assert len(scores) == 12 and "cwe" not in scores and scores["vt"] == 4.88
    assert sum(scores.values()) / 12 == pytest.approx(1026.08 / 12)  # the 12 Score cells of summary.csv
    samples = cur.execute("SELECT task, sample_id FROM samples ORDER BY task, row_index").fetchall()
    assert [t for t, _ in samples] == ["niah_single_1", "niah_single_1", "qa_2", "qa_2"]
    assert samples[0][1] == "2407"
    assert cur.execute("SELECT DISTINCT length_value FROM task_scores").fetchall() == [(4096,)]


def test_ruler_task_jsonl_scored_with_ruler_rules(store, ingest_fixture):
    _, written = ingest_fixture("ruler_pred")
    (run_id,) = written.values()
    got = store.cursor().execute("SELECT task, row_index, score_raw FROM samples ORDER BY 1, 2").fetchall()
    # string_match_all: 4 of 4, 1 of 4, 0 of 1 values; string_match_part: any reference in the prediction
    assert got == [("niah_multivalue", 0, 100.0), ("niah_multivalue", 1, 25.0), ("niah_multivalue", 2, 0.0),
                   ("qa_1", 0, 100.0), ("qa_1", 1, 0.0)]


def test_longbench_v1_result_and_predictions_one_run(store, ingest_fixture):
    _, written = ingest_fixture("longbench")
    assert len(written) == 2  # llama2-7b-chat-4k (result + predictions) and qwen3-8b (result only)
    run_id, config = _run(store, model="llama2-7b-chat-4k")
    assert config["scorers"]["passage_count"] == "longbench.count"
    result = dict(store.cursor().execute(
        "SELECT task, value_raw FROM task_scores WHERE run_id = ? AND metric NOT LIKE '%_recomputed'", [run_id]).fetchall())
    assert len(result) == 21 and result["passage_count"] == 2.95 and result["trec"] == 64.5  # as in result.json
    rec = dict(store.cursor().execute(
        "SELECT task, value_raw FROM task_scores WHERE run_id = ? AND metric LIKE '%_recomputed'", [run_id]).fetchall())
    # passage_count: 0 (no 8 among 4,1,2,3,4), 1/3 (two 5s among 5,1,3,5,14,17), 1 (40) -> 100 x 4/9
    assert rec["passage_count"] == pytest.approx(400 / 9)
    # passage_retrieval_en: 20 vs 15 -> 0; 1 vs 1 -> 1; 29 vs 29 -> 1 -> 100 x 2/3
    assert rec["passage_retrieval_en"] == pytest.approx(200 / 3)
    assert len(_scores(store, _run(store, model="qwen3-8b")[0])) == 21


def test_longbench_e_buckets_and_nan(store, ingest_fixture):
    _, written = ingest_fixture("longbench_e")
    run_id, config = _run(store, model="llama_2")
    assert [_scores(store, run_id, "qa_f1")[("hotpotqa", b)] for b in ("0-4k", "4-8k", "8k+")] == [31.28, 25.31, 22.36]
    assert ("multi_news", "4-8k") not in _scores(store, run_id, "rouge_l")  # bare NaN in result.json
    rec = _scores(store, run_id, "qa_f1_recomputed")
    # 0-4k: Jining vs Yanzhou; 4-8k: Osteomeles vs Medinilla, two exact answers; 8k+: a wrong name
    assert rec == {("hotpotqa", "0-4k"): 0.0, ("hotpotqa", "4-8k"): pytest.approx(200 / 3), ("hotpotqa", "8k+"): 0.0}


def test_longbench_v2_accuracy_groups(store, ingest_fixture):
    ingest_fixture("longbench_v2")
    run_id, config = _run(store, benchmark="longbench_v2")
    got = {k: round(v, 2) for k, v in _scores(store, run_id, "accuracy").items()}
    # judge: hard/short True, hard/medium False, easy/medium False, hard/short True, easy/short null -> False
    assert got == {("all", None): 40.0, ("difficulty=easy", None): 0.0, ("difficulty=hard", None): 66.67,
                   ("all", "short"): 66.67, ("all", "medium"): 0.0}
    assert store.cursor().execute(
        "SELECT count(*) FILTER (extra->>'pred' IS NULL) FROM samples WHERE run_id = ?", [run_id]).fetchone()[0] == 1


def test_babilong_both_namings(store, ingest_fixture):
    _, written = ingest_fixture("babilong")
    assert len(written) == 2  # one run per prompt setting
    old, cfg_old = _run(store, model="openai/gpt-4-0125-preview", run_key=next(k for k in written if k.endswith("_yes")))
    new, cfg_new = _run(store, run_key=next(k for k in written if k.endswith("chat_template_no")))
    # qa2 0k: kitchen, garden right; "bathroom" for bedroom wrong; kitchen right -> 3 of 4
    assert _scores(store, old, "accuracy") == {("qa2", "0k"): 75.0}
    assert cfg_old["prompts"]["qa2"]["generate_kwargs"] and any(n.startswith("qa8:") for n in cfg_old["notes"])
    assert _scores(store, new, "accuracy") == {("qa1", "1k"): 100.0}
    assert cfg_new["prompt_config"] == "instruction_yes_examples_yes_post_prompt_yes_chat_template_no"


def test_babilong_file_name_error_shows_the_pattern_as_code():
    src = SourceFile("babilong_evals/o/m/qa1_4k_chat.csv", b",target,output,question\n0,a,a,q\n")
    with pytest.raises(FormatError) as exc:
        babilong.parse(src)
    msg = str(exc.value)
    assert "`<task>_<length>_instruction_{yes|no}_examples_{yes|no}_post_prompt_{yes|no}" in msg
    assert "[_chat_template_{yes|no}][_system_prompt_{yes|no}]`" in msg


@pytest.mark.parametrize("stem", ["qa1_4k_instruction_no_examples_no_post_prompt_no",
                                  "qa1_4k_instruction_yes_examples_yes_post_prompt_yes_chat_template_yes",
                                  "qa1_4k_instruction_yes_examples_no_post_prompt_yes_chat_template_no_system_prompt_yes"])
def test_babilong_stems_of_every_script_version(stem):
    assert babilong.STEM_RE.match(stem).group("cfg") == stem.split("_", 2)[2]


def test_infinitebench_scores(store, ingest_fixture):
    ingest_fixture("infinitebench")
    gpt4, _ = _run(store, benchmark="infinitebench", model="gpt4")
    assert {t: v for (t, _), v in _scores(store, gpt4, "accuracy").items()} == {
        "passkey": 100.0, "kv_retrieval": 50.0, "math_find": 50.0}  # 2/2; a wrong key; 98 for 97
    yarn, _ = _run(store, benchmark="infinitebench", model="yarn-mistral")
    # pred/label keys; only "C. Snowfield" (label C) is right
    assert _scores(store, yarn, "accuracy")[("longbook_choice_eng", None)] == pytest.approx(100 / 3)


def test_leval_exam_scores(store, ingest_fixture):
    ingest_fixture("leval_exam")
    run_id, config = _run(store, benchmark="leval")
    em = {t: v for (t, _), v in _scores(store, run_id, "exact_match").items()}
    assert em["quality"] == pytest.approx(200 / 3)  # B = B, C for A, D = D
    assert em["coursera"] == pytest.approx(62.5)  # AB = AB (1), A of AB (0.25)
    assert config["prediction_keys"]["quality"] == "my-model_pred"
    assert store.cursor().execute("SELECT model FROM runs").fetchone()[0] == "my-model"


def test_lm_eval_v03_and_v04(store, ingest_fixture):
    _, written = ingest_fixture("lm_eval")
    assert len(written) == 2
    yarn, _ = _run(store, model="NousResearch/Yarn-Mistral-7b-64k")
    v03 = {(t, m): v for t, m, v in store.cursor().execute(
        "SELECT task, metric, value_raw FROM task_scores WHERE run_id = ?", [yarn]).fetchall()}
    assert v03 == {("arc_challenge", "acc"): 0.5648464163822525, ("arc_challenge", "acc_norm"): 0.5938566552901023,
                   ("truthfulqa_mc", "mc1"): 0.2766217870257038, ("truthfulqa_mc", "mc2"): 0.42507003020142764}
    llama, config = _run(store, model="meta-llama/Llama-3.1-8B-Instruct")
    rows = store.cursor().execute(
        "SELECT task, length_value, value_raw FROM task_scores WHERE run_id = ? AND length_value IS NOT NULL ORDER BY 1, 2",
        [llama]).fetchall()
    # the -1 of lengths that were not run are left out
    assert rows == [("niah_single_1", 4096, 1.0), ("ruler", 4096, 0.9), ("ruler_qa_squad", 4096, 0.8),
                    ("ruler_qa_squad", 8192, 0.7)]
    assert any("2 length metric(s) reported -1" in n for n in config["notes"])


def test_helmet_output_and_lone_score_file(store, ingest_fixture):
    _, written = ingest_fixture("helmet")
    assert len(written) == 2
    out, _ = _run(store, model="meta-llama/Llama-3.1-8B-Instruct")
    assert store.cursor().execute(
        "SELECT task, length_value, metric, value_raw, n_samples FROM task_scores WHERE run_id = ?", [out]).fetchone() == (
        "json_kv", 32768, "substring_exact_match", pytest.approx(200 / 3), 3)
    assert store.cursor().execute("SELECT list(score_raw ORDER BY row_index) FROM samples WHERE run_id = ?",
                                  [out]).fetchone()[0] == [1.0, 0.0, 1.0]
    score, _ = _run(store, model="Qwen2.5-7B-Instruct", model_source="folder")
    assert _scores(store, score) == {("json_kv", "32768"): 50.0}  # task and length from the file name


def test_wide_csvs_proofpile_passkey_govreport(store, ingest_fixture):
    ingest_fixture("wide_model_length_csv")
    cur = store.cursor()
    by_bench = dict(cur.execute("SELECT benchmark, count(*) FROM runs GROUP BY 1").fetchall())
    assert by_bench == {"proofpile": 3, "passkey": 4, "govreport": 7}

    def value(model, bench, length):
        return cur.execute("""SELECT t.value_raw, t.scale FROM task_scores t JOIN runs r USING (run_id)
                              WHERE r.model = ? AND r.benchmark = ? AND t.length_value = ?""", [model, bench, length]).fetchone()

    assert value("conceptofmind/LLongMA-2-7b", "proofpile", 16384) == (102.7402114868164, "perplexity")
    assert value("emozilla/NTK-Llama-7b-32k", "passkey", 32768) == (0.0, "frac_0_1")  # a real 0, stored
    assert value("NousResearch/Yarn-Llama-2-13b-64k", "govreport", 32768) == (3.35193944, "perplexity")
    assert cur.execute("SELECT count(*) FROM task_scores JOIN runs USING (run_id) WHERE benchmark = 'govreport'"
                       ).fetchone()[0] == 7
