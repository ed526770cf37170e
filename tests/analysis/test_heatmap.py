"""Heatmap aggregate (storage.trials) and layout / selection logic (analysis.heatmap), by hand."""
from __future__ import annotations

import pandas as pd

import math

from analysis.heatmap import (NO_DATA, Cell, aggregated_from, format_depth, gap_cells, layout_cells, raw_counts_text,
                              selected_cells)
from analysis.lengths import format_length
from storage.importers.parsed import ParsedFile
from storage.trials import TRIALS_FIRST, cell_trials, heatmap_cells, heatmap_run_summaries
from tests.factories import write_parsed


def _run(store) -> int:
    trials = pd.DataFrame({
        "context_length": [1000, 1000, 1000, 2000],
        "depth_percent": [0.0, 0.0, 50.0, 0.0],
        "score_raw": [1.0, 0.0, 1.0, 0.0],  # (2000, 50%) has no trial: a gap
        "needle": ["n"] * 4,
        "response": ["<b>yes</b>", "no", "yes", "no"],
    })
    ids = write_parsed(store, [ParsedFile(format="synthetic", run_key="t", benchmark="niah", score_scale="binary",
                                          length_unit="tokens", model="m", model_source="field", niah_trials=trials)])
    return ids["t"]


def test_cells_mean_n_and_raw_counts(store):
    run = _run(store)
    cells = heatmap_cells(store, [run])
    assert len(cells) == 3  # the missing cell is absent, not a 0
    first = cells.iloc[0]
    assert (first.context_length, first.depth_percent, first.n, first.mean_score) == (1000, 0.0, 2, 0.5)
    assert raw_counts_text(first.raw_counts) == "1 ×1, 0 ×1"
    only_first = heatmap_cells(store, [run], TRIALS_FIRST)
    assert only_first.iloc[0].n == 1 and only_first.iloc[0].mean_score == 1.0  # trial 0 = first row in file order


def test_layout_gaps_summary_and_selection(store):
    run = _run(store)
    grids = layout_cells(heatmap_cells(store, [run]))
    grid = grids[run]
    assert list(zip(grid.x, grid.y)) == [(0, 0), (0, 1), (1, 0)]
    assert list(grid.length_label) == ["1K", "1K", "2K"]
    # (0.5 x 2 + 1.0 x 1 + 0.0 x 1) / 4 trials = 0.5; 2 lengths x 2 depths - 3 cells = 1 gap
    s = heatmap_run_summaries(store, [run]).loc[run]
    assert s.to_dict() == {"mean_score": 0.5, "cells": 3, "trials": 4, "missing_cells": 1}
    # trial 0 only: (1000, 0%) = 1, (1000, 50%) = 1, (2000, 0%) = 0 -> 2 / 3
    s = heatmap_run_summaries(store, [run], TRIALS_FIRST).loc[run]
    assert s.to_dict() == {"mean_score": 2 / 3, "cells": 3, "trials": 3, "missing_cells": 1}
    gaps = gap_cells(grid, "tokens")
    assert gaps[["x", "y"]].values.tolist() == [[1, 1]]
    assert gaps["text"][0] == f"context length: 2,000 tokens<br>depth: 50%<br>{NO_DATA}"
    points = [{"curve_number": 0, "point_index": 2}, {"curve_number": 0, "point_index": 2},
              {"curve_number": 1, "point_index": 0}, {"curve_number": 0, "point_index": 9}]
    assert selected_cells(points, grids) == [Cell(run, 2000, 0.0)]
    trials = cell_trials(store, run, 1000, 0.0)
    assert list(trials.trial) == [0, 1] and trials.response[0] == "<b>yes</b>"  # stored as text, shown escaped


def test_labels():
    assert [format_length(v, compact=True) for v in (512, 1000, 6853, 200000, 1_048_576, 4096)] == \
        ["512", "1K", "6.9K", "200K", "1Mi", "4Ki"]
    assert format_length(6853) == "6,853"  # exact unless compact
    assert [format_depth(v) for v in (0.0, 0.896, 50.0, 12.5)] == ["0", "0.896", "50", "12.5"]


def _cells(run=7):
    # 4 lengths x 2 depths; (2000, 50), (3000, 50), (4000, 50) have no trial; (3000, 0) none scored
    rows = [(1000, 0.0, 2, 1.0, {1.0: 2}), (2000, 0.0, 2, 0.0, {0.0: 2}), (1000, 50.0, 1, 1.0, {1.0: 1}),
            (3000, 0.0, 3, float("nan"), None), (4000, 0.0, 1, 0.0, {0.0: 1})]
    return pd.DataFrame([dict(run_id=run, context_length=L, depth_percent=d, n=n, mean_score=m, raw_counts=rc)
                         for L, d, n, m, rc in rows])


def test_grid_above_the_cell_budget_is_aggregated_into_bins():
    grid = layout_cells(_cells(), max_cells=4, max_bins=2)[7]  # 4 x 2 = 8 cells > 4: lengths cut into 2 bins
    assert grid[["x", "y"]].values.tolist() == [[0, 0], [0, 1], [1, 0]]
    assert list(grid["length_label"]) == ["1K–2K", "1K–2K", "3K–4K"] and list(grid["depth_label"]) == ["0", "50", "0"]
    # bin (1K-2K, 0%): (1.0 x 2 + 0.0 x 2) / 4 = 0.5; bin (3K-4K, 0%): 3000 has no scored trial -> 0.0 / 1 = 0.0
    assert list(grid["n"]) == [4, 1, 4] and list(grid["mean_score"]) == [0.5, 1.0, 0.0]
    assert grid["raw_counts"][0] == {1.0: 2, 0.0: 2} and raw_counts_text(grid["raw_counts"][2]) == "0 ×1"
    assert aggregated_from(grid) == 5
    assert gap_cells(grid, "tokens")["text"].tolist() == [f"context length: 3K–4K tokens<br>depth: 50%<br>{NO_DATA}"]
    # a clicked bin stands for all its cells
    assert selected_cells([{"curve_number": 0, "point_index": 0}], {7: grid}) == [Cell(7, 1000, 0.0), Cell(7, 2000, 0.0)]
    assert aggregated_from(layout_cells(_cells())[7]) == 0  # 8 cells: within the default budget, drawn as they are


def test_an_aggregated_bin_keeps_its_trials_not_evaluated():
    cells = _cells().assign(n_not_evaluated=[0, 1, 0, 3, 0])  # (2000, 0): 1 of its 2 trials; (3000, 0): all 3
    grid = layout_cells(cells, max_cells=4, max_bins=2)[7]
    assert list(grid["n_not_evaluated"]) == [1, 0, 3]  # bins (1K-2K, 0%), (1K-2K, 50%), (3K-4K, 0%)


def _summary_run(store, key: str, scores: dict) -> int:
    """A binary NIAH run with the trials ``{(length, depth): [score_raw or None, ...]}`` (None = not evaluated)."""
    rows = [(L, d, x) for (L, d), xs in scores.items() for x in xs]
    trials = pd.DataFrame({"context_length": [r[0] for r in rows], "depth_percent": [r[1] for r in rows],
                           "score_raw": pd.array([r[2] for r in rows], dtype="Float64")})
    ids = write_parsed(store, [ParsedFile(format="synthetic", run_key=key, benchmark="niah", score_scale="binary",
                                          length_unit="tokens", model=key, model_source="field", niah_trials=trials)])
    return ids[key]


def test_summaries_of_many_runs_in_one_query(store):
    # 4 lengths x 2 depths; (2000, 50), (3000, 50), (4000, 50) have no trial; (3000, 0) has 3 trials not evaluated
    grid = {(1000, 0.0): [1, 1], (2000, 0.0): [0, 0], (1000, 50.0): [1], (3000, 0.0): [None] * 3, (4000, 0.0): [0]}
    a = _summary_run(store, "a", grid)
    b = _summary_run(store, "b", {(1000, 0.0): [None, None]})
    s = heatmap_run_summaries(store, [b, a])
    assert list(s.index) == sorted([a, b])
    # run a: (1 + 1 + 0 + 0 + 1 + 0) / 6 scored trials = 0.5 (not evaluated weigh nothing); 4 x 2 - 5 = 3 gaps
    assert s.loc[a].to_dict() == {"mean_score": 0.5, "cells": 5, "trials": 9, "missing_cells": 3}
    assert math.isnan(s.loc[b, "mean_score"])  # nothing scored: NaN, not 0
