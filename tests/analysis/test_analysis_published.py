"""Published-number check: the real RULER Llama-3.1-8B run (85.51 over 12 tasks) vs the README (95.5 over 13)."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.published import check_run, load_published, parse_length, user_row
from storage.importers.parsed import ParsedFile
from storage.runs import list_runs
from storage.task_scores import run_task_scores
from tests.factories import write_parsed

RULER = "HaoranDeng__RULER/scripts/benchmark_root/llama3.1-8b-chat/synthetic/4096/pred/summary.csv"


def _ruler_run(store, real_data):
    lines = (real_data / RULER).read_text().splitlines()
    tasks, scores = lines[1].split(",")[1:], [float(x) for x in lines[2].split(",")[1:]]
    ts = pd.DataFrame({"task": tasks, "length_value": 4096.0, "length_label": "4096", "metric": "string_match",
                       "scale": "pct_0_100", "value_raw": scores, "n_samples": 500})
    p = ParsedFile(format="synthetic", run_key="ruler-real", benchmark="ruler", score_scale="pct_0_100",
                   length_unit="tokens", model="llama3.1-8b-chat", model_source="folder", task_scores=ts)
    return write_parsed(store, [p])["ruler-real"]


def test_real_ruler_run_shows_missing_and_collapsed_task(store, real_data):
    run_id = _ruler_run(store, real_data)
    run = list_runs(store).set_index("run_id").loc[run_id].copy()
    run["run_id"] = run_id
    res = check_run(run, run_task_scores(store, [run_id]), load_published())
    row = res[res["length"] == "4K"].iloc[0]  # the 8K..128K rows are 'not in run'
    assert row["published"] == 95.5 and row["published tasks"] == 13
    assert row["run"] == pytest.approx(85.51, abs=0.005) and row["run tasks"] == 12
    assert row["missing tasks"] == "cwe" and row["collapsed tasks"] == "vt=4.88"
    assert row["status"] == "different task set" and row["delta"] == pytest.approx(-9.99, abs=0.01)
    assert set(res[res["length"] != "4K"]["status"]) == {"not in run"}


def test_user_rows_and_tolerance(store):
    ts = pd.DataFrame({"task": ["passkey", "kv_retrieval"], "metric": "acc", "scale": "pct_0_100",
                       "value_raw": [100.0, 86.0]})
    p = ParsedFile(format="synthetic", run_key="ib", benchmark="infinitebench", score_scale="pct_0_100",
                   length_unit=None, model="gpt4", model_source="folder", task_scores=ts)
    run_id = write_parsed(store, [p])["ib"]
    run = list_runs(store).set_index("run_id").loc[run_id].copy()
    pub = pd.concat([load_published(), pd.DataFrame([user_row("InfiniteBench", "GPT4", "passkey", 99.5)])])
    res = check_run(run, run_task_scores(store, [run_id]), pub, tolerance=1.0).set_index(["what", "origin"])
    assert res.loc[("kv_retrieval", "shipped"), "status"] == "differs"  # 86 vs 89.00
    assert res.loc[("passkey", "shipped"), "status"] == "matches"
    assert res.loc[("passkey", "user"), "delta"] == pytest.approx(0.5)
    assert res.loc[("number_string", "shipped"), "status"] == "not in run"


def test_parse_length():
    assert parse_length("4K") == 4096 and parse_length("128k") == 131072 and parse_length("4096") == 4096
    assert pd.isna(parse_length("0-4k"))


def test_infinitebench_readme_numbers_for_every_model():
    """Every model column of the OpenBMB/InfiniteBench README table is shipped: one row per numeric
    cell (the "< 5%" cells are upper bounds, not numbers, and are left out). Counted by hand from the
    README: GPT-4 11, YaRN-Mistral-7B 8, Kimi-Chat 10, Claude 2 9, Yi-6B-200K 6, Yi-34B-200K 7, ChatGLM3 5."""
    ib = load_published().query("benchmark == 'infinitebench'")
    assert ib.groupby("model").size().to_dict() == {
        "GPT-4": 11, "YaRN-Mistral-7B": 8, "Kimi-Chat": 10, "Claude 2": 9, "Yi-6B-200K": 6, "Yi-34B-200K": 7,
        "ChatGLM3-6B-128K": 5}
    value = ib.set_index(["model", "task"])["value"]
    assert value[("Kimi-Chat", "kv_retrieval")] == 53.60 and value[("Claude 2", "longdialogue_qa_eng")] == 46.50
    assert value[("Yi-34B-200K", "math_find")] == 25.71 and value[("GPT-4", "code_debug")] == 37.06


def test_kimi_run_gets_a_published_comparison(store):
    ts = pd.DataFrame({"task": ["passkey", "kv_retrieval"], "metric": "accuracy", "scale": "pct_0_100",
                       "value_raw": [98.14, 50.0]})
    p = ParsedFile(format="synthetic", run_key="kimi", benchmark="infinitebench", score_scale="pct_0_100",
                   length_unit=None, model="kimi-chat", model_source="folder", task_scores=ts)
    run_id = write_parsed(store, [p])["kimi"]
    run = list_runs(store).set_index("run_id").loc[run_id].copy()
    res = check_run(run, run_task_scores(store, [run_id]), load_published()).set_index("what")
    assert res.loc["passkey", "status"] == "matches" and res.loc["kv_retrieval", "delta"] == pytest.approx(-3.6)
    assert len(res) == 10 and (res["status"] == "not in run").sum() == 8
