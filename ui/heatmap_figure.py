"""Plotly figure for one NIAH heatmap: square scatter markers on ordered categorical axes.

Scatter markers are used instead of a heatmap trace because Streamlit reports selections only for
point traces. The figure is sized so the squares tile: every cell has the same width and height.
Every figure uses the same fixed 0..1 colour scale, so small multiples are comparable.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analysis.heatmap import hover_texts

COLORSCALE = [[0.0, "#d7301f"], [0.5, "#fdd49e"], [1.0, "#1a9850"]]
MARGIN = dict(l=64, r=96, t=40, b=64)
MAX_CELL_PX, MIN_CELL_PX = 26, 6


def heatmap_figure(grid: pd.DataFrame, title: str, length_unit: str, max_plot_width: int = 760) -> go.Figure:
    """One run's heatmap.

    Args:
        grid: one entry of ``analysis.heatmap.layout_cells`` (point i of the trace = row i).
        title: figure title. length_unit: unit of context length for the axis title.
        max_plot_width: px available for the plot area; the cell size is derived from it.

    Returns:
        A figure of fixed size whose single trace has one square marker per cell with data.
    """
    nx, ny = int(grid["x"].max()) + 1, int(grid["y"].max()) + 1
    cell = max(MIN_CELL_PX, min(MAX_CELL_PX, max_plot_width / nx, 900 / ny))
    plot_w, plot_h = cell * nx, cell * ny
    fig = go.Figure(
        go.Scatter(
            x=grid["x"], y=grid["y"], mode="markers",
            marker=dict(symbol="square", size=cell - 1, sizemode="diameter", color=grid["mean_score"],
                        cmin=0.0, cmax=1.0, colorscale=COLORSCALE, line=dict(width=0),
                        colorbar=dict(title="score<br>0..1", thickness=12, len=min(1.0, 260 / plot_h + 0.3))),
            text=hover_texts(grid, length_unit),
            hovertemplate="%{text}<extra></extra>",
            selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=0.45)),
        )
    )
    xl = grid.drop_duplicates("x").sort_values("x")
    yl = grid.drop_duplicates("y").sort_values("y")
    step_x, step_y = max(1, round(nx * 48 / plot_w)), max(1, round(ny * 16 / plot_h))
    fig.update_xaxes(tickvals=xl["x"][::step_x], ticktext=xl["length_label"][::step_x], range=[-0.5, nx - 0.5],
                     title_text=f"context length ({length_unit})", showgrid=False, zeroline=False, fixedrange=True)
    fig.update_yaxes(tickvals=yl["y"][::step_y], ticktext=yl["depth_label"][::step_y], range=[ny - 0.5, -0.5],
                     title_text="needle depth (%)", showgrid=False, zeroline=False, fixedrange=True)
    fig.update_layout(
        title=dict(text=title, x=0.0, xanchor="left", font=dict(size=14)),
        width=int(plot_w + MARGIN["l"] + MARGIN["r"]), height=int(plot_h + MARGIN["t"] + MARGIN["b"]),
        margin=MARGIN, plot_bgcolor="#e9e9e9", showlegend=False, clickmode="event+select",
    )
    return fig
