"""Figure builders of the probe pages: retrieval-score heatmaps, the ranked-score curve, the
masking-check bars (Plotly; pages draw them with ``st.plotly_chart``)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def head_heatmap(mat: pd.DataFrame, title: str, diff: bool = False) -> go.Figure:
    """Layer × query-head heatmap of ``mat`` ([layers, heads]: index = layer, columns = head).

    ``diff``: a difference of two score maps, on a diverging scale centred on 0; otherwise scores
    on 0..max(1, largest score).
    """
    fig = go.Figure(go.Heatmap(z=mat.to_numpy(), x=list(mat.columns), y=list(mat.index),
                               colorscale="RdBu" if diff else "Viridis", zmid=0 if diff else None,
                               zmin=None if diff else 0, zmax=None if diff else max(1.0, float(mat.max().max())),
                               colorbar=dict(title="Δ score" if diff else "score"),
                               hovertemplate="layer %{y}, head %{x}: %{z:.3f}<extra></extra>"))
    fig.update_layout(title=title, xaxis_title="query head", yaxis_title="layer", height=480,
                      margin=dict(l=60, r=20, t=40, b=50))
    return fig


def ranked_scores(scores, threshold: float) -> go.Figure:
    """Scores sorted best first ([heads]) with the retrieval-head ``threshold`` drawn."""
    curve = go.Figure(go.Scatter(y=scores, mode="lines+markers", marker=dict(size=3)))
    curve.add_hline(y=threshold, line_dash="dash", annotation_text=f"threshold {threshold:g}")
    curve.update_layout(height=260, xaxis_title="head rank", yaxis_title="score", margin=dict(l=60, r=20, t=20, b=40))
    return curve


def masking_bars(summary: pd.DataFrame) -> go.Figure:
    """Accuracy and answer recall per masking condition (``summary``: condition, accuracy, recall), 0..1."""
    bars = go.Figure([go.Bar(name="accuracy (exact match)", x=summary["condition"], y=summary["accuracy"]),
                      go.Bar(name="answer recall", x=summary["condition"], y=summary["recall"])])
    bars.update_layout(barmode="group", yaxis_range=[0, 1], height=320, margin=dict(l=60, r=20, t=20, b=40))
    return bars
