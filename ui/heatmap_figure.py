"""Plotly figure for one NIAH heatmap: square scatter markers on ordered categorical axes.

Scatter markers are used instead of a heatmap trace because Streamlit reports selections only for
point traces. The figure is sized so the squares tile: every cell has the same width and height.
Every figure uses the same fixed 0..1 colour scale, so small multiples are comparable.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.heatmap import COLOUR_BY, aggregated_from, gap_cells, hover_texts
from analysis.lengths import binary_note

COLORSCALE = [[0.0, "#d7301f"], [0.5, "#fdd49e"], [1.0, "#1a9850"]]
GAP_COLOR = "#d4d4d4"  # a cell without trials: grey, never a colour of the score scale
#: plot margins in px; left and bottom grow with the tick labels (:func:`_margins`): fixed margins
#: instead of Plotly's automargin, whose second layout pass doubled the drawing time of a chart
TOP, RIGHT_BAR, RIGHT_BARE, BOTTOM, BOTTOM_AGGREGATED = 16, 96, 16, 64, 84
CHAR_PX = 7  # width of one tick-label character at Plotly's 12 px default font (digits ~6.7 px)
MAX_CELL_PX, MIN_CELL_PX = 48, 6
MIN_PLOT_W, MIN_PLOT_H = 360, 260  # small grids still get a readable plot (cells then leave gaps)
#: small multiples drawn per page (300 picked runs were 300 figures, a 3.3 GB browser tab), and the
#: most runs whose summary is a row of metrics (more get a table)
CHARTS_PER_PAGE, MAX_METRICS = 12, 4


def heatmap_figure(grid: pd.DataFrame, length_unit: str, max_plot_width: int = 760,
                   colour_by: str = "mean_score", *, colour_bar: bool = True) -> go.Figure:
    """One run's heatmap (the page writes its title above it, so long model names are never cut).

    Args:
        grid: one entry of ``analysis.heatmap.layout_cells`` (point i of the trace = row i).
        length_unit: unit of context length for the axis title.
        max_plot_width: px available for the plot area; the cell size is derived from it.
        colour_by: the 0..1 measure that colours the cells, a key of ``analysis.heatmap.COLOUR_BY``
            (``mean_score``: the run's score; ``mean_needle_recall``: needle words found in the
            response). The hover shows both either way.
        colour_bar: draw the 0..1 colour bar right of the plot. Small multiples share one fixed
            scale, so a page draws it once per row (each colour bar costs a sixth of a chart's
            drawing time in the browser).

    Raises:
        ValueError: ``colour_by`` is not a key of ``COLOUR_BY``.

    Returns:
        A figure of fixed size. Trace 0 has one square marker per cell with data (point i = grid
        row i); trace 1 (when the grid has gaps) one grey marker per gap whose hover says
        "no data — not 0", so a gap never shows its neighbour's hover. An aggregated grid
        (``analysis.heatmap.aggregate_grid``) says "aggregated from N cells" in its axis title.
    """
    if colour_by not in COLOUR_BY:
        raise ValueError(f"colour_by must be one of {', '.join(COLOUR_BY)}, got {colour_by!r}")
    colour = grid[colour_by] if colour_by in grid else pd.Series(float("nan"), index=grid.index)
    nx, ny = int(grid["x"].max()) + 1, int(grid["y"].max()) + 1
    cell = max(MIN_CELL_PX, min(MAX_CELL_PX, max_plot_width / nx, 900 / ny))
    plot_w, plot_h = max(cell * nx, MIN_PLOT_W), max(cell * ny, MIN_PLOT_H)
    size = min(plot_w / nx, plot_h / ny)
    fig = go.Figure(
        go.Scatter(
            x=grid["x"], y=grid["y"], mode="markers",
            marker=dict(symbol="square", size=size - 1, sizemode="diameter", color=colour,
                        cmin=0.0, cmax=1.0, colorscale=COLORSCALE, line=dict(width=0), showscale=colour_bar,
                        colorbar=dict(title=dict(text="score 0..1" if colour_by == "mean_score" else "needle words 0..1",
                                                 side="right"), thickness=12, len=1.0,
                                      tickvals=[0, 0.25, 0.5, 0.75, 1.0])),
            text=hover_texts(grid, length_unit),
            hovertemplate="%{text}<extra></extra>",
            selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=0.45)),
        )
    )
    gaps = gap_cells(grid, length_unit)
    if len(gaps):
        fig.add_trace(go.Scatter(
            x=gaps["x"], y=gaps["y"], mode="markers", name="no data",
            marker=dict(symbol="square", size=size - 1, sizemode="diameter", color=GAP_COLOR, line=dict(width=0)),
            text=gaps["text"], hovertemplate="%{text}<extra></extra>",
            selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=1.0)),
        ))
    _add_not_evaluated(fig, grid, size)
    xl = grid.drop_duplicates("x").sort_values("x")
    yl = grid.drop_duplicates("y").sort_values("y")
    # every step-th label, so horizontal labels never overlap (no rotation, hence a fixed bottom margin)
    step_x = max(1, -(-nx * (CHAR_PX * int(xl["length_label"].str.len().max()) + 12) // int(plot_w)))
    step_y = max(1, round(ny * 16 / plot_h))
    y_ticks = yl["depth_label"][::step_y]
    margin = dict(l=40 + CHAR_PX * int(y_ticks.str.len().max()), r=RIGHT_BAR if colour_bar else RIGHT_BARE, t=TOP,
                  b=BOTTOM_AGGREGATED if "members" in grid else BOTTOM)
    fig.update_xaxes(tickvals=xl["x"][::step_x], ticktext=xl["length_label"][::step_x], range=[-0.5, nx - 0.5],
                     title_text=_x_title(grid, length_unit, xl["length_label"]), showgrid=False, zeroline=False,
                     fixedrange=True, tickangle=0)
    fig.update_yaxes(tickvals=yl["y"][::step_y], ticktext=y_ticks, range=[ny - 0.5, -0.5],
                     title_text="needle depth (%)", showgrid=False, zeroline=False, fixedrange=True)
    fig.update_layout(
        width=int(plot_w + margin["l"] + margin["r"]), height=int(plot_h + margin["t"] + margin["b"]),
        margin=margin, plot_bgcolor="#e9e9e9", showlegend=False, clickmode="event+select",
    )
    return fig


def _x_title(grid: pd.DataFrame, length_unit: str, labels: pd.Series) -> str:
    title = f"context length ({length_unit}{binary_note(labels)})"
    if "members" in grid:
        title += (f"<br>aggregated from {aggregated_from(grid):,} cells into {len(grid):,} bins "
                  "(trial-weighted means)")
    return title


def _add_not_evaluated(fig: go.Figure, grid: pd.DataFrame, size: float) -> None:
    """Grey crossed squares over cells with trials not evaluated (an error, no score): a second
    trace, so the selection of trace 0 still maps to the grid; never drawn as 0 %."""
    errs = grid[grid.get("n_not_evaluated", pd.Series(0, index=grid.index)) > 0]
    if errs.empty:
        return
    fig.add_trace(go.Scatter(
        x=errs["x"], y=errs["y"], mode="markers",
        marker=dict(symbol="square-x-open", size=size - 1, color="#757575", line=dict(width=1)),
        text=[f"{int(n)} trial{'s' if n != 1 else ''} not evaluated (error, no score)" for n in errs["n_not_evaluated"]],
        hovertemplate="%{text}<extra></extra>",
    ))
