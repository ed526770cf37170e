"""Plotly figure for one NIAH heatmap: square scatter markers on ordered categorical axes.

Scatter markers are used instead of a heatmap trace because Streamlit reports selections only for
point traces. The figure is sized so the squares tile: every cell has the same width and height.
Every figure uses the same fixed 0..1 colour scale, so small multiples are comparable.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.heatmap import hover_texts
from analysis.lengths import binary_note

COLORSCALE = [[0.0, "#d7301f"], [0.5, "#fdd49e"], [1.0, "#1a9850"]]
MARGIN = dict(l=64, r=96, t=16, b=64)
MAX_CELL_PX, MIN_CELL_PX = 48, 6
MIN_PLOT_W, MIN_PLOT_H = 360, 260  # small grids still get a readable plot (cells then leave gaps)


def heatmap_figure(grid: pd.DataFrame, length_unit: str, max_plot_width: int = 760) -> go.Figure:
    """One run's heatmap (the page writes its title above it, so long model names are never cut).

    Args:
        grid: one entry of ``analysis.heatmap.layout_cells`` (point i of the trace = row i).
        length_unit: unit of context length for the axis title.
        max_plot_width: px available for the plot area; the cell size is derived from it.

    Returns:
        A figure of fixed size whose single trace has one square marker per cell with data.
    """
    nx, ny = int(grid["x"].max()) + 1, int(grid["y"].max()) + 1
    cell = max(MIN_CELL_PX, min(MAX_CELL_PX, max_plot_width / nx, 900 / ny))
    plot_w, plot_h = max(cell * nx, MIN_PLOT_W), max(cell * ny, MIN_PLOT_H)
    size = min(plot_w / nx, plot_h / ny)
    fig = go.Figure(
        go.Scatter(
            x=grid["x"], y=grid["y"], mode="markers",
            marker=dict(symbol="square", size=size - 1, sizemode="diameter", color=grid["mean_score"],
                        cmin=0.0, cmax=1.0, colorscale=COLORSCALE, line=dict(width=0),
                        colorbar=dict(title=dict(text="score 0..1", side="right"), thickness=12, len=1.0,
                                      tickvals=[0, 0.25, 0.5, 0.75, 1.0])),
            text=hover_texts(grid, length_unit),
            hovertemplate="%{text}<extra></extra>",
            selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=0.45)),
        )
    )
    xl = grid.drop_duplicates("x").sort_values("x")
    yl = grid.drop_duplicates("y").sort_values("y")
    step_x, step_y = max(1, round(nx * 48 / plot_w)), max(1, round(ny * 16 / plot_h))
    fig.update_xaxes(tickvals=xl["x"][::step_x], ticktext=xl["length_label"][::step_x], range=[-0.5, nx - 0.5],
                     title_text=f"context length ({length_unit}{binary_note(xl['length_label'])})", showgrid=False, zeroline=False, fixedrange=True,
                     automargin=True)
    fig.update_yaxes(tickvals=yl["y"][::step_y], ticktext=yl["depth_label"][::step_y], range=[ny - 0.5, -0.5],
                     title_text="needle depth (%)", showgrid=False, zeroline=False, fixedrange=True,
                     automargin=True)
    fig.update_layout(
        width=int(plot_w + MARGIN["l"] + MARGIN["r"]), height=int(plot_h + MARGIN["t"] + MARGIN["b"]),
        margin=MARGIN, plot_bgcolor="#e9e9e9", showlegend=False, clickmode="event+select",
    )
    return fig
