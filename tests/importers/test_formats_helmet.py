"""HELMET leaderboard CSV (F17) and HELMET KV-cache study CSVs (F18).

Expected values: docs/result_formats.md §19 (F17, F18), recomputed by hand from the rows.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage.importers import helmet_leaderboard, helmet_study, registry
from storage.importers.source import FormatError, SourceFile
from storage.ingest import commit, ingest_paths, prepare

FIX = Path(__file__).parent / "fixtures"
LEADERBOARD = "princeton-nlp__HELMET/data/agg_results.csv"
STUDY = "joie-zhang__HELMET/results"


def _read(path: Path) -> SourceFile:
    return SourceFile(path.as_posix(), path.read_bytes())


def _by_model(parts):
    return {p.model: p for p in parts}


def _check_leaderboard(parts):
    runs = _by_model(parts)
    gpt4 = runs["GPT-4"].task_scores.set_index("task")["value_raw"]
    assert list(gpt4.index) == helmet_leaderboard.CATEGORIES
    # §19: Average is the mean of the unrounded categories: 274.7 / 7 = 39.24 against the file's 39.2
    assert gpt4.sum() == pytest.approx(274.7)
    assert gpt4.mean() == pytest.approx(39.243, abs=1e-3)
    assert abs(gpt4.mean() - runs["GPT-4"].task_scores["extra"][0]["published_average"]) < 0.06
    llama = runs["Llama-3.1-8B-Inst"].task_scores["value_raw"]
    assert llama.sum() == pytest.approx(325.7) and round(llama.mean(), 2) == 46.53
    # the length is the documented default, never the claimed window (128 K for GPT-4, 8 K for Llama-3-8B-θ)
    assert set(runs["Llama-3-8B-θ"].task_scores["length_value"]) == {131072.0}
    assert runs["Llama-3-8B-θ"].config["claimed_context_window_k"] == "8"
    assert runs["GPT-4"].config["params_b"] == "?" and runs["GPT-4"].config["model_type"] == "instruction-tuned"
    return runs


def test_leaderboard_fixture():
    src = _read(FIX / "helmet_leaderboard" / "agg_results.csv")
    assert registry.detect(src) is helmet_leaderboard
    runs = _check_leaderboard(helmet_leaderboard.parse(src))
    assert len(runs) == 3


def test_leaderboard_real_file_every_row_within_rounding(real_data):
    parts = helmet_leaderboard.parse(_read(real_data / LEADERBOARD))
    assert len(parts) == 59
    _check_leaderboard(parts)
    for p in parts:  # §19: recomputed mean lands within 0.06 of `Average` for every row
        assert abs(p.task_scores["value_raw"].mean() - p.task_scores["extra"][0]["published_average"]) < 0.06, p.model


def test_leaderboard_length_from_the_user_is_stored(store):
    src = _read(FIX / "helmet_leaderboard" / "agg_results.csv")
    plan = prepare([src], store)
    for run in plan.runs.values():
        for p in run.parts:
            helmet_leaderboard.set_evaluation_length(p, 65536)
    commit(plan, store, models={k: "openai/gpt-4" for k, r in plan.runs.items() if r.model == "GPT-4"})
    cur = store.cursor()
    assert cur.execute("SELECT DISTINCT length_value, length_label FROM task_scores").fetchall() == [(65536.0, "64Ki")]
    model, config = cur.execute("SELECT model, config FROM runs WHERE model LIKE 'openai%'").fetchone()
    assert model == "openai/gpt-4"
    assert json.loads(config)["evaluation_length"] == {"tokens": 65536, "source": "given by the user"}
    with pytest.raises(ValueError):
        helmet_leaderboard.set_evaluation_length(plan.runs[next(iter(plan.runs))].parts[0], 0)


def test_leaderboard_missing_category_names_the_field(store):
    text = "Model,Context Window (K),Recall,RAG,ICL,Cite,Re-rank,LongQA\nGPT-4,128,1,2,3,4,5,6\n"
    src = SourceFile("agg_results.csv", text.encode())
    assert registry.detect(src) is helmet_leaderboard
    with pytest.raises(FormatError, match=r"agg_results.csv \(column 'Summ'\): missing"):
        helmet_leaderboard.parse(src)
    plan = prepare([src], store)
    assert plan.failed and not plan.runs
    bad = SourceFile("agg.csv", "Model,Recall,RAG,ICL,Cite,Re-rank,LongQA,Summ,Extra col\nX,1,2,n/a,4,5,6,7,e\n".encode())
    with pytest.raises(FormatError, match=r"line 2, column 'ICL'"):
        helmet_leaderboard.parse(bad)
    ok = SourceFile("agg.csv", "Model,Recall,RAG,ICL,Cite,Re-rank,LongQA,Summ,Extra col\nX,1,2,3,4,5,6,7,e\n".encode())
    part = helmet_leaderboard.parse(ok)[0]
    assert part.task_scores["extra"][0]["Extra col"] == "e" and "Extra col" in part.notes[0]


def _check_study(store, folder: Path, n_rows: int):
    plan, written = ingest_paths([folder], store)
    assert not plan.failed
    assert {o.format for o in plan.files} == {"helmet_study"}
    assert len(written) == n_rows  # the three files of the folder share the (technique, length, model, cache) keys
    cur = store.cursor()
    rid, label, config = cur.execute(
        """SELECT run_id, label, config FROM runs WHERE model = 'Llama-3.1-8B-Instruct'
           AND json_extract_string(config, '$.kv_cache_method') = 'baseline'
           AND json_extract_string(config, '$.kv_cache_setting') = 'default'
           AND run_key LIKE '%:16k:%'""").fetchone()
    assert label == "Llama-3.1-8B-Instruct · baseline default · 16k"
    assert json.loads(config)["length_kind"].startswith("HELMET input length")
    scores = dict(cur.execute("SELECT task, value_raw FROM task_scores WHERE run_id = ? AND metric = 'score'", [rid]).fetchall())
    # §19: niah 100.0, rag_hotpotqa 68.333..., icl_clinic 89.4; the mean of the ten tasks is 680.62 / 10
    assert scores["niah"] == 100.0 and scores["rag_hotpotqa"] == pytest.approx(68.3333333) and scores["icl_clinic"] == 89.4
    assert len(scores) == 10 and sum(scores.values()) / 10 == pytest.approx(68.062, abs=1e-3)
    measures = dict(cur.execute("SELECT metric || ':' || task, value_raw FROM task_scores WHERE run_id = ? AND scale <> 'pct_0_100'",
                                [rid]).fetchall())
    assert measures["peak_memory_gb:niah"] == pytest.approx(19.587470336)  # joined by key, not by position
    assert measures["throughput:cite"] == pytest.approx(30.405439994098842)
    kinds = dict(cur.execute("SELECT scale, count(*) FROM task_scores WHERE run_id = ? GROUP BY ALL", [rid]).fetchall())
    assert kinds == {"pct_0_100": 10, "gigabytes": 8, "samples_per_s": 8}
    from storage.scores import length_observations
    from storage.task_scores import task_means
    obs = length_observations(store, [rid])  # measures are not scores by length: only the 10 scores
    assert set(obs["metric_kind"]) == {"score"} and len(obs) == 10
    means = task_means(store)
    assert means.loc[means["run_id"] == rid, "value"].mean() == pytest.approx(0.68062, abs=1e-5)  # scores only
    return cur


def test_study_fixture_joins_three_files_by_key(store):
    cur = _check_study(store, FIX / "helmet_study" / "helmet_results", 3)
    # snapkv row: icl_* not run (empty cells skipped, never stored as 0)
    n = cur.execute("""SELECT count(*) FROM task_scores t JOIN runs r USING (run_id)
                       WHERE json_extract_string(r.config, '$.kv_cache_method') = 'snapkv' AND t.task LIKE 'icl_%'""").fetchone()[0]
    assert n == 0


def test_study_real_files(store, real_data):
    _check_study(store, real_data / STUDY / "helmet_results", 158)
    plan, written = ingest_paths([real_data / STUDY / "longproc_results"], store)
    assert len(written) == 122
    unit = store.cursor().execute("SELECT DISTINCT length_unit FROM runs WHERE benchmark = 'longproc'").fetchall()
    assert unit == [("output_tokens",)]


def test_study_bad_files_store_nothing(store):
    header = "technique,context_length,model,cache_size,niah\n"
    dup = SourceFile("helmet_performance.csv", (header + "baseline,16k,M,default,1\nbaseline,16k,M,default,2\n").encode())
    with pytest.raises(FormatError, match=r"line 3.*duplicated key"):
        helmet_study.parse(dup)
    nolen = SourceFile("helmet_performance.csv", (header + "baseline,long,M,default,1\n").encode())
    with pytest.raises(FormatError, match=r"line 2, column 'context_length'"):
        helmet_study.parse(nolen)
    noq = SourceFile("results.csv", (header + "baseline,16k,M,default,1\n").encode())
    with pytest.raises(FormatError, match=r"results.csv \(file name\)"):
        helmet_study.parse(noq)
    plan = prepare([dup, nolen], store)
    assert len(plan.failed) == 2 and not plan.runs
