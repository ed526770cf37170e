"""SummHay judged summaries (F19), LongBench Pro summary JSON (F21), LongGenBench CSV (F22).

Expected values: docs/result_formats.md §19 (F19 checks computed from the real file) and,
for the hand-written fixtures, computed by hand from the values written in them.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.importers import longbench_pro, longgenbench, registry, summhay
from storage.importers.source import FormatError, SourceFile
from storage.ingest import ingest_paths, prepare

FIX = Path(__file__).parent / "fixtures"
SUMMHAY = "salesforce__summary-of-a-haystack/data/eval_benchmark_data.json"
LBPRO = FIX / "longbench_pro" / "output" / "Qwen3-8B" / "nonthinking_context-120000_bon-3_summary.json"
LGB = FIX / "longgenbench" / "Evalution" / "results" / "accuracy_results.csv"


def _read(path: Path) -> SourceFile:
    return SourceFile(path.as_posix(), path.read_bytes())


# --------------------------------------------------------------------------------------- SummHay

def test_summhay_real_file_reproduces_the_benchmarks_numbers(real_data):
    src = _read(real_data / SUMMHAY)
    assert registry.detect(src) is summhay
    parts = summhay.parse(src)
    assert len(parts) == 53  # 53 (retriever, summarizer) settings
    scores = [s for p in parts for s in p.samples["score_raw"]]
    assert len(scores) == 1419  # §19: 1,419 annotated insights, 567 fully / 386 partially / 466 not covered
    assert (scores.count(1.0), scores.count(0.5), scores.count(0.0)) == (567, 386, 466)
    assert sum(scores) / len(scores) == pytest.approx(0.5356, abs=5e-5)
    agree = parts[0].config["judge_agreement_whole_file"]
    assert round(agree["prompted_gemini-1.5-pro"]["pearson_r"], 3) == 0.751
    assert round(agree["prompted_gpt-4o"]["pearson_r"], 3) == 0.716
    assert round(agree["prompted_claude3-haiku"]["pearson_r"], 3) == 0.498
    full = {p.config["summarizer"]: p for p in parts if p.config["retriever"] == "full context"}
    assert "gpt-4o" in full and any(p.config["retriever"] == "dwzhu/e5-base-4k" for p in parts)


def test_summhay_fixture_end_to_end(store):
    plan, written = ingest_paths([FIX / "summhay" / "eval_benchmark_data.json"], store)
    assert not plan.failed and len(written) == 2
    cur = store.cursor()
    rows = dict(cur.execute("SELECT r.label, t.value FROM task_scores t JOIN runs r USING (run_id)").fetchall())
    # human coverage: gpt-4o (1 + 0) / 2; claude3-opus behind the e5 retriever (0.5 + 1) / 2
    assert rows == {"gpt-4o · full context": 0.5, "claude3-opus · dwzhu/e5-base-4k": 0.75}
    config = json.loads(cur.execute("SELECT config FROM runs WHERE model = 'claude3-opus'").fetchone()[0])
    assert config["judge_coverage"] == {"prompted_gpt-4o": 0.5}  # judge: 0 and 1
    # Pearson of human (1, 0, 0.5, 1) vs judge (1, 0.5, 0, 1): 0.4375 / 0.6875 = 7/11
    assert config["judge_agreement_whole_file"]["prompted_gpt-4o"]["pearson_r"] == pytest.approx(7 / 11, abs=1e-6)
    assert cur.execute("SELECT count(*) FROM samples").fetchone()[0] == 4


def test_summhay_bad_record_names_record_and_field(store):
    recs = json.loads((FIX / "summhay" / "eval_benchmark_data.json").read_text())
    recs[1]["annotation"][0]["coverage"] = "mostly"
    src = SourceFile("eval_benchmark_data.json", json.dumps(recs).encode())
    with pytest.raises(FormatError, match=r"record 1, field 'annotation'.*unknown coverage label 'mostly'"):
        summhay.parse(src)
    del recs[0]["summary"]
    src = SourceFile("eval_benchmark_data.json", json.dumps(recs).encode())
    with pytest.raises(FormatError, match=r"record 0, field 'summary'"):
        summhay.parse(src)
    assert not prepare([src], store).runs


# ---------------------------------------------------------------------------------- LongBench Pro

def test_longbench_pro_fixture(store):
    src = _read(LBPRO)
    assert registry.detect(src) is longbench_pro
    plan, written = ingest_paths([LBPRO], store)
    assert not plan.failed and len(written) == 1
    cur = store.cursor()
    model, source, label, config = cur.execute("SELECT model, model_source, label, config FROM runs").fetchone()
    assert (model, source, label) == ("Qwen3-8B", "folder", "Qwen3-8B · nonthinking · 120k input")
    config = json.loads(config)
    assert config["mode"] == "nonthinking" and config["max_input_tokens"] == 120000 and config["best_of_n"] == 3
    overall = dict(cur.execute("SELECT metric, value FROM task_scores WHERE task = 'overall' AND length_label IS NULL").fetchall())
    # the documented rule: the overall metric is the mean of the three iterations (0.42 + 0.45 + 0.48) / 3
    assert overall["average"] == pytest.approx((overall["iteration_1"] + overall["iteration_2"] + overall["iteration_3"]) / 3)
    assert overall["average"] == 0.45 and overall["bon_1"] == overall["iteration_1"]
    assert overall["pass@1"] <= overall["pass@2"] <= overall["pass@3"]
    buckets = cur.execute("""SELECT length_label, length_value, value FROM task_scores
                             WHERE task = 'overall' AND metric = 'average' AND length_label IS NOT NULL
                             ORDER BY length_value""").fetchall()
    assert [b[0] for b in buckets] == ["8k", "16k", "32k", "64k", "128k", "256k"]
    assert buckets[0][1:] == (8192.0, 0.62) and buckets[-1][1:] == (262144.0, 0.24)
    tasks = {t for (t,) in cur.execute("SELECT DISTINCT task FROM task_scores").fetchall()}
    assert {"difficulty: Extreme", "language: English", "task: T1. Retrieval & Ranking"} <= tasks
    assert any("2 samples failed" in n for n in config["notes"])


def test_longbench_pro_errors_name_the_key():
    obj = json.loads(LBPRO.read_text())
    obj["average_token_length_metric"]["8k"] = 62.0
    src = SourceFile("output/M/thinking_context-200000_bon-3_summary.json", json.dumps(obj).encode())
    with pytest.raises(FormatError, match=r"field 'average_token_length_metric.8k'.*outside 0-1"):
        longbench_pro.parse(src)
    del obj["average_overall_metric"]
    src = SourceFile("output/M/x_summary.json", json.dumps({**obj, "average_overall_metric": "n/a"}).encode())
    with pytest.raises(FormatError, match=r"field 'average_overall_metric'"):
        longbench_pro.parse(src)


# ----------------------------------------------------------------------------------- LongGenBench

def test_longgenbench_fixture_splits_model_and_decides_scales(store):
    src = _read(LGB)
    assert registry.detect(src) is longgenbench
    parts = {p.model: p for p in longgenbench.parse(src)}
    assert set(parts) == {"Qwen2-7B-Instruct", "GPT_4o_mini"}
    assert "Completion Rate: 0-100" in parts["GPT_4o_mini"].inferred["scale per column"]
    plan, written = ingest_paths([LGB], store)
    cur = store.cursor()
    rows = cur.execute("""SELECT task, length_value, scale, value_raw, value, extra FROM task_scores t JOIN runs r USING (run_id)
                          WHERE r.model = 'Qwen2-7B-Instruct' ORDER BY length_value, task""").fetchall()
    lengths = sorted({r[1] for r in rows})
    assert lengths == [16000.0, 32000.0]  # output tokens from the fused string
    at16 = {r[0]: r for r in rows if r[1] == 16000.0}
    assert at16["Completion Rate"][2:5] == ("pct_0_100", 82.5, 0.825)
    assert at16["Accuracy Once"][2:5] == ("frac_0_1", 0.6, 0.6)
    # Average Accuracy = mean of the three accuracies: (0.6 + 0.45 + 0.3) / 3 = 0.45
    accs = [at16[t][3] for t in ("Accuracy Once", "Accuracy Range", "Accuracy Periodic")]
    assert sum(accs) / 3 == pytest.approx(json.loads(at16["Accuracy Once"][5])["Average Accuracy"])
    assert cur.execute("SELECT DISTINCT length_unit FROM runs").fetchall() == [("output_tokens",)]


def test_longgenbench_errors():
    with pytest.raises(FormatError, match=r"line 2, column 'Model'"):
        longgenbench.parse(SourceFile("a.csv", b"Model,Completion Rate,Accuracy Once,Accuracy Range,Accuracy Periodic\nQwen,1,0.1,0.1,0.1\n"))
    with pytest.raises(FormatError, match=r"line 2, column 'Accuracy Once'.*above 1"):
        longgenbench.parse(SourceFile("a.csv", b"Model,Completion Rate,Accuracy Once,Accuracy Range,Accuracy Periodic\nQ_16K,90,60,0.1,0.1\n"))
    assert longgenbench.split_model("GPT_4o_mini_16K") == ("GPT_4o_mini", 16000)
