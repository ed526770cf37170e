"""Plotly figures shared by the analysis pages (no Streamlit calls here)."""
from __future__ import annotations

import plotly.graph_objects as go
import plotly.colors as pc
from plotly.subplots import make_subplots

import numpy as np
import pandas as pd

from analysis.display_text import html_literal
from analysis.lengths import axis_title, binary_note, format_length, label_order

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
        names: run_id -> legend name (when ``points`` has a ``series`` column - see
            ``analysis.degradation.combine_runs`` - lines follow it and it is the legend name).
        hline: y of a horizontal threshold line (drawn in every score panel).
        scale: multiply y values (100 for a 0-100 display).

    Numeric axes are log-scaled; the bucket axis is categorical in label order. Each trace's
    ``customdata`` is (run_id, length_value, length_label) so a click identifies the point.
    """
    panels = list(dict.fromkeys(zip(points["axis"], points["metric_kind"])))
    fig = make_subplots(rows=max(1, len(panels)), cols=1, vertical_spacing=0.12,
                        subplot_titles=[f"{axis_title(a)} · {'perplexity (lower is better)' if k == 'perplexity' else y_title}"
                                        for a, k in panels])
    by = "series" if "series" in points else "run_id"
    order = {rid: i for i, rid in enumerate(dict.fromkeys(points[by]))}
    shown = set()
    for row, (axis, kind) in enumerate(panels, start=1):
        sub = points[(points["axis"] == axis) & (points["metric_kind"] == kind)]
        f = 1.0 if kind == "perplexity" else scale
        for rid, g in sub.groupby(by, sort=False):
            g = g.assign(_o=g["length_label"].map(label_order)).sort_values(["length_value", "_o"])
            x = g["length_label"].tolist() if axis == "bucket" else g["length_value"].tolist()
            c = color(order[rid])
            if g["low"].notna().any():
                fig.add_trace(go.Scatter(x=x + x[::-1], y=list(g["high"] * f) + list(g["low"] * f)[::-1],
                                         mode="lines", fill="toself", fillcolor=_rgba(c, 0.15), line={"width": 0},
                                         hoverinfo="skip", showlegend=False, legendgroup=str(rid)), row=row, col=1)
            text = [f"{format_length(v, l)} · n={n} ({src}) · 95% CI {lo * f:.3g}–{hi * f:.3g}"
                    for v, l, n, src, lo, hi in zip(g["length_value"], g["length_label"], g["n"], g["source"],
                                                    g["low"], g["high"])]
            fig.add_trace(go.Scatter(
                x=x, y=g["mean"] * f, mode="lines+markers", legendgroup=str(rid),
                name=html_literal(names.get(rid, rid) if by == "run_id" else rid),
                showlegend=rid not in shown, line={"color": c}, marker={"color": c},
                customdata=list(zip(g["run_id"].astype(int), g["length_value"].fillna(-1), g["length_label"].fillna(""))),
                text=text, hovertemplate="%{fullData.name}<br>%{text}<br>mean %{y:.3g}<extra></extra>"),
                row=row, col=1)
            shown.add(rid)
        if axis != "bucket":
            # label the tested lengths (at most ~10) instead of Plotly's log minor ticks ("4 5 6 ... 2 3")
            tested = sorted(v for v in sub["length_value"].dropna().unique() if v > 0)  # 0 (BABILong 0k) has no log
            if len(tested) > 12:  # many lengths: a 1-2-5 series over their range
                lo, hi = tested[0], tested[-1]
                tested = [m * 10 ** e for e in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
                          for m in (1, 2, 5) if lo <= m * 10 ** e <= hi]
            ticks = tested[::max(1, -(-len(tested) // 10))]
            labels = [format_length(v, compact=True) for v in ticks]
            fig.update_xaxes(type="log", tickvals=ticks, ticktext=labels, title_text=binary_note(labels).lstrip(" ·"),
                             row=row, col=1)
        else:
            fig.update_xaxes(type="category", row=row, col=1)
        if hline is not None and kind != "perplexity":
            fig.add_hline(y=hline, line_dash="dash", line_color="crimson", annotation_text=f"threshold {hline:g}",
                          row=row, col=1)
    fig.update_layout(height=380 * max(1, len(panels)), margin={"t": 40, "b": 30}, legend={"orientation": "h", "y": -0.15})
    return fig


def depth_panels(points: pd.DataFrame, names: dict[int, str]) -> go.Figure:
    """Score vs depth percent, one panel per length band, one line (with 95% CI band) per run.

    Args:
        points: ``analysis.depth.depth_points`` rows.
    """
    bands = list(dict.fromkeys(points.sort_values("band_start")["band"]))
    fig = make_subplots(rows=1, cols=max(1, len(bands)), shared_yaxes=True,
                        subplot_titles=[f"length {b}" for b in bands])
    order = {rid: i for i, rid in enumerate(dict.fromkeys(points["run_id"]))}
    for col, band in enumerate(bands, start=1):
        for rid, g in points[points["band"] == band].groupby("run_id", sort=False):
            c, x = color(order[rid]), g["depth_percent"].tolist()
            if g["low"].notna().any():
                fig.add_trace(go.Scatter(x=x + x[::-1], y=list(g["high"]) + list(g["low"])[::-1], mode="lines", fill="toself",
                                         fillcolor=_rgba(c, 0.15), line={"width": 0}, hoverinfo="skip",
                                         showlegend=False, legendgroup=str(rid)), row=1, col=col)
            fig.add_trace(go.Scatter(x=x, y=g["mean"], mode="lines+markers", name=html_literal(names.get(rid, rid)),
                                     legendgroup=str(rid), showlegend=col == 1, line={"color": c},
                                     customdata=[(int(rid), d, lo, hi) for d, lo, hi in
                                                 zip(g["depth_percent"], g["band_start"], g["band_end"])],
                                     text=[f"n={n} · 95% CI {lo:.3g}–{hi:.3g}" for n, lo, hi in
                                           zip(g["n"], g["low"], g["high"])],
                                     hovertemplate="depth %{x}%<br>mean %{y:.3g}<br>%{text}<extra>%{fullData.name}</extra>"),
                          row=1, col=col)
        fig.update_xaxes(title_text="depth percent", range=[-2, 102], row=1, col=col)
    fig.update_yaxes(title_text="score (0-1)", row=1, col=1)
    fig.update_layout(height=420, margin={"t": 40}, legend={"orientation": "h", "y": -0.2})
    return fig


def u_shape_bars(u: pd.DataFrame, names: dict[int, str]) -> go.Figure:
    """Edges-minus-middle per band and run, with the 95% CI as error bars (``analysis.depth.u_shape``)."""
    fig = go.Figure()
    for i, (rid, g) in enumerate(u.groupby("run_id", sort=False)):
        fig.add_trace(go.Bar(x=g["band"], y=g["u"], name=html_literal(names.get(rid, rid)), marker_color=color(i),
                             error_y={"type": "data", "symmetric": False, "array": (g["high"] - g["u"]).tolist(),
                                      "arrayminus": (g["u"] - g["low"]).tolist()}))
    fig.add_hline(y=0, line_color="grey")
    fig.update_layout(barmode="group", height=340, yaxis_title="edges − middle (score)", xaxis_title="length band",
                      margin={"t": 20})
    return fig


def correlation_grid(pairs: pd.DataFrame, columns: list[str], method: str) -> go.Figure:
    """Correlation matrix drawn as square scatter markers (so a click reports the cell - Plotly
    heatmap traces report no selection in Streamlit). Colour = ``method`` coefficient on a
    diverging scale centred at 0; pairs without enough shared models are grey. ``customdata``
    of each marker is (a, b)."""
    rows = []
    for p in pairs.itertuples():
        for a, b in ((p.a, p.b), (p.b, p.a)):
            rows.append({"x": a, "y": b, "r": getattr(p, method), "n": p.n, "enough": p.enough and pd.notna(getattr(p, method)),
                         "lo": getattr(p, f"{method}_low"), "hi": getattr(p, f"{method}_high")})
    cells = pd.DataFrame(rows, columns=["x", "y", "r", "n", "enough", "lo", "hi"])
    n_cols = max(1, len(columns))
    size = max(8, min(44, 480 // n_cols))
    fig = go.Figure()
    ok, grey = cells[cells["enough"]], cells[~cells["enough"]]
    fig.add_trace(go.Scatter(
        x=ok["x"], y=ok["y"], mode="markers+text", marker={"symbol": "square", "size": size, "color": ok["r"],
                                                           "colorscale": "RdBu", "cmin": -1, "cmax": 1,
                                                           "colorbar": {"title": method}},
        text=[f"{r:.2f}" for r in ok["r"]], textfont={"size": 10}, customdata=list(zip(ok["x"], ok["y"])),
        hovertext=[f"{html_literal(x)} vs {html_literal(y)}<br>{method} {r:.3f} (95% CI {lo:.2f}–{hi:.2f})<br>n = {n} shared models"
                   for x, y, r, lo, hi, n in zip(ok["x"], ok["y"], ok["r"], ok["lo"], ok["hi"], ok["n"])],
        hoverinfo="text", name="enough models"))
    fig.add_trace(go.Scatter(
        x=grey["x"], y=grey["y"], mode="markers+text", marker={"symbol": "square", "size": size, "color": "#d0d0d0"},
        text=[f"n={n}" for n in grey["n"]], textfont={"size": 9, "color": "#777"},
        customdata=list(zip(grey["x"], grey["y"])), hovertext=[f"{html_literal(x)} vs {html_literal(y)}: only {n} shared models" for x, y, n in
                                                               zip(grey["x"], grey["y"], grey["n"])],
        hoverinfo="text", name="too few shared models"))
    fig.update_xaxes(categoryorder="array", categoryarray=columns, type="category")
    fig.update_yaxes(categoryorder="array", categoryarray=columns[::-1], type="category", scaleanchor="x",
                     scaleratio=1)
    fig.update_layout(height=160 + n_cols * (size + 10), margin={"t": 20}, showlegend=False, plot_bgcolor="white")
    return fig


def pair_scatter(matrix: pd.DataFrame, a: str, b: str) -> go.Figure:
    """Scatter of two columns of the models x benchmarks matrix over their shared models, each point
    labelled with its model (labels alternate above / below along x and lean inwards at the edges,
    so neighbours and long names stay readable)."""
    pair = matrix[[a, b]].dropna().sort_values(a)
    sa, sb = html_literal(a), html_literal(b)
    fig = go.Figure(go.Scatter(x=pair[a], y=pair[b], mode="markers+text", text=[html_literal(m) for m in pair.index],
                               textposition=_label_positions(pair[a].to_numpy()), cliponaxis=False,
                               hovertemplate="%{text}<br>" + f"{sa} " + "%{x:.3f}<br>" + f"{sb} " + "%{y:.3f}<extra></extra>"))
    fig.update_layout(xaxis_title=f"{sa} (0-1)", yaxis_title=f"{sb} (0-1)", height=420, margin={"t": 30})
    for axis, values in (("xaxis", pair[a]), ("yaxis", pair[b])):
        lo, hi = float(values.min()), float(values.max())
        pad = 0.12 * (hi - lo) if hi > lo else 0.05
        fig.update_layout({axis: {"range": [lo - pad, hi + pad]}})
    return fig


def _label_positions(x) -> list[str]:
    """Plotly text positions for points sorted by x: alternately above and below; a label in the
    left third of the x range reads to the right, one in the right third to the left."""
    lo, hi = (float(x.min()), float(x.max())) if len(x) else (0.0, 0.0)
    span = hi - lo or 1.0
    out = []
    for i, v in enumerate(x):
        side = "right" if (v - lo) / span < 1 / 3 else "left" if (v - lo) / span > 2 / 3 else "center"
        out.append(("top " if i % 2 == 0 else "bottom ") + side)
    return out


def diff_heatmap(cells: pd.DataFrame, row_title: str, column_title: str) -> go.Figure:
    """Candidate − baseline heatmap (``analysis.compare.cell_diff``) on a diverging scale centred at
    0, with cells that only one run has marked (× only baseline, ○ only candidate)."""
    cols = list(dict.fromkeys(cells.sort_values("column_order")["column"]))
    rows = list(dict.fromkeys(cells.sort_values(["row_order", "row"])["row"]))
    both = cells[cells["presence"] == "both"]
    z = both.pivot_table(index="row", columns="column", values="diff", aggfunc="mean").reindex(index=rows, columns=cols)
    lim = float(max(abs(both["diff"]).max(), 1e-9)) if len(both) else 1.0
    fig = go.Figure(go.Heatmap(z=z.values, x=cols, y=rows, colorscale="RdBu", zmid=0, zmin=-lim, zmax=lim,
                               colorbar={"title": "cand − base"},
                               hovertemplate=f"{row_title} %{{y}}<br>{column_title} %{{x}}<br>diff %{{z:.3f}}<extra></extra>"))
    for presence, symbol in (("only baseline", "x"), ("only candidate", "circle-open")):
        sub = cells[cells["presence"] == presence]
        if len(sub):
            fig.add_trace(go.Scatter(x=sub["column"], y=sub["row"], mode="markers", name=presence,
                                     marker={"symbol": symbol, "size": 10, "color": "black"},
                                     hovertemplate=f"{presence}<br>%{{y}} · %{{x}}<extra></extra>"))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=cols, title_text=column_title)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=rows, title_text=row_title)
    fig.update_layout(height=max(360, 40 + 22 * len(rows)), margin={"t": 20}, legend={"orientation": "h", "y": -0.2})
    return fig
