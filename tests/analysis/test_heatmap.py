"""Heatmap aggregate (storage.niah) and layout / selection logic (analysis.heatmap), by hand."""
from __future__ import annotations

import pandas as pd

from analysis.heatmap import Cell, format_depth, grid_summary, layout_cells, raw_counts_text, selected_cells
from analysis.lengths import format_length
from storage.importers.parsed import ParsedFile
from storage.niah import TRIALS_FIRST, cell_trials, heatmap_cells
from storage.synthetic import write_parsed


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
    s = grid_summary(grid)
    assert s == {"mean_score": 0.5, "cells": 3, "trials": 4, "missing_cells": 1}
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
