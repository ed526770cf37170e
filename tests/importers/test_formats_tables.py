"""Published result tables (F20 README tables, F23 LongBench v2 leaderboard page, F24 NoLiMa README)
read into published numbers, stored (migration 0004) and used by the Published-number check.

Expected values: docs/result_formats.md §19 (F20 check on the Qwen README; F23's
Overall = (192 x Easy + 311 x Hard) / 503) and NoLiMa's published effective lengths.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.effective_length import nolima_effective_length
from analysis.published import check_run, load_published, stored_rows
from analysis.result_tables import find_tables, parse_number, suggest_mapping, to_published
from storage.importers import published_table, registry
from storage.importers.source import FormatError, SourceFile
from storage.published import delete_published, save_published, stored_published
from tests.analysis.test_analysis_nolima import in_house_label

FIX = Path(__file__).parent / "fixtures" / "published_table"
QWEN = "QwenLM__Qwen/README.md"


def _table(text: str, heading: str, markdown: bool = True, first_column: str | None = None):
    hits = [t for t in find_tables(text, markdown) if t.heading == heading
            and (first_column is None or t.frame.columns[0] == first_column)]
    assert hits, [t.title for t in find_tables(text, markdown)]
    return hits[-1]


def test_qwen_readme_tables(real_data):
    text = (real_data / QWEN).read_text(encoding="utf-8")
    src = SourceFile(QWEN, text.encode())
    assert registry.detect(src) is published_table
    with pytest.raises(FormatError, match="published numbers, not a run"):
        published_table.parse(src)
    leval = _table(text, "Long-Context Understanding", first_column="Model")
    assert list(leval.frame.columns) == ["Model", "Input Length", "Average", "Coursera", "GSM", "QuALITY", "TOEFL",
                                         "CodeU", "SFcition"]
    rows, _ = to_published(leval.frame, suggest_mapping(leval.frame), "leval", QWEN)
    qwen = rows[rows["model"] == "Qwen-72B-Chat"]  # the **bold** markup is gone
    avg = qwen[qwen["task"].isna()].iloc[0]
    assert (avg["value"], avg["length_label"], avg["length_value"]) == (62.30, "32K", 32768.0)
    # §19: 62.30 = (58.13 + 76.00 + 77.22 + 86.24 + 6.66 + 69.53) / 6 = 373.78 / 6; ChatGPT-3.5-16k 364.38 / 6
    assert avg["tasks"].split(";") == ["Coursera", "GSM", "QuALITY", "TOEFL", "CodeU", "SFcition"]
    for model, total in (("Qwen-72B-Chat", 373.78), ("ChatGPT-3.5-16k", 364.38)):
        m = rows[rows["model"] == model]
        tasks = m[m["task"].notna()]["value"]
        assert tasks.sum() == pytest.approx(total)
        assert round(tasks.mean(), 2) == m[m["task"].isna()]["value"].iloc[0]

    ppl = [t for t in find_tables(text) if t.heading == "Long-Context Understanding" and "Sequence Length / 1024" in t.frame.columns][0]
    mapping = suggest_mapping(ppl.frame)
    assert set(mapping.loc[mapping["role"] == "length", "length_value"]) == {1024.0, 2048.0, 4096.0, 8192.0, 16384.0, 32768.0}
    rows, _ = to_published(ppl.frame, mapping, "arxiv", QWEN, task="arxiv perplexity")
    # '+ ...' rows are the model above with a setting; 'Qwen-7B (original)' and 'Qwen-7B' stay two models
    assert set(rows["model"]) == {"Qwen-7B (original)", "Qwen-1.8B", "Qwen-7B", "Qwen-14B", "Qwen-72B"}
    ntk = rows[(rows["model"] == "Qwen-7B (original)") & (rows["setting"] == "dynamic_ntk")].set_index("length_value")["value"]
    assert ntk[4096.0] == 3.59 and 32768.0 not in ntk.index  # '-' = not run
    q72 = rows[rows["model"] == "Qwen-72B"]
    assert sorted(q72["length_value"]) == [8192.0, 16384.0, 32768.0] and q72["value"].tolist() == [2.83, 2.73, 2.72]
    assert len(rows) == 11 * 6 - 11  # 11 model rows x 6 lengths, 11 cells "-"


def test_nolima_fixture_reproduces_the_published_effective_lengths():
    table = _table((FIX / "nolima_readme.md").read_text(encoding="utf-8"), "Results")
    mapping = suggest_mapping(table.frame)
    roles = dict(zip(mapping["column"], mapping["role"]))
    assert roles["Models"] == "model" and roles["Effective Length"] == "ignore" and roles["Claimed Length"] == "ignore"
    rows, _ = to_published(table.frame, mapping, "nolima", "NoLiMa README (hand-written fixture)")
    assert "GPT-4o" in set(rows["model"])  # trailing emoji dropped
    published = dict(zip(table.frame["Models"].str.replace(" 🏆", ""), table.frame["Effective Length"]))
    base_col = next(c for c in table.frame.columns if c.startswith("Base Score"))
    for model, g in rows[rows["length_value"].notna()].groupby("model"):
        base = parse_number(table.frame.loc[table.frame["Models"].str.startswith(model), base_col].iloc[0])
        eff = nolima_effective_length(g["length_value"], g["value"], base)
        assert eff.label == in_house_label(published[model]), model
    assert parse_number("99.3 (84.4)") == 99.3 and parse_number("*43.6") == 43.6 and parse_number("<1K") is None


def test_longbench_v2_leaderboard_page():
    table = _table((FIX / "longbench_v2_leaderboard.html").read_text(encoding="utf-8"), "Leaderboard", markdown=False)
    rows, skipped = to_published(table.frame, suggest_mapping(table.frame), "longbench_v2", "longbench2.github.io")
    assert skipped == ["Human: a reference baseline, not a model"]
    b = rows[rows["model"] == "Model B"]
    assert b["note"].iloc[0] == "Org B"  # organisation <p> kept apart from the name
    a = rows[rows["model"] == "Model A"]
    assert set(a["setting"]) == {"w/ CoT"}  # run only with CoT: '-' in the other column, nothing assumed
    for setting, g in b.groupby(b["setting"].fillna("")):
        v = g.set_index("task")["value"]
        assert (192 * v["Easy (%)"] + 311 * v["Hard (%)"]) / 503 == pytest.approx(v["Overall (%)"], abs=0.05)


def test_stored_published_numbers_feed_the_check(store):
    rows = pd.DataFrame([{"benchmark": "HELMET", "model": "Llama-3.1-8B-Inst", "aliases": "llama3.1-8b-chat",
                          "task": "Recall", "length_label": "128K", "value": 95.2, "source": "HELMET website"},
                         {"benchmark": "helmet", "model": "X", "task": None, "tasks": "Recall;RAG", "value": 50.0}])
    assert save_published(store, rows, origin="entered") == 2
    with pytest.raises(ValueError, match="published row 1: field 'value'"):
        save_published(store, pd.DataFrame([{"benchmark": "b", "model": "m", "value": "n/a"}]), origin="entered")
    stored = stored_published(store)
    assert len(stored) == 2  # the bad batch stored nothing
    checked = stored_rows(stored)
    assert checked.iloc[0]["length_value"] == 131072.0 and checked.iloc[0]["origin"] == "stored (entered)"
    published = pd.concat([load_published(), checked], ignore_index=True)
    run = pd.Series({"run_id": 1, "label": "llama3.1-8b-chat", "model": "llama3.1-8b-chat", "benchmark": "helmet"})
    scores = pd.DataFrame({"task": ["Recall", "RAG"], "length_value": [131072.0, 131072.0],
                           "length_label": ["128K", "128K"], "value": [0.952, 0.595]})
    res = check_run(run, scores, published)
    assert res["status"].tolist() == ["matches"] and res["delta"].iloc[0] == pytest.approx(0.0)
    assert delete_published(store, stored["published_id"].tolist()) == 2 and stored_published(store).empty
