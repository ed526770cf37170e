"""Needle present in the response: a deterministic column beside the judge score (issue: scales, item 4)."""
from __future__ import annotations

import json

import duckdb
import pandas as pd

from analysis.heatmap import hover_texts, layout_cells
from storage.ingest import commit, prepare
from storage.importers.source import SourceFile
from storage.migrations import MIGRATIONS_DIR
from storage.needle_match import needle_recall_sql
from storage.trials import cell_trials, heatmap_cells
from ui.heatmap_figure import heatmap_figure

NEEDLE = "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day."
# content words of NEEDLE (stop words a/the/is/in/on/to/and dropped): best thing do san francisco eat
# sandwich sit dolores park sunny day = 12
PARTIAL = "The best thing to do in San Francisco is to eat a sandwich in Dolores Park."  # 9 of 12: no sit/sunny/day
MISS = "I cannot find that in the text."  # 0 of 12


def _recall(needle, response) -> float | None:
    return duckdb.execute(
        f"SELECT {needle_recall_sql('n', 'r')} FROM (SELECT ?::VARCHAR AS n, ?::VARCHAR AS r)", [needle, response]
    ).fetchone()[0]


def test_recall_by_hand():
    assert _recall(NEEDLE, NEEDLE) == 1.0
    assert _recall(NEEDLE, PARTIAL) == 9 / 12
    assert _recall(NEEDLE, MISS) == 0.0
    assert _recall("Park PARK park", "the park") == 1.0  # distinct, case-folded
    assert _recall(NEEDLE, None) is None and _recall(None, "x") is None
    assert _recall("the a is", "x") is None  # no content word
    assert _recall("秘密 数字 42", "数字 是 42") == 2 / 3  # letters of any script


def _judge_items() -> list[dict]:
    # gkamradt judge 1-10 scores that disagree with the needle's presence
    return [
        {"model": "m", "context_length": 1000, "depth_percent": 0.0, "version": 1, "needle": NEEDLE,
         "model_response": NEEDLE, "score": 10},
        {"model": "m", "context_length": 1000, "depth_percent": 0.0, "version": 1, "needle": NEEDLE,
         "model_response": MISS, "score": 10},
        {"model": "m", "context_length": 1000, "depth_percent": 50.0, "version": 1, "needle": NEEDLE,
         "model_response": PARTIAL, "score": 1},
    ]


def test_stored_beside_the_judge_score_and_averaged_per_cell(store):
    commit(prepare([SourceFile("/j/results.json", json.dumps(_judge_items()).encode())], store), store)
    cells = heatmap_cells(store, [1]).set_index("depth_percent")
    # cell depth 0: judge 10 and 10 -> mean 1.0; needle recall (1 + 0) / 2 = 0.5
    assert cells.loc[0.0, "mean_score"] == 1.0 and cells.loc[0.0, "mean_needle_recall"] == 0.5
    # cell depth 50: judge 1 -> 0.0; recall 9/12
    assert cells.loc[50.0, "mean_score"] == 0.0 and cells.loc[50.0, "mean_needle_recall"] == 0.75
    trials = cell_trials(store, 1, 1000, 0.0)
    assert sorted(trials["needle_recall"]) == [0.0, 1.0] and list(trials["score_raw"]) == [10.0, 10.0]


def test_hover_shows_both_and_the_figure_colours_by_either(store):
    commit(prepare([SourceFile("/j/results.json", json.dumps(_judge_items()).encode())], store), store)
    grid = layout_cells(heatmap_cells(store, [1]))[1]
    text = hover_texts(grid, "tokens")[0]
    assert "mean score (0..1): 1.000" in text and "needle words in the response (0..1): 0.500" in text
    by_score = heatmap_figure(grid, "tokens").data[0].marker.color
    by_recall = heatmap_figure(grid, "tokens", colour_by="mean_needle_recall").data[0].marker.color
    assert list(by_score) == [1.0, 0.0] and list(by_recall) == [0.5, 0.75]


def test_runs_without_needle_or_response_have_no_recall(store):
    items = [{"model": "m", "context_length": 1000, "depth_percent": 0.0, "version": 1, "score": 10}]
    commit(prepare([SourceFile("/j/results.json", json.dumps(items).encode())], store), store)
    cells = heatmap_cells(store, [1])
    assert pd.isna(cells.loc[0, "mean_needle_recall"])
    assert "needle words" not in hover_texts(layout_cells(cells)[1], "tokens")[0]


def test_migration_fills_stored_trials_with_the_same_definition():
    """The migration's expression (written before the response was split once per row) gives
    what ingest now computes, on every kind of pair."""
    needle = "The best thing to do in San Francisco is eat a sandwich and sit in Dolores Park on a sunny day."
    pairs = [(needle, "The best thing to do in San Francisco is to eat a sandwich in Dolores Park."),
             (needle, "I do not know, the Park"), (needle, ""), (needle, None), (None, "x"), ("The a of", "the"),
             ("Ünïcode café 42", "ÜNÏCODE, 42!"), ("sandwich sandwich SANDWICH", "a sandwich")]
    con = duckdb.connect()
    con.execute("CREATE TABLE niah_trials (i INTEGER, needle VARCHAR, response VARCHAR)")
    con.executemany("INSERT INTO niah_trials VALUES (?, ?, ?)", [(i, n, r) for i, (n, r) in enumerate(pairs)])
    con.execute((MIGRATIONS_DIR / "0012_needle_recall.sql").read_text(encoding="utf-8"))
    rows = con.execute(f"SELECT needle_recall, {needle_recall_sql('needle', 'response')} FROM niah_trials ORDER BY i").fetchall()
    assert [r[0] for r in rows] == [r[1] for r in rows]
    assert [r[1] for r in rows] == [0.75, 2 / 12, 0.0, None, None, None, 2 / 3, 1.0]
