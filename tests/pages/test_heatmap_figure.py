"""The heatmap figure: gaps have their own hover, aggregated grids say so (built by hand)."""
from __future__ import annotations

import pandas as pd

from analysis.heatmap import NO_DATA, layout_cells
from ui.heatmap_figure import heatmap_figure


def _grid(lengths, depths, missing=(), run=1):
    cells = pd.DataFrame([dict(run_id=run, context_length=L, depth_percent=d, n=1, mean_score=1.0, raw_counts={1.0: 1})
                          for L in lengths for d in depths if (L, d) not in missing])
    return cells


def test_a_gap_is_a_grey_marker_with_its_own_hover():
    grid = layout_cells(_grid([1000, 2000, 4000], [0.0, 50.0], missing={(2000, 50.0)}))[1]
    fig = heatmap_figure(grid, "tokens")
    cells, gaps = fig.data
    assert len(cells.x) == 5 and list(zip(gaps.x, gaps.y)) == [(1, 1)]  # x = 2,000 (index 1), y = 50% (index 1)
    assert gaps.text[0] == f"context length: 2,000 tokens<br>depth: 50%<br>{NO_DATA}"
    assert gaps.hovertemplate == "%{text}<extra></extra>"
    # the gap's square is as large as a cell's, so the cursor anywhere over it is nearest to the gap itself
    assert gaps.marker.size == cells.marker.size and gaps.marker.symbol == "square"
    assert fig.layout.xaxis.title.text == "context length (tokens)"


def test_a_full_grid_has_no_gap_trace():
    assert len(heatmap_figure(layout_cells(_grid([1000, 2000], [0.0]))[1], "tokens").data) == 1


def test_a_grid_over_the_budget_is_binned_and_says_from_how_many_cells():
    lengths, depths = [1000 * (i + 1) for i in range(100)], [float(d) for d in range(50)]  # 5,000 cells > 3,600
    grid = layout_cells(_grid(lengths, depths))[1]
    assert len(grid) == 60 * 50  # lengths cut into 60 bins, the 50 depths kept
    fig = heatmap_figure(grid, "tokens")
    assert "aggregated from 5,000 cells into 3,000 bins" in fig.layout.xaxis.title.text
    assert fig.data[0].text[0].endswith("bin of 2 cells")  # 100 lengths / 60 bins: the first bins hold 2
    assert fig.data[0].text[0].startswith("context length: 1K–2K tokens")
