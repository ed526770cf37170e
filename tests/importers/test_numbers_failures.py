"""Failures are data: NIAH error rows kept as not evaluated; tokenizers and prompt settings never pooled."""
from __future__ import annotations

import json

from storage.ingest import ERROR, READY, commit, prepare
from storage.importers.source import SourceFile


def _item(depth: float, score, **extra) -> dict:
    return {"model": "m", "context_length": 8000, "depth_percent": depth, "version": 1, "needle": "n",
            "model_response": "r", "score": score, **extra}


def test_error_row_is_not_evaluated_and_left_out_of_the_mean(store):
    items = [_item(0.0, 10), _item(50.0, 1), _item(100.0, None, error="context length exceeded")]
    plan = prepare([SourceFile("/n/results.json", json.dumps(items).encode())], store)
    assert plan.files[0].status == READY
    (run,) = plan.runs.values()
    assert any("1 test(s) not evaluated" in n and "context length exceeded" in n for n in run.notes)
    commit(plan, store)
    cur = store.cursor()
    assert cur.execute("SELECT count(*), count(score), avg(score) FROM niah_trials").fetchone() == (3, 2, 0.5)
    extra = json.loads(cur.execute("SELECT extra FROM niah_trials WHERE score_raw IS NULL").fetchone()[0])
    assert extra == {"not_evaluated": True, "error": "context length exceeded"}
    # the heatmap cell of the error row has no mean (a gap), never 0 %
    from storage.trials import heatmap_cells
    cells = heatmap_cells(store, [1]).set_index("depth_percent")
    assert cells.loc[100.0, "mean_score"] != cells.loc[100.0, "mean_score"]  # NaN / NULL
    assert cells.loc[0.0, "mean_score"] == 1.0


def test_null_score_without_an_error_is_refused_naming_item_and_field(store):
    items = [_item(0.0, 10), _item(50.0, None)]
    plan = prepare([SourceFile("/n/results.json", json.dumps(items).encode())], store)
    assert plan.files[0].status == ERROR
    assert "item 2, field 'score'" in plan.files[0].message and "not evaluated" in plan.files[0].message


def test_runs_counted_with_different_tokenizers_never_merge(store):
    srcs = []
    for i, tok in enumerate(["cl100k_base", "o200k_base"]):
        obj = {**_item(float(i), 10, tokenizer=tok), "test_duration_seconds": 1.0,
               "test_timestamp_utc": "2024-09-06 20:15:43+0000"}
        srcs.append(SourceFile(f"/n/run/m_len_8000_depth_{i * 100}_results.json", json.dumps(obj).encode()))
    plan = prepare(srcs, store)
    assert sorted(r.first.tokenizer for r in plan.runs.values()) == ["cl100k_base", "o200k_base"]
    commit(plan, store)
    assert store.cursor().execute("SELECT tokenizer, count(*) FROM runs JOIN niah_trials USING (run_id) GROUP BY 1 ORDER BY 1").fetchall() == [
        ("cl100k_base", 1), ("o200k_base", 1)]


def test_ruler_prompt_form_is_kept_from_the_prediction_inputs(store):
    def pred(prompt: str) -> bytes:
        return (json.dumps({"index": 0, "pred": "42", "input": prompt, "outputs": ["42"], "others": {},
                            "truncation": -1, "length": 4000}) + "\n").encode()
    plan = prepare([
        SourceFile("/r/a/synthetic/4096/pred/niah_single_1.jsonl",
                   pred("<|begin_of_text|><|start_header_id|>user<|end_header_id|> q")),
        SourceFile("/r/b/synthetic/4096/pred/niah_single_1.jsonl", pred("Some text. What is the number? Answer:")),
    ], store)
    assert {k: r.config["chat_template"] for k, r in plan.runs.items()} == {
        "ruler:/r/a/synthetic/4096/pred": "meta-llama3 chat template",
        "ruler:/r/b/synthetic/4096/pred": "base (no chat-template markers)"}


def test_lm_eval_runs_with_different_max_length_are_listed_as_differing(store):
    from analysis.compare import config_differences
    from storage.runs import list_runs

    def results(max_length: int) -> bytes:
        return json.dumps({"results": {"qa": {"alias": "qa", "acc,none": 0.5}}, "versions": {"qa": 1}, "n-shot": {"qa": 0},
                           "config": {"model": "hf", "model_args": f"pretrained=org/m,max_length={max_length}"}}).encode()
    commit(prepare([SourceFile("/o/a/org__m/results_2025-01-01T00-00-00.json", results(4096)),
                    SourceFile("/o/b/org__m/results_2025-01-01T00-00-00.json", results(32768))], store), store)
    runs = list_runs(store).to_dict("records")
    assert len(runs) == 2
    d = config_differences(runs[0], runs[1]).set_index("field")
    assert (d.loc["max length", "baseline"], d.loc["max length", "candidate"]) == ("4096", "32768")
    assert d.loc["max length", "differs"]


def test_not_evaluated_trials_weigh_nothing_in_the_grid_mean_and_are_drawn_apart(store):
    from analysis.heatmap import layout_cells
    from storage.trials import heatmap_cells, heatmap_run_summaries
    from ui.heatmap_figure import heatmap_figure

    items = [_item(0.0, 10), _item(0.0, None, error="context length exceeded"), _item(50.0, 1),
             _item(100.0, None, error="context length exceeded")]
    commit(prepare([SourceFile("/n/results.json", json.dumps(items).encode())], store), store)
    cells = heatmap_cells(store, [1])
    assert cells["n_not_evaluated"].tolist() == [1, 0, 1]
    (grid,) = layout_cells(cells).values()
    # two scored trials: (10 - 1) / 9 = 1.0 and (1 - 1) / 9 = 0.0 -> 0.5 (not 1/3, not 1/4)
    assert heatmap_run_summaries(store, [1]).loc[1, "mean_score"] == 0.5
    fig = heatmap_figure(grid, "tokens")
    assert len(fig.data) == 2 and list(fig.data[-1].text) == ["1 trial not evaluated (error, no score)"] * 2


def test_values_that_are_not_numbers_of_the_expected_kind_are_refused(store):
    """Infinity, 1e308 and "10" as a NIAH score and a 1e300 context length name the file and field."""
    import math

    for bad, field in ((math.inf, "score"), (1e308, "score"), ("10", "score")):
        plan = prepare([SourceFile("/n/results.json", json.dumps([_item(0.0, bad)]).encode())], store)
        assert plan.files[0].status == ERROR and f"field '{field}'" in plan.files[0].message, plan.files[0].message
    row = {"model": "m", "benchmark": "niah", "task": None, "context_length": 1e300, "depth_percent": 0, "score": 1,
           "scale": "binary"}
    plan = prepare([SourceFile("/t/tidy.jsonl", (json.dumps(row) + "\n").encode())], store)
    assert plan.files[0].status == ERROR
    assert "column 'context_length'" in plan.files[0].message and "positive integer" in plan.files[0].message


def test_saved_context_with_the_needle_far_from_the_requested_depth_is_flagged(store):
    needle = "The code is 4721."
    hay = "x" * 1000
    at_start = needle + hay  # measured 0 %
    at_60 = hay[:600] + needle + hay[600:]  # 600 / 1000 = 60 %
    items = [_item(50.0, 10, needle=needle, context=at_start), _item(60.0, 10, needle=needle, context=at_60)]
    plan = prepare([SourceFile("/n/results.json", json.dumps(items).encode())], store)
    (run,) = plan.runs.values()
    assert any("1 test(s) whose saved context has the needle more than 5 points" in n
               and "needle found at 0.0% of the context, 50% requested" in n for n in run.notes)
    commit(plan, store)
    rows = store.cursor().execute("SELECT depth_percent, extra FROM niah_trials ORDER BY depth_percent").fetchall()
    assert json.loads(rows[0][1]) == {"measured_depth_percent": 0.0,
                                      "depth_flag": "needle found at 0.0% of the context, 50% requested"}
    assert json.loads(rows[1][1]) == {"measured_depth_percent": 60.0}
