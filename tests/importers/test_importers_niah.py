"""NIAH importers F2-F5 and the generic tidy format: real files reproduce docs/result_formats.md §17."""
from __future__ import annotations

import json

import pytest

from storage.importers import registry
from storage.importers.source import FormatError, SourceFile
from storage.ingest import ERROR, READY, ingest_paths, prepare

NIAH = "gkamradt__LLMTest_NeedleInAHaystack"
GPT4_AGG = f"{NIAH}/original_results/OpenAI_Original_Results/OpenAI_OriginalResults.json"
SONNET = "MubarakHAlketbi__LLMTest_NeedleInAHaystack/original_results/test_1"
GEMMA = "TushaarGVS__LLMTest_NeedleInAHaystack/original_results"
MULTI = f"{NIAH}/viz/multi-needle-datasets/gpt4_retrieval.csv"


def run_stats(store, run_id):
    """(trials, mean raw score, distinct lengths, distinct depths, max trial index) of a run."""
    return store.cursor().execute(
        """SELECT count(*), avg(score_raw), count(DISTINCT context_length), count(DISTINCT depth_percent), max(trial)
           FROM niah_trials WHERE run_id = ?""", [run_id]).fetchone()


def run_row(store, run_id):
    return store.cursor().execute(
        "SELECT model, model_source, score_scale, evaluator, config FROM runs WHERE run_id = ?", [run_id]).fetchone()


def error_of(path: str, data: bytes, store) -> str:
    """The ingest error message for one in-memory file (asserts it failed)."""
    plan = prepare([SourceFile(path, data)], store)
    assert plan.files[0].status == ERROR, plan.files[0].message
    return plan.files[0].message


# ---- F2: aggregated list ---------------------------------------------------------------------

def test_f2_gpt4_aggregated_needs_a_model_and_reproduces_mean(store, real_data):
    plan, written = ingest_paths([real_data / GPT4_AGG], store)
    assert written == {} and plan.files[0].status == ERROR and "--model" in plan.files[0].message
    plan, written = ingest_paths([real_data / GPT4_AGG], store, model="gpt-4-1106-preview")
    (run_id,) = written.values()
    n, mean, n_len, n_depth, max_trial = run_stats(store, run_id)
    assert (n, n_len, n_depth, max_trial) == (225, 15, 15, 0)
    assert round(mean, 2) == 9.44  # docs/result_formats.md §17
    model, source, scale, _, _ = run_row(store, run_id)
    assert (model, source, scale) == ("gpt-4-1106-preview", "user", "judge_1_10")


@pytest.mark.parametrize("item, field", [
    ({"depth_percent": 0, "score": 10}, "token_limit"),
    ({"token_limit": "1k", "depth_percent": 0, "score": 10}, "token_limit"),
    ({"token_limit": 1000, "depth_percent": 0, "score": 11}, "score"),
])
def test_f2_malformed_item_names_file_item_and_field(store, item, field):
    data = json.dumps([{"token_limit": 1000, "depth_percent": 0, "score": 10}, item]).encode()
    msg = error_of("agg.json", data, store)
    assert msg.startswith("agg.json") and f"item 2, field '{field}'" in msg


# ---- F3: JSON list of per-test objects (no real file: hand-made fixture) ------------------------

def f3_test(length, depth, score, version):
    return {"model": "rag-pipeline", "context_length": length, "depth_percent": depth, "version": version,
            "needle": "n", "model_response": "r", "score": score}


def test_f3_versions_in_one_file_are_trials_of_one_run(store):
    tests = [f3_test(1000, 0, 10, 1), f3_test(1000, 50, 1, 1), f3_test(1000, 0, 7, 2), f3_test(1000, 50, 3, 2)]
    src = SourceFile("runs/list.json", json.dumps(tests).encode())
    assert registry.detect(src).FORMAT == "niah_list"
    plan = prepare([src], store)
    from storage.ingest import commit
    (run_id,) = commit(plan, store).values()
    n, mean, n_len, n_depth, max_trial = run_stats(store, run_id)
    assert (n, n_len, n_depth, max_trial) == (4, 1, 2, 1)
    assert mean == (10 + 1 + 7 + 3) / 4
    # version 2 is the second trial of each cell; judge 1-10 normalised as (raw - 1) / 9
    rows = store.cursor().execute(
        "SELECT depth_percent, trial, score_raw, score FROM niah_trials WHERE version = 2 ORDER BY 1").fetchall()
    assert rows == [(0.0, 1, 7.0, 6 / 9), (50.0, 1, 3.0, 2 / 9)]
    assert run_row(store, run_id)[:2] == ("rag-pipeline", "field")


@pytest.mark.parametrize("change, field", [
    ({"model": ""}, "model"),
    ({"depth_percent": "half"}, "depth_percent"),
    ({"context_length": None}, "context_length"),
])
def test_f3_malformed_item_names_file_item_and_field(store, change, field):
    tests = [f3_test(1000, 0, 10, 1), {**f3_test(1000, 50, 1, 1), **change}]
    msg = error_of("list.json", json.dumps(tests).encode(), store)
    assert msg.startswith("list.json") and f"item 2, field '{field}'" in msg


def test_f3_missing_score_names_item_and_field(store):
    tests = [f3_test(1000, 0, 10, 1), {k: v for k, v in f3_test(1000, 50, 1, 1).items() if k != "score"}]
    msg = error_of("list.json", json.dumps(tests).encode(), store)
    assert "item 2, field 'score'" in msg and "required" in msg.lower()


# ---- F4: needlehaystack package per-test JSON ---------------------------------------------------

def test_f4_claude35_sonnet_run(store, real_data):
    plan, written = ingest_paths([real_data / SONNET], store)
    assert not plan.failed and sum(o.status == READY for o in plan.files) == 552
    (run_id,) = written.values()
    n, mean, n_len, n_depth, max_trial = run_stats(store, run_id)
    assert (n, n_len, n_depth, max_trial) == (552, 23, 24, 0)
    assert round(mean, 2) == 3.35  # docs/result_formats.md §17
    assert store.cursor().execute(
        "SELECT avg(score_raw) FROM niah_trials WHERE context_length = 4096").fetchone()[0] == 10.0  # §4
    model, source, scale, _, config = run_row(store, run_id)
    assert (model, source, scale) == ("claude-3-5-sonnet-20240620", "field", "judge_1_10")
    # the package's "%Y-%m-%d %H:%M:%S%z" timestamp is stored as ISO-8601 per trial
    extra = json.loads(store.cursor().execute(
        "SELECT extra FROM niah_trials WHERE source_file = 'claude-3-5-sonnet-20240620_len_104537_depth_0_results.json'"
    ).fetchone()[0])
    assert extra["test_timestamp_utc"] == "2024-09-06T20:15:43+00:00"


def test_f4_recurrentgemma_sibling_folders_binary_and_judge(store, real_data):
    plan, written = ingest_paths([real_data / GEMMA], store)
    assert not plan.failed and len(written) == 2
    by_eval = {}
    for key, run_id in written.items():
        model, source, scale, evaluator, config = run_row(store, run_id)
        assert (model, source) == ("recurrentgemma-2b-it", "folder")
        assert json.loads(config)["model_field"] == "2b-it"
        assert "folder name" in json.loads(config)["inferred"]["model"]
        by_eval[evaluator] = (scale, run_stats(store, run_id))
    scale, (n, mean, n_len, n_depth, _) = by_eval["number"]
    assert (scale, n, n_len, n_depth, round(mean, 3)) == ("binary", 132, 12, 11, 0.697)  # §17
    scale, (n, mean, _, _, _) = by_eval["openai"]
    assert (scale, n, round(mean, 2)) == ("judge_1_10", 132, 8.02)  # §17


F4_GOOD = {"model": "m", "context_length": 1000, "depth_percent": 50.0, "version": 1, "needle": "n",
           "model_response": "r", "score": 1, "test_duration_seconds": 1.5,
           "test_timestamp_utc": "2024-06-13 13:46:41+0000"}


@pytest.mark.parametrize("change, field", [
    ({"score": None}, "score"),
    ({"context_length": 1000.5}, "context_length"),
    ({"test_timestamp_utc": "2024-06-13T13:46:41Z"}, "test_timestamp_utc"),
    ({"test_duration_seconds": "fast"}, "test_duration_seconds"),
    ({"context_length": 2000}, "context_length"),  # disagrees with the file name
])
def test_f4_malformed_names_file_and_field(store, change, field):
    name = "m_len_1000_depth_5000_results.json"
    msg = error_of(name, json.dumps({**F4_GOOD, **change}).encode(), store)
    assert msg.startswith(name) and f"field '{field}'" in msg


def test_f4_missing_score_field(store):
    body = {k: v for k, v in F4_GOOD.items() if k != "score"}
    msg = error_of("m_len_1000_depth_5000_results.json", json.dumps(body).encode(), store)
    assert "field 'score'" in msg and "required" in msg.lower()


# ---- F5: multi-needle LangSmith CSV -------------------------------------------------------------

def test_f5_multi_needle_runs_per_needle_count(store, real_data):
    plan, written = ingest_paths([real_data / MULTI], store)
    assert not plan.failed and len(written) == 3
    stats = {}
    for run_id in written.values():
        model, source, scale, _, config = run_row(store, run_id)
        assert (model, source, scale) == ("gpt-4-0125-preview", "field", "frac_0_1")
        stats[json.loads(config)["total_needles"]] = run_stats(store, run_id)
    # counts and means recomputed by hand from the CSV (pandas groupby on `total needles`):
    # 1 needle: 17/18 retrieved; 3 needles: 77/90; 10 needles: 324/540
    assert stats[1][:2] == (18, pytest.approx(17 / 18))
    assert stats[3][:2] == (30, pytest.approx(77 / 90))
    assert stats[10][:2] == (54, pytest.approx(324 / 540))
    # 6 lengths x 1 first-needle depth (50 % for 1 needle, 5 % otherwise); 3 / 5 / 9 repeats per cell
    assert [stats[k][2:] for k in (1, 3, 10)] == [(6, 1, 2), (6, 1, 4), (6, 1, 8)]
    extra = json.loads(store.cursor().execute(
        "SELECT extra FROM niah_trials WHERE extra->>'run_name' = '72400-5--gpt-4-0125-preview--multi-needle-eval-pizza-10--42f4'"
    ).fetchone()[0])
    assert len(extra["needles"]) == extra["total_needles"] == 10 and extra["retrieved_needles"] == 4.0
    assert round(extra["insertion_percentages"][0], 2) == 4.99


F5_HEADER = ",Unnamed: 0,run_name,depth %,context length,retrieved needles,model name,total needles,answer,needles,insertion_percentages,fract per turn\n"
F5_ROW = "0,0,r,50,1000,1.0,gpt-4,1,figs,\"[' Figs. ']\",[49.9],1.0\n"


@pytest.mark.parametrize("row, where", [
    (F5_ROW.replace(",1000,", ",long,"), "row 2, column 'context length'"),
    (F5_ROW.replace("\"[' Figs. ']\"", "figs"), "row 2, column 'needles'"),
    (F5_ROW.replace(",[49.9],", ",[oops],"), "row 2, column 'insertion_percentages'"),
    (F5_ROW.replace(",1.0\n", ",1.5\n"), "row 2, column 'fract per turn'"),
])
def test_f5_malformed_names_file_row_and_column(store, row, where):
    msg = error_of("multi.csv", (F5_HEADER + F5_ROW + row).encode(), store)
    assert msg.startswith("multi.csv") and where in msg


def test_f5_missing_column(store):
    header = F5_HEADER.replace(",fract per turn", "")
    msg = error_of("multi.csv", (header + F5_ROW.rsplit(",", 1)[0] + "\n").encode(), store)
    assert "column 'fract per turn'" in msg and "missing" in msg


# ---- generic tidy format (CSV / JSONL / Parquet) ----------------------------------------------

TIDY_ROWS = [  # two trials of one cell (given in reverse trial order), one more cell, two task scores
    {"model": "m-7b", "benchmark": "niah", "task": "single", "context_length": 4096, "depth_percent": 50.0,
     "score": 0.0, "scale": "binary", "trial": 1, "needle": "The magic number is 7.", "response": "8"},
    {"model": "m-7b", "benchmark": "niah", "task": "single", "context_length": 4096, "depth_percent": 50.0,
     "score": 1.0, "scale": "binary", "trial": 0, "needle": "The magic number is 7.", "response": "7"},
    {"model": "m-7b", "benchmark": "niah", "task": "single", "context_length": 8192, "depth_percent": 0.0,
     "score": 1.0, "scale": "binary", "trial": 0, "needle": "The magic number is 3.", "response": "3"},
    {"model": "m-7b", "benchmark": "ruler", "task": "vt", "context_length": 4096, "depth_percent": None,
     "score": 85.0, "scale": "pct_0_100", "trial": None, "needle": None, "response": None,
     "metric": "string_match_all", "n_samples": 500},
    {"model": "m-7b", "benchmark": "ruler", "task": "qa_1", "context_length": None, "depth_percent": None,
     "score": 54.8, "scale": "pct_0_100", "trial": None, "needle": None, "response": None},
]


def tidy_bytes(rows: list[dict], fmt: str) -> bytes:
    import io

    import pandas as pd

    df = pd.DataFrame(rows)
    buf = io.BytesIO()
    if fmt == "csv":
        df.to_csv(buf, index=False)
    elif fmt == "jsonl":
        buf.write("\n".join(json.dumps({k: v for k, v in r.items() if v is not None}) for r in rows).encode())
    else:
        df.to_parquet(buf, index=False)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_tidy_rows_with_depth_are_trials_the_others_task_scores(store, fmt):
    src = SourceFile(f"results.{fmt}", tidy_bytes(TIDY_ROWS, fmt))
    assert registry.detect(src).FORMAT == "tidy"
    from storage.ingest import commit
    written = commit(prepare([src], store), store)
    assert len(written) == 2
    cur = store.cursor()
    trials = cur.execute(
        "SELECT context_length, depth_percent, trial, score_raw, score, needle, response FROM niah_trials ORDER BY 1, 2, 3"
    ).fetchall()
    # the trial column orders repeats: trial 0 (score 1) comes first although it is the second row
    assert trials == [(4096, 50.0, 0, 1.0, 1.0, "The magic number is 7.", "7"),
                      (4096, 50.0, 1, 0.0, 0.0, "The magic number is 7.", "8"),
                      (8192, 0.0, 0, 1.0, 1.0, "The magic number is 3.", "3")]
    scores = cur.execute(
        "SELECT task, length_value, metric, scale, value_raw, value, n_samples FROM task_scores ORDER BY 1").fetchall()
    assert scores == [("qa_1", None, "score", "pct_0_100", 54.8, pytest.approx(0.548), None),
                      ("vt", 4096.0, "string_match_all", "pct_0_100", 85.0, 0.85, 500)]
    runs = dict(cur.execute("SELECT benchmark, score_scale FROM runs").fetchall())
    assert runs == {"niah": "binary", "ruler": "pct_0_100"}


def test_tidy_empty_model_asks_the_user(store):
    rows = [{**TIDY_ROWS[0], "model": ""}]
    plan = prepare([SourceFile("t.csv", tidy_bytes(rows, "csv"))], store)
    (run,) = plan.runs.values()
    assert run.needs_model and "name the model" in run.inferred["model"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
@pytest.mark.parametrize("change, where", [
    ({"score": 150.0, "scale": "pct_0_100"}, "row 3, column 'score'"),
    ({"score": 0.5}, "row 3, column 'score'"),  # binary must be 0 or 1
    ({"scale": "percent"}, "row 3, column 'scale'"),
    ({"depth_percent": 120.0}, "row 3, column 'depth_percent'"),
    ({"context_length": -5}, "row 3, column 'context_length'"),
    ({"benchmark": " "}, "row 3, column 'benchmark'"),
    ({"score": None}, "row 3, column 'score'"),
])
def test_tidy_bad_values_name_file_row_and_column(store, fmt, change, where):
    rows = [*TIDY_ROWS[:2], {**TIDY_ROWS[2], **change}, *TIDY_ROWS[3:]]
    msg = error_of(f"bad.{fmt}", tidy_bytes(rows, fmt), store)
    assert msg.startswith(f"bad.{fmt}") and where in msg


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_tidy_missing_required_column(store, fmt):
    rows = [{k: v for k, v in r.items() if k != "benchmark"} for r in TIDY_ROWS]
    msg = error_of(f"t.{fmt}", tidy_bytes(rows, fmt), store)
    assert "column 'benchmark'" in msg and "missing" in msg


def test_tidy_parquet_without_model_column_is_named(store):
    rows = [{k: v for k, v in r.items() if k != "model"} for r in TIDY_ROWS]
    assert "column 'model'" in error_of("t.parquet", tidy_bytes(rows, "parquet"), store)


def test_tidy_run_with_two_length_units(store):
    rows = [{**TIDY_ROWS[0], "length_unit": "tokens"}, {**TIDY_ROWS[1], "length_unit": "words"}]
    msg = error_of("t.csv", tidy_bytes(rows, "csv"), store)
    assert "column 'length_unit'" in msg and "several values" in msg


def test_tidy_task_row_without_task(store):
    rows = [*TIDY_ROWS[:3], {**TIDY_ROWS[3], "task": ""}]
    assert "row 4, column 'task'" in error_of("t.csv", tidy_bytes(rows, "csv"), store)


@pytest.mark.parametrize("fmt, data", [
    ("csv", "model,benchmark,task,context_length,depth_percent,score,scale\nm,niah,t,1000,5,1,binary\nm,niah,t,1k,5,1,binary\n"),
    ("jsonl", '{"model":"m","benchmark":"niah","task":"t","context_length":1000,"depth_percent":5,"score":1,"scale":"binary"}\n'
              '{"model":"m","benchmark":"niah","task":"t","context_length":"1k","depth_percent":5,"score":1,"scale":"binary"}\n'),
])
def test_tidy_wrong_type_names_row_and_column(store, fmt, data):
    msg = error_of(f"t.{fmt}", data.encode(), store)
    assert msg.startswith(f"t.{fmt}") and "row 2, column 'context_length'" in msg and "'1k'" in msg


def test_tidy_parquet_wrong_type(store):
    rows = [{**r, "score": str(r["score"])} for r in TIDY_ROWS[:2]]
    rows[1]["score"] = "high"
    msg = error_of("t.parquet", tidy_bytes(rows, "parquet"), store)
    assert "row 2, column 'score'" in msg


def test_tidy_synthetic_jsonl_from_disk_matches_pandas(store, tmp_path):
    """The benchmark's generator through the real pipeline (DuckDB reading the file from disk)."""
    from benchmarks.ingest_and_query import synthetic_trials, write_jsonl

    df = synthetic_trials(8000, seed=1)
    path = tmp_path / "trials.jsonl"
    write_jsonl(df, path)
    plan, written = ingest_paths([path], store)
    assert not plan.failed and len(written) == 1
    cur = store.cursor()
    assert cur.execute("SELECT count(*), max(trial) FROM niah_trials").fetchone() == (8000, 19)
    # every trial points at the ingested file (its id is written as a constant for one-file runs)
    assert cur.execute("SELECT count(*) FROM niah_trials JOIN files USING (file_id) WHERE files.name = 'trials.jsonl'"
                       ).fetchone()[0] == 8000
    stored = dict(((l, d), m) for l, d, m in cur.execute(
        "SELECT context_length, depth_percent, avg(score) FROM niah_trials GROUP BY 1, 2").fetchall())
    expected = df.groupby(["context_length", "depth_percent"])["score"].mean()
    assert len(stored) == 400
    assert all(stored[k] == pytest.approx(v) for k, v in expected.items())


TIDY_LINE = '{"model":"m","benchmark":"niah","task":"t","context_length":1000,"depth_percent":5,"score":1,"scale":"binary"}\n'


@pytest.mark.parametrize("name, data, where", [
    ("cut.jsonl", (TIDY_LINE * 3)[:-40], "(line 3): line is cut off"),
    ("bad.jsonl", TIDY_LINE + '{"model": "m", oops}\n' + TIDY_LINE, "(line 2): invalid JSON"),
    ("ragged.csv", "model,benchmark,task,context_length,depth_percent,score,scale\nm,niah,t,1000,5,1,binary\nm,niah,t,1000\n",
     "(row 2): 4 fields, the header has 7"),
])
def test_tidy_broken_files_name_the_line(store, name, data, where):
    assert f"{name} {where}" in error_of(name, data.encode(), store)


def test_tidy_bom_prefixed_jsonl_is_read(store):
    plan = prepare([SourceFile("bom.jsonl", b"\xef\xbb\xbf" + (TIDY_LINE * 2).encode())], store)
    assert plan.files[0].status == READY and plan.files[0].records == 2
