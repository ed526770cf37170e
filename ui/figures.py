"""Plotly figures shared by the analysis pages (no Streamlit calls here)."""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.colors as pc
from plotly.subplots import make_subplots

import pandas as pd

from analysis.lengths import axis_title, format_length

PALETTE = pc.qualitative.Plotly + pc.qualitative.D3


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = pc.hex_to_rgb(hex_color)
    return f"rgba({r},{g},{b},{alpha})"


def line_panels(points: pd.DataFrame, names: dict[int, str], y_title: str = "score (0-1)",
                hline: float | None = None, scale: float = 1.0) -> go.Figure:
    """Score vs length, one line per run with a CI band, one panel per (length axis, metric kind).

    Args:
        points: ``analysis.degradation.length_points`` rows (mean, low, high, n, axis, metric_kind).
        names: run_id -> legend name.
        hline: y of a horizontal threshold line (drawn in every score panel).
        scale: multiply y values (100 for a 0-100 display).

    Numeric axes are log-scaled; the bucket axis is categorical in label order. Each trace's
    ``customdata`` is (run_id, length_value, length_label) so a click identifies the point.
    """
    panels = list(dict.fromkeys(zip(points["axis"], points["metric_kind"])))
    fig = make_subplots(rows=max(1, len(panels)), cols=1, vertical_spacing=0.12,
                        subplot_titles=[f"{axis_title(a)} · {'perplexity (lower is better)' if k == 'perplexity' else y_title}"
                                        for a, k in panels])
    order = {rid: i for i, rid in enumerate(dict.fromkeys(points["run_id"]))}
    shown = set()
    for row, (axis, kind) in enumerate(panels, start=1):
        sub = points[(points["axis"] == axis) & (points["metric_kind"] == kind)]
        f = 1.0 if kind == "perplexity" else scale
        for rid, g in sub.groupby("run_id", sort=False):
            g = g.sort_values(["length_value", "length_label"])
            x = g["length_label"].tolist() if axis == "bucket" else g["length_value"].tolist()
            c = color(order[rid])
            if g["low"].notna().any():
                fig.add_trace(go.Scatter(x=x + x[::-1], y=list(g["high"] * f) + list(g["low"] * f)[::-1],
                                         fill="toself", fillcolor=_rgba(c, 0.15), line={"width": 0},
                                         hoverinfo="skip", showlegend=False, legendgroup=str(rid)), row=row, col=1)
            text = [f"{format_length(v, l)} · n={n} ({src}) · 95% CI {lo * f:.3g}–{hi * f:.3g}"
                    for v, l, n, src, lo, hi in zip(g["length_value"], g["length_label"], g["n"], g["source"],
                                                    g["low"], g["high"])]
            fig.add_trace(go.Scatter(
                x=x, y=g["mean"] * f, mode="lines+markers", name=names.get(rid, str(rid)), legendgroup=str(rid),
                showlegend=rid not in shown, line={"color": c}, marker={"color": c},
                customdata=list(zip([int(rid)] * len(g), g["length_value"].fillna(-1), g["length_label"].fillna(""))),
                text=text, hovertemplate="%{fullData.name}<br>%{text}<br>mean %{y:.3g}<extra></extra>"),
                row=row, col=1)
            shown.add(rid)
        if axis != "bucket":
            fig.update_xaxes(type="log", row=row, col=1)
        else:
            fig.update_xaxes(type="category", row=row, col=1)
        if hline is not None and kind != "perplexity":
            fig.add_hline(y=hline, line_dash="dash", line_color="crimson", annotation_text=f"threshold {hline:g}",
                          row=row, col=1)
    fig.update_layout(height=380 * max(1, len(panels)), margin={"t": 40, "b": 30}, legend={"orientation": "h", "y": -0.15})
    return fig
