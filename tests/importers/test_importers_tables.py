"""Importers of table-like harness outputs: RULER, lm-evaluation-harness, HELMET, wide model x length CSV.

Expected values come from docs/result_formats.md (§6, §12, §13, §15, §17) or are
computed by hand from the files / fixtures below.
"""
from __future__ import annotations

import csv
import json

import pytest

from storage.importers import helmet, lm_eval, registry, ruler_pred, ruler_summary, wide_csv
from storage.importers.source import FormatError, SourceFile
from storage.ingest import READY, commit, ingest_paths, prepare
from tests.importers.conftest import FIXTURES

RULER_PRED = "HaoranDeng__RULER/scripts/benchmark_root/llama3.1-8b-chat/synthetic/4096/pred"
YARN = "jquesnelle__yarn/data"
NIAH8 = ["niah_single_1", "niah_single_2", "niah_single_3", "niah_multikey_1", "niah_multikey_2",
         "niah_multikey_3", "niah_multivalue", "niah_multiquery"]


def _src(path: str, text: str | bytes) -> SourceFile:
    return SourceFile(path, text.encode() if isinstance(text, str) else text)


# ----------------------------------------------------------------------------------------- RULER

def test_ruler_summary_and_submission_are_one_run_from_the_path(store, real_data):
    plan, written = ingest_paths([real_data / RULER_PRED], store)
    assert not plan.failed and len(written) == 1
    assert {o.format for o in plan.files} == {"ruler_summary", "ruler_submission"}
    cur = store.cursor()
    run = cur.execute("SELECT model, model_source, benchmark, score_scale, length_unit, config FROM runs").fetchone()
    assert run[:5] == ("llama3.1-8b-chat", "folder", "ruler", "pct_0_100", "tokens")
    config = json.loads(run[5])
    assert "folder" in config["inferred"]["model"] and config["max_seq_length"] == 4096
    assert any("cwe" in n for n in config["notes"])  # 12 of 13 tasks: not RULER's published average

    scores = dict(cur.execute("SELECT task, value_raw FROM task_scores").fetchall())
    assert len(scores) == 12 and "cwe" not in scores  # §6: cwe missing
    assert scores["vt"] == 4.88
    assert round(sum(scores.values()) / 12, 2) == 85.51  # §17
    assert sum(scores[t] for t in NIAH8) / 8 == pytest.approx(99.825)  # §17: 99.83
    assert cur.execute("SELECT count(*) FROM task_scores WHERE length_value = 4096 AND value = value_raw / 100").fetchone()[0] == 12
    extra = json.loads(cur.execute("SELECT extra FROM task_scores WHERE task = 'qa_1'").fetchone()[0])
    assert extra["empty_predictions"] == 0 and extra["metric_fn"] == "string_match_part"

    # Nulls denominators equal the per-task row counts of submission.csv (§17), 6,000 rows
    assert cur.execute("SELECT count(*) FROM samples").fetchone()[0] == 6000
    mismatched = cur.execute("""
        SELECT count(*) FROM task_scores t
        JOIN (SELECT task, count(*) AS n FROM samples GROUP BY task) s USING (task)
        WHERE t.n_samples <> s.n OR t.n_samples <> 500""").fetchone()[0]
    assert mismatched == 0
    # (Task, ID) is not a key (536 duplicated pairs, §6); (task, row_index) is
    dup_pairs = cur.execute("SELECT count(*) FROM (SELECT task, sample_id FROM samples GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
    assert dup_pairs == 536
    assert cur.execute("SELECT count(DISTINCT (task, row_index)) FROM samples").fetchone()[0] == 6000
    first = cur.execute("SELECT sample_id, prediction, score FROM samples WHERE task = 'niah_single_1' AND row_index = 0").fetchone()
    assert first == ("2407", "The special magic number for capable-percent is 7374122.", None)


def test_ruler_multiline_prediction_kept(store, real_data):
    rows = list(csv.reader(open(real_data / RULER_PRED / "submission.csv", newline="")))
    multi = [(r[0], r[2]) for r in rows[1:] if "\n" in r[2]]
    assert len(multi) == 1997  # counted with the csv module
    ingest_paths([real_data / RULER_PRED / "submission.csv"], store, model="m")
    n = store.cursor().execute("SELECT count(*) FROM samples WHERE contains(prediction, chr(10))").fetchone()[0]
    assert n == 1997


SUMMARY_VT = "0,1\nTasks,vt\nScore,61.25\nNulls,3/400\n"


def test_ruler_single_task_summary_and_path_without_layout(store):
    [p] = ruler_summary.parse(_src("bench/mistral-7b/synthetic/8192/pred/summary-vt.csv", SUMMARY_VT))
    row = p.task_scores.iloc[0]
    assert (p.model, row.task, row.value_raw, row.n_samples, row.length_value) == ("mistral-7b", "vt", 61.25, 400, 8192)
    assert row.extra["empty_predictions"] == 3

    [q] = ruler_summary.parse(_src("downloads/summary-vt.csv", SUMMARY_VT))
    assert q.model is None and q.model_source is None
    assert q.task_scores.length_value.isna().all() and q.task_scores.length_label.isna().all()
    assert "'pred' folder" in q.notes[0] and "name it" in q.notes[0]
    plan = prepare([_src("downloads/summary-vt.csv", SUMMARY_VT)], store)
    assert plan.runs[q.run_key].needs_model


@pytest.mark.parametrize("text, where", [
    ("0,1\nTasks,vt\nNulls,0/500\n", "row 'Score'"),
    ("0,1\nTasks,vt\nScore,high\nNulls,0/500\n", "line 3, task 'vt'"),
    ("0,1\nTasks,vt\nScore,50.0\nNulls,none\n", "line 4, task 'vt'"),
    ("0,1\nTasks,vt\nScore,50.0,1\nNulls,0/5\n", "line 3"),
    ("x,y\nTasks,vt\nScore,50.0\nNulls,0/5\n", "line 1"),
])
def test_ruler_summary_malformed_names_file_and_place(text, where):
    path = "m/synthetic/4096/pred/summary.csv"
    with pytest.raises(FormatError) as exc:
        ruler_summary.parse(_src(path, text))
    assert exc.value.file == path and where in str(exc.value)


def _ruler_line(index, pred, outputs, length=3900):
    return json.dumps({"index": index, "pred": pred, "input": "<haystack> ... question", "outputs": outputs,
                       "others": {"id": 7000 + index}, "truncation": -1, "length": length})


def test_ruler_task_jsonl_scored_with_ruler_rules(store):
    folder = "root/llama/synthetic/4096/pred"
    multivalue = "\n".join([
        _ruler_line(0, "The values are 1234, 5678, 9012 and 3456.", ["1234", "5678", "9012", "3456"]),
        _ruler_line(1, "  1234 and 9999\x07", ["1234", "5678", "9012", "3456"]),  # 1 of 4 found
        _ruler_line(2, "", ["1234"]),
    ])
    qa = "\n".join([
        _ruler_line(0, "It is PARIS.", ["Paris", "Paris, France"]),  # part: any reference -> 100
        _ruler_line(1, "London", ["Paris"]),
    ])
    src_mv = _src(f"{folder}/niah_multivalue.jsonl", multivalue)
    src_qa = _src(f"{folder}/qa_1.jsonl", qa)
    assert registry.detect(src_mv) is ruler_pred and registry.detect(src_qa) is ruler_pred
    [p] = ruler_pred.parse(src_mv)
    assert list(p.samples.score_raw) == [100.0, 25.0, 0.0]
    assert list(p.samples.sample_id) == ["7000", "7001", "7002"] and set(p.samples.length_value) == {3900}
    assert p.samples.scorer[0] == "RULER string_match_all x100"
    [q] = ruler_pred.parse(src_qa)
    assert list(q.samples.score_raw) == [100.0, 0.0] and q.samples.scorer[0] == "RULER string_match_part x100"
    # the same pred/ folder as summary.csv: one run
    summary = _src(f"{folder}/summary.csv", "0,1\nTasks,qa_1\nScore,50.0\nNulls,0/2\n")
    plan = prepare([src_mv, src_qa, summary], store)
    assert len(plan.runs) == 1
    commit(plan, store)
    got = store.cursor().execute("SELECT avg(score) FROM samples WHERE task = 'qa_1'").fetchone()[0]
    assert got == 0.5  # equals the summary's 50.0 / 100


def test_ruler_jsonl_bad_line_is_named():
    bad = _ruler_line(0, "a", ["a"]) + "\n" + json.dumps({"index": 1, "pred": 5, "outputs": ["a"]})
    with pytest.raises(FormatError, match=r"line 2, field 'pred'"):
        ruler_pred.parse(_src("x/niah_single_1.jsonl", bad))


# ------------------------------------------------------------------------- lm-evaluation-harness

def test_lm_eval_v03_yarn_mistral_values(store, real_data):
    files = [real_data / YARN / f"Yarn-Mistral-7b-64k-{t}.json" for t in ("arc", "hellaswag", "mmlu", "truthfulqa")]
    plan, written = ingest_paths(files, store)
    assert not plan.failed and len(written) == 1  # one model, one folder: one run
    cur = store.cursor()
    assert cur.execute("SELECT model, model_source, score_scale FROM runs").fetchone() == (
        "NousResearch/Yarn-Mistral-7b-64k", "field", "frac_0_1")

    def value(task, metric):
        return cur.execute("SELECT value_raw FROM task_scores WHERE task = ? AND metric = ?", [task, metric]).fetchone()[0]

    assert round(value("arc_challenge", "acc_norm") * 100, 2) == 59.39  # §17
    assert round(value("hellaswag", "acc_norm") * 100, 2) == 81.22
    assert round(value("truthfulqa_mc", "mc2") * 100, 2) == 42.51
    n, mmlu = cur.execute("SELECT count(*), avg(value_raw) FROM task_scores "
                          "WHERE task LIKE 'hendrycksTest-%' AND metric = 'acc'").fetchone()
    assert n == 57 and round(mmlu * 100, 2) == 61.32
    # stderr is not a metric of its own, but kept
    assert cur.execute("SELECT count(*) FROM task_scores WHERE metric LIKE '%stderr%'").fetchone()[0] == 0
    extra = json.loads(cur.execute("SELECT extra FROM task_scores WHERE task = 'arc_challenge' AND metric = 'acc_norm'").fetchone()[0])
    raw = json.load(open(files[0]))
    assert extra["stderr"] == raw["results"]["arc_challenge"]["acc_norm_stderr"] and extra["n_shot"] == 25


def test_lm_eval_v03_model_differs_from_file_name(real_data):
    path = real_data / YARN / "Yarn-Llama-2-7b-64k-arc.json"
    [p] = lm_eval.parse(SourceFile(str(path), path.read_bytes()))
    assert p.model == "NousResearch/LLaMA-2-7B-YaRN-64K" and p.model_source == "field"
    assert "pretrained=" in p.inferred["model"] and "Yarn-Llama-2-7b-64k-arc.json" in p.inferred["model"]


#: a hand-written lm-eval v0.4 results file (ruler lengths as metric names, -1 = not run)
V04 = json.loads((FIXTURES / "lm_eval/v0.4/meta-llama__Llama-3.1-8B-Instruct/results_2024-12-01T10-00-00.json").read_text())


def test_lm_eval_v04_ruler_lengths_skip_not_run():
    src = _src("out/meta-llama__Llama-3.1-8B-Instruct/results_2024-12-01T10-00-00.json", json.dumps(V04))
    assert registry.detect(src) is lm_eval
    [p] = lm_eval.parse(src)
    s = p.task_scores
    assert p.model == "meta-llama/Llama-3.1-8B-Instruct" and p.length_unit == "tokens"
    assert (s.value_raw == -1).sum() == 0 and "2 length metric(s) reported -1" in p.notes[0]  # ruler and niah_single_1 at 8192
    ruler = s[s.length_value.notna()].set_index(["task", "length_value"]).value_raw.to_dict()
    assert ruler == {("ruler", 4096): 0.9, ("niah_single_1", 4096): 1.0,
                     ("ruler_qa_squad", 4096): 0.8, ("ruler_qa_squad", 8192): 0.7}
    assert set(s.metric[s.length_value.notna()]) == {"score"}
    hot = s[s.task == "longbench_hotpotqa"].set_index("metric")
    assert hot.value_raw.to_dict() == {"score": 0.4125, "qa_f1_score": 0.4125}
    assert hot.extra["score"]["stderr"] == 0.021 and hot.n_samples["score"] == 200
    assert set(s.scale) == {"frac_0_1"}
    assert s[s.task == "ruler"].extra.iloc[0]["group"] is True


def test_lm_eval_v04_non_numeric_metric_is_named():
    bad = json.loads(json.dumps(V04))
    bad["results"]["longbench_hotpotqa"]["score,none"] = "0.41"
    with pytest.raises(FormatError) as exc:
        lm_eval.parse(_src("results_x.json", json.dumps(bad)))
    assert exc.value.file == "results_x.json" and "results.longbench_hotpotqa.score,none" in str(exc.value)


# ------------------------------------------------------------------------------------------ HELMET

HELMET_NAME = "json_kv_eval_test_k185_dep6_in32768_size100_shots2_sampFalsemax100min0t0.0p1.0_chatFalse_42.json"


def _helmet_output() -> dict:
    """A HELMET eval.py output for 3 JSON-KV samples (2 correct), written by hand (the committed fixture)."""
    return json.loads((FIXTURES / "helmet/output/Llama-3.1-8B-Instruct" / HELMET_NAME).read_text())


def test_helmet_output_and_score_file():
    out = _helmet_output()
    full = _src(f"output/Llama-3.1-8B-Instruct/{HELMET_NAME}", json.dumps(out, indent=4))
    score = _src(f"output/Llama-3.1-8B-Instruct/{HELMET_NAME}.score", json.dumps(out["averaged_metrics"], indent=4))
    assert registry.detect(full) is helmet and registry.detect(score) is helmet
    [p] = helmet.parse(full)
    s = p.task_scores
    assert list(s.metric) == ["substring_exact_match"]  # *_len keys are not scores
    assert s.value_raw[0] == pytest.approx(66.6667, abs=1e-4) and s.scale[0] == "pct_0_100"
    assert (s.task[0], s.length_value[0], s.n_samples[0]) == ("json_kv", 32768, 3)
    assert s.extra[0]["mean_input_len"] == pytest.approx(32610.33, abs=0.01)
    assert (p.model, p.model_source, p.length_unit) == ("meta-llama/Llama-3.1-8B-Instruct", "field", "tokens")
    assert list(p.samples.score_raw) == [1.0, 0.0, 1.0] and list(p.samples.length_value) == [32601, 32640, 32590]
    assert p.samples.reference[1] == ["v-b2"]

    [q] = helmet.parse(score)
    assert (q.model, q.model_source) == ("Llama-3.1-8B-Instruct", "folder")
    t = q.task_scores
    assert (t.task[0], t.length_value[0], t.metric[0]) == ("json_kv", 32768, "substring_exact_match")
    assert t.value_raw[0] == pytest.approx(200 / 3) and q.samples is None
    assert "file name" in q.inferred["task"]


def test_helmet_bad_inputs_named():
    out = _helmet_output()
    out["averaged_metrics"]["substring_exact_match"] = "n/a"
    with pytest.raises(FormatError, match="averaged_metrics.substring_exact_match"):
        helmet.parse(_src(f"o/m/{HELMET_NAME}", json.dumps(out)))
    out = _helmet_output()
    out["args"]["input_max_length"] = 65536
    with pytest.raises(FormatError, match=r"args.input_max_length"):
        helmet.parse(_src(f"o/m/{HELMET_NAME}", json.dumps(out)))
    with pytest.raises(FormatError, match="file name"):
        helmet.parse(_src("o/m/json_kv.json.score", "{}"))


# ----------------------------------------------------------------------- wide model x length CSV

def test_wide_csv_one_run_per_model_row(store, real_data):
    path = real_data / YARN / "proofpile-long-small.csv"
    rows = list(csv.reader(open(path, newline="")))
    lengths = [int(x) for x in rows[0][1:]]
    plan, written = ingest_paths([path], store)
    assert not plan.failed and len(written) == len(rows) - 1 == 7
    cur = store.cursor()
    # one cell read by hand: LLaMA-2-7B-32K at the last length (perplexity explodes past its window)
    together = next(r for r in rows if r[0] == "togethercomputer/LLaMA-2-7B-32K")
    got = cur.execute("""SELECT t.value_raw, t.scale, t.metric, r.length_unit FROM task_scores t JOIN runs r USING (run_id)
                         WHERE r.model = 'togethercomputer/LLaMA-2-7B-32K' AND t.length_value = ?""", [lengths[-1]]).fetchone()
    assert got == (float(together[-1]), "perplexity", "perplexity", "tokens") and got[0] > 1000
    # the empty cells of the Yarn-Llama-2-7b-64k row are gaps, not values
    yarn64 = next(r for r in rows if r[0] == "NousResearch/Yarn-Llama-2-7b-64k")
    n = cur.execute("SELECT count(*) FROM task_scores JOIN runs USING (run_id) WHERE model = ?", [yarn64[0]]).fetchone()[0]
    assert n == sum(1 for c in yarn64[1:] if c.strip()) == 59
    assert cur.execute("SELECT count(*) FROM task_scores WHERE value = value_raw").fetchone()[0] == 64 * 6 + 59


def test_wide_csv_short_rows_make_no_values(real_data):
    path = real_data / YARN / "proofpile-long-small-solar.csv"
    rows = list(csv.reader(open(path, newline="")))
    parsed = {p.model: p.task_scores for p in wide_csv.parse(SourceFile(str(path), path.read_bytes()))}
    assert len(parsed) == 6
    solar = parsed["upstage/SOLAR-10.7B-v1.0"]
    row = next(r for r in rows if r[0] == "upstage/SOLAR-10.7B-v1.0")
    assert len(row) == 32 and len(solar) == 31  # 31 values: 2048 .. 31 * 2048 tokens
    assert solar.length_value.max() == 31 * 2048 and solar.value_raw.iloc[-1] == float(row[-1])
    assert all(len(df) == 31 for m, df in parsed.items() if "Solar" in m or "SOLAR" in m)
    assert parsed["Yarn-Mistral-7b-64k"].length_value.max() == 131072


@pytest.mark.parametrize("name, text, where", [
    ("passkey-x.csv", ",1024,2048\nm1,1.0,abc\n", "line 2, length 2048"),
    ("passkey-x.csv", ",1024,2048\nm1,1.0,0.5,0.2\n", "line 2"),
    ("results.csv", ",1024,2048\nm1,1.0,0.5\n", "file name"),
])
def test_wide_csv_malformed_named(name, text, where):
    with pytest.raises(FormatError) as exc:
        wide_csv.parse(_src(name, text))
    assert exc.value.file == name and where in str(exc.value)


def test_wide_csv_passkey_is_accuracy():
    [p] = wide_csv.parse(_src("passkey-yarn.csv", ",4096,8192\nNousResearch/Yarn-Mistral-7b-64k,1.0,\n"))
    assert (p.score_scale, p.benchmark, len(p.task_scores), p.task_scores.metric[0]) == ("frac_0_1", "passkey", 1, "accuracy")


# --------------------------------------------------------------- files that repeat a file beside them

def test_helmet_score_beside_its_output_is_not_stored_twice(store, tmp_path):
    folder = tmp_path / "output" / "Llama-3.1-8B-Instruct"
    folder.mkdir(parents=True)
    out = _helmet_output()
    (folder / HELMET_NAME).write_text(json.dumps(out))
    (folder / f"{HELMET_NAME}.score").write_text(json.dumps(out["averaged_metrics"]))
    plan, written = ingest_paths([tmp_path / "output"], store)
    assert len(written) == 1 and not plan.failed
    assert [o.status for o in plan.files if o.path.endswith(".score")] == ["skipped"]
    assert store.cursor().execute("SELECT count(*) FROM task_scores").fetchone()[0] == 1

    # a .score file alone (the big output deleted) is read; its model is its folder's name
    solo = tmp_path / "solo" / "Qwen2.5-7B-Instruct"
    solo.mkdir(parents=True)
    (solo / f"{HELMET_NAME}.score").write_text(json.dumps(out["averaged_metrics"]))
    plan, written = ingest_paths([solo / f"{HELMET_NAME}.score"], store)
    assert [o.status for o in plan.files] == ["ready"] and len(written) == 1
    run = store.cursor().execute("SELECT model, model_source FROM runs WHERE run_id = ?", [written.popitem()[1]]).fetchone()
    assert run == ("Qwen2.5-7B-Instruct", "folder")


def test_ruler_submission_beside_task_jsonl_is_skipped(store, tmp_path, real_data):
    pred = tmp_path / "llama" / "synthetic" / "4096" / "pred"
    pred.mkdir(parents=True)
    (pred / "qa_1.jsonl").write_text(_ruler_line(0, "Paris", ["Paris"]) + "\n" + _ruler_line(1, "Rome", ["Paris"]))
    (pred / "submission.csv").write_text("Task,ID,Prediction\nqa_1,7000,Paris\nqa_1,7001,Rome\n")
    (pred / "summary-qa_1.csv").write_text("0,1\nTasks,qa_1\nScore,50.0\nNulls,0/2\n")
    plan, written = ingest_paths([tmp_path], store)
    assert len(written) == 1 and not plan.failed
    assert [o.status for o in plan.files if o.path.endswith("submission.csv")] == ["skipped"]
    cur = store.cursor()
    assert cur.execute("SELECT count(*), avg(score_raw) FROM samples").fetchone() == (2, 50.0)
    assert cur.execute("SELECT value_raw, n_samples FROM task_scores").fetchone() == (50.0, 2)


def test_whole_yarn_folder_in_one_batch(store, real_data):
    plan, written = ingest_paths([real_data / YARN], store)
    assert not plan.failed and sum(o.status == READY for o in plan.files) == 20
    cur = store.cursor()
    runs = dict(cur.execute("SELECT harness, count(*) FROM runs GROUP BY 1").fetchall())
    # 4 models in the lm-eval files; 3 + 4 + 6 + 7 model rows in the 4 CSVs
    assert runs == {"lm_eval": 4, "wide_model_length_csv": 20}
    # per model: arc 2 + hellaswag 2 + 57 MMLU subjects x 2 + truthfulqa 2 metrics
    per_run = cur.execute("""SELECT DISTINCT count(*) FROM task_scores JOIN runs USING (run_id)
                             WHERE harness = 'lm_eval' GROUP BY run_id""").fetchall()
    assert per_run == [(120,)]
