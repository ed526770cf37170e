"""NIAH heatmap layout: ordered categorical grids, hover text, and selection -> cell mapping.

The heatmap is drawn as one scatter trace of square markers per run (Plotly heatmap traces do
not report selections in Streamlit). Point ``i`` of trace ``k`` is row ``i`` of the ``k``-th run's
grid returned by :func:`layout_cells`, so :func:`selected_cells` can map a selection event back to
(run, context length, depth percent) cells without any UI state.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import pandas as pd

from analysis.lengths import format_length


@dataclass(frozen=True)
class Cell:
    """One heatmap cell: a (run, context length, depth percent) triple."""

    run_id: int
    context_length: int
    depth_percent: float


def format_depth(depth: float) -> str:
    """Depth-percent label with only the decimals it needs: 50.0 -> ``50``, 0.896 -> ``0.896``."""
    return f"{depth:.3f}".rstrip("0").rstrip(".")


def layout_cells(cells: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """Split the aggregate into one grid per run with ordered, equal-width categories.

    Args:
        cells: output of ``storage.trials.heatmap_cells`` (run_id, context_length, depth_percent,
            n, mean_score, raw_counts).

    Returns:
        ``{run_id: grid}`` in first-appearance order of ``run_id``; each grid keeps the input
        columns plus ``x`` (context-length category index, ascending length), ``y`` (depth
        category index, ascending depth), ``length_label`` and ``depth_label``. Only cells
        present in the data are rows: missing cells stay gaps.
    """
    out: dict[int, pd.DataFrame] = {}
    for run_id, grid in cells.groupby("run_id", sort=False):
        grid = grid.sort_values(["context_length", "depth_percent"]).reset_index(drop=True)
        lengths = sorted(grid["context_length"].unique())
        depths = sorted(grid["depth_percent"].unique())
        grid["x"] = grid["context_length"].map({v: i for i, v in enumerate(lengths)})
        grid["y"] = grid["depth_percent"].map({v: i for i, v in enumerate(depths)})
        grid["length_label"] = [format_length(v, compact=True) for v in grid["context_length"]]
        grid["depth_label"] = grid["depth_percent"].map(format_depth)
        out[int(run_id)] = grid
    return out


def raw_counts_text(raw_counts: Any) -> str:
    """``{10.0: 3, 1.0: 1}`` -> ``"10 ×3, 1 ×1"`` (highest raw score first)."""
    if raw_counts is None or (isinstance(raw_counts, float) and pd.isna(raw_counts)):
        return "none"
    items = raw_counts.items() if isinstance(raw_counts, dict) else zip(raw_counts["key"], raw_counts["value"])
    parts = sorted(((k, v) for k, v in items if k is not None), key=lambda kv: -kv[0])
    return ", ".join(f"{k:g} ×{v}" for k, v in parts) or "none"


def hover_texts(grid: pd.DataFrame, length_unit: str) -> list[str]:
    """Hover text per grid row: length (with unit), depth, mean normalised score, n, raw scores."""
    texts = []
    for row in grid.itertuples():
        mean = "no score" if pd.isna(row.mean_score) else f"{row.mean_score:.3f}"
        texts.append(
            f"context length: {row.context_length:,} {length_unit}<br>depth: {row.depth_label}%"
            f"<br>mean score (0..1): {mean}<br>n = {row.n} trial{'s' if row.n != 1 else ''}"
            f"<br>raw scores: {raw_counts_text(row.raw_counts)}"
        )
    return texts


def selected_cells(points: Iterable[dict], grids: dict[int, pd.DataFrame]) -> list[Cell]:
    """Map Plotly selection points back to cells.

    Args:
        points: ``event.selection.points`` from ``st.plotly_chart(on_select=...)``; each has
            ``curve_number`` (trace = position of the run in ``grids``) and ``point_index``.
        grids: the :func:`layout_cells` result the figure was drawn from.

    Returns:
        Distinct cells in selection order; points that do not map to a cell are ignored.
    """
    run_ids = list(grids)
    seen: dict[Cell, None] = {}
    for p in points:
        curve, idx = p.get("curve_number"), p.get("point_index", p.get("point_number"))
        if curve is None or idx is None or not 0 <= curve < len(run_ids):
            continue
        grid = grids[run_ids[curve]]
        if not 0 <= idx < len(grid):
            continue
        row = grid.iloc[idx]
        seen[Cell(run_ids[curve], int(row["context_length"]), float(row["depth_percent"]))] = None
    return list(seen)


def grid_summary(grid: pd.DataFrame) -> dict[str, float]:
    """Trial-weighted mean score, number of cells, trials, and empty cells of the full grid."""
    n_cells_full = grid["x"].nunique() * grid["y"].nunique()
    scored = grid.dropna(subset=["mean_score"])
    weighted = (scored["mean_score"] * scored["n"]).sum() / scored["n"].sum() if len(scored) else float("nan")
    return {
        "mean_score": float(weighted),
        "cells": int(len(grid)),
        "trials": int(grid["n"].sum()),
        "missing_cells": int(n_cells_full - len(grid)),
    }
