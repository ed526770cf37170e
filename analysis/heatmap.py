"""NIAH heatmap layout: ordered categorical grids, hover text, and selection -> cell mapping.

The heatmap is drawn as one scatter trace of square markers per run (Plotly heatmap traces do
not report selections in Streamlit). Point ``i`` of trace ``k`` is row ``i`` of the ``k``-th run's
grid returned by :func:`layout_cells`, so :func:`selected_cells` can map a selection event back to
(run, context length, depth percent) cells without any UI state.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from analysis.lengths import format_length


@dataclass(frozen=True)
class Cell:
    """One heatmap cell: a (run, context length, depth percent) triple."""

    run_id: int
    context_length: int
    depth_percent: float


def parse_cell(text: str) -> Cell | None:
    """A cell from its URL form ``RUN:LENGTH:DEPTH`` (``12:32000:50``), or None when malformed."""
    parts = str(text).split(":")
    try:
        return Cell(int(parts[0]), int(parts[1]), float(parts[2])) if len(parts) == 3 else None
    except ValueError:
        return None


def format_depth(depth: float) -> str:
    """Depth-percent label with only the decimals it needs: 50.0 -> ``50``, 0.896 -> ``0.896``."""
    return f"{depth:.3f}".rstrip("0").rstrip(".")


#: most cells one heatmap draws; larger grids are aggregated into at most MAX_BINS x MAX_BINS bins
#: (a 120k-cell grid drawn cell by cell is a 20 MB figure; 60 x 60 squares still fit 760 px at >= 12 px)
MAX_CELLS, MAX_BINS = 3600, 60


def layout_cells(cells: pd.DataFrame, max_cells: int = MAX_CELLS, max_bins: int = MAX_BINS) -> dict[int, pd.DataFrame]:
    """Split the aggregate into one grid per run with ordered, equal-width categories.

    Args:
        cells: output of ``storage.trials.heatmap_cells`` (run_id, context_length, depth_percent,
            n, mean_score, raw_counts).
        max_cells: cell budget of one grid (distinct lengths x distinct depths). Above it, each
            axis with more than ``max_bins`` categories is cut into ``max_bins`` bins of
            consecutive categories (equal numbers of distinct values, ``numpy.array_split``)
            and every bin shows the trial-weighted mean of its cells (see :func:`aggregate_grid`).

    Returns:
        ``{run_id: grid}`` in first-appearance order of ``run_id``; each grid keeps the input
        columns plus ``x`` (context-length category index, ascending length), ``y`` (depth
        category index, ascending depth), ``length_label`` and ``depth_label``. Only cells
        present in the data are rows: missing cells stay gaps. An aggregated grid also has
        ``members`` (the (context_length, depth_percent) cells of each bin; see
        :func:`aggregated_from`).
    """
    out: dict[int, pd.DataFrame] = {}
    for run_id, grid in cells.groupby("run_id", sort=False):
        grid = grid.sort_values(["context_length", "depth_percent"]).reset_index(drop=True)
        lengths = np.sort(grid["context_length"].unique())
        depths = np.sort(grid["depth_percent"].unique())
        if len(lengths) * len(depths) > max_cells:
            out[int(run_id)] = aggregate_grid(grid, lengths, depths, max_bins)
            continue
        grid["x"] = grid["context_length"].map({v: i for i, v in enumerate(lengths)})
        grid["y"] = grid["depth_percent"].map({v: i for i, v in enumerate(depths)})
        labels = {v: format_length(v, compact=True) for v in lengths}
        grid["length_label"] = grid["context_length"].map(labels)
        grid["depth_label"] = grid["depth_percent"].map(format_depth)
        out[int(run_id)] = grid
    return out


def _bins(values: np.ndarray, max_bins: int) -> tuple[pd.Series, list[tuple]]:
    """value -> bin index over consecutive groups of sorted distinct ``values``, and (lo, hi) per bin."""
    groups = np.array_split(values, min(len(values), max_bins))
    index = pd.Series(np.repeat(np.arange(len(groups)), [len(g) for g in groups]), index=values)
    return index, [(g[0], g[-1]) for g in groups]


def aggregate_grid(grid: pd.DataFrame, lengths: np.ndarray, depths: np.ndarray, max_bins: int) -> pd.DataFrame:
    """One run's grid binned to at most ``max_bins`` lengths x ``max_bins`` depths.

    Each bin: n = total trials (n_not_evaluated likewise, when the grid has it), mean_score =
    trial-weighted mean of its cells' mean scores (= the mean over all scored trials of the bin),
    mean_needle_recall likewise, raw_counts = summed raw-score counts (None when no cell has any),
    labels 'lo–hi' (:func:`format_length` / :func:`format_depth`), ``members`` its cells in
    (length, depth) order. Bins without a trial are absent (gaps). Vectorised: a 120,000-cell
    grid is binned in well under a second.
    """
    x_of, x_range = _bins(lengths, max_bins)
    y_of, y_range = _bins(depths, max_bins)
    g = grid.assign(x=x_of.reindex(grid["context_length"]).to_numpy(),
                    y=y_of.reindex(grid["depth_percent"]).to_numpy())
    g = g.sort_values(["x", "y", "context_length", "depth_percent"], kind="stable", ignore_index=True)
    recall = g["mean_needle_recall"] if "mean_needle_recall" in g else pd.Series(np.nan, index=g.index)
    scored, recalled = g["n"].where(g["mean_score"].notna(), 0), g["n"].where(recall.notna(), 0)
    sums = pd.DataFrame({"x": g["x"], "y": g["y"], "n": g["n"], "scored": scored, "recalled": recalled,
                         "score_sum": (g["mean_score"] * scored).fillna(0.0),
                         "recall_sum": (recall * recalled).fillna(0.0),
                         "n_not_evaluated": g.get("n_not_evaluated", pd.Series(0, index=g.index))})
    bins = sums.groupby(["x", "y"], sort=True).sum().reset_index()
    out = pd.DataFrame({"run_id": g["run_id"].iloc[0], "context_length": [int(x_range[x][0]) for x in bins["x"]],
                        "depth_percent": [float(y_range[y][0]) for y in bins["y"]], "n": bins["n"].astype(int),
                        "mean_score": (bins["score_sum"] / bins["scored"]).where(bins["scored"] > 0),
                        "mean_needle_recall": (bins["recall_sum"] / bins["recalled"]).where(bins["recalled"] > 0)})
    if "n_not_evaluated" in grid:
        out["n_not_evaluated"] = bins["n_not_evaluated"].astype(int)
    out["raw_counts"] = _summed_counts(g, bins)
    out["x"], out["y"] = bins["x"], bins["y"]
    length_labels = [_range(format_length(lo, compact=True), format_length(hi, compact=True)) for lo, hi in x_range]
    depth_labels = [_range(format_depth(lo), format_depth(hi)) for lo, hi in y_range]
    out["length_label"] = [length_labels[x] for x in bins["x"]]
    out["depth_label"] = [depth_labels[y] for y in bins["y"]]
    starts = np.flatnonzero(np.r_[True, (np.diff(g["x"]) != 0) | (np.diff(g["y"]) != 0)])
    cells = list(zip(g["context_length"].astype(int).tolist(), g["depth_percent"].astype(float).tolist()))
    out["members"] = [cells[a:b] for a, b in zip(starts, np.r_[starts[1:], len(g)])]
    return out


def _summed_counts(g: pd.DataFrame, bins: pd.DataFrame) -> list[dict | None]:
    """Raw-score counts of each bin (rows of ``bins``, keyed by x, y): the cells' counts summed."""
    long = [(x, y, k, v) for x, y, rc in zip(g["x"], g["y"], g["raw_counts"]) for k, v in _items(rc)]
    if not long:
        return [None] * len(bins)
    per_bin: dict = {}
    summed = pd.DataFrame(long, columns=["x", "y", "k", "v"]).groupby(["x", "y", "k"], sort=False)["v"].sum()
    for (x, y, k), v in summed.items():
        per_bin.setdefault((x, y), {})[k] = int(v)
    return [per_bin.get((x, y)) for x, y in zip(bins["x"], bins["y"])]


def aggregated_from(grid: pd.DataFrame) -> int:
    """Number of cells (with data) an aggregated grid was binned from; 0 for a grid drawn cell by cell."""
    return int(grid["members"].map(len).sum()) if "members" in grid else 0


def _range(lo: str, hi: str) -> str:
    return lo if lo == hi else f"{lo}–{hi}"


def _items(raw_counts: Any):
    if raw_counts is None or (isinstance(raw_counts, float) and pd.isna(raw_counts)):
        return []
    return raw_counts.items() if isinstance(raw_counts, dict) else zip(raw_counts["key"], raw_counts["value"])


def raw_counts_text(raw_counts: Any) -> str:
    """``{10.0: 3, 1.0: 1}`` -> ``"10 ×3, 1 ×1"`` (highest raw score first)."""
    if raw_counts is pd.NA:
        return "none"  # also a cell whose trials were all not evaluated
    parts = sorted(((k, v) for k, v in _items(raw_counts) if k is not None), key=lambda kv: -kv[0])
    return ", ".join(f"{k:g} ×{v}" for k, v in parts) or "none"


def _length_texts(grid: pd.DataFrame) -> pd.Series:
    """Hover text of each row's context length: the exact number, or the bin's range when aggregated."""
    if "members" in grid:
        return grid["length_label"]
    return grid["context_length"].map(lambda v: f"{int(v):,}")


#: colour measures of the heatmap: column of ``storage.trials.heatmap_cells`` -> label
COLOUR_BY = {"mean_score": "mean score (0..1)",
             "mean_needle_recall": "needle words in the response (0..1)"}


def hover_texts(grid: pd.DataFrame, length_unit: str) -> list[str]:
    """Hover text per grid row: length (with unit), depth, mean normalised score, the needle
    recall where the trials have needle and response (``storage.needle_match``), n, raw scores
    (and, for an aggregated grid, how many cells the bin holds)."""
    texts = []
    recall = grid["mean_needle_recall"] if "mean_needle_recall" in grid else pd.Series(np.nan, index=grid.index)
    for row, length, rec in zip(grid.itertuples(), _length_texts(grid), recall):
        mean = "no score" if pd.isna(row.mean_score) else f"{row.mean_score:.3f}"
        texts.append(
            f"context length: {length} {length_unit}<br>depth: {row.depth_label}%"
            f"<br>mean score (0..1): {mean}"
            + ("" if pd.isna(rec) else f"<br>needle words in the response (0..1): {rec:.3f}")
            + f"<br>n = {row.n} trial{'s' if row.n != 1 else ''}"
            f"<br>raw scores: {raw_counts_text(row.raw_counts)}"
            + (f"<br>bin of {len(row.members)} cells" if "members" in grid else "")
        )
    return texts


NO_DATA = "no data — not 0 (no trial in this cell)"


def gap_cells(grid: pd.DataFrame, length_unit: str) -> pd.DataFrame:
    """The gaps of a grid: every (x, y) of its categories without a row, with their own hover text.

    Returns:
        Columns x, y, text ('context length: 2,000 tokens<br>depth: 50%<br>no data — not 0 …'),
        ordered by x then y; empty when the grid is full.
    """
    xs = pd.Series(_length_texts(grid).to_numpy(), index=grid["x"]).groupby(level=0).first()
    ys = grid.drop_duplicates("y").set_index("y")["depth_label"]
    full = pd.MultiIndex.from_product([xs.index, ys.index], names=["x", "y"])
    missing = full.difference(pd.MultiIndex.from_arrays([grid["x"], grid["y"]])).to_frame(index=False)
    missing = missing.sort_values(["x", "y"], ignore_index=True)
    missing["text"] = [f"context length: {xs[x]} {length_unit}<br>depth: {ys[y]}%<br>{NO_DATA}"
                       for x, y in zip(missing["x"], missing["y"])]
    return missing


def selected_cells(points: Iterable[dict], grids: dict[int, pd.DataFrame]) -> list[Cell]:
    """Map Plotly selection points back to cells.

    Args:
        points: ``event.selection.points`` from ``st.plotly_chart(on_select=...)``; each has
            ``curve_number`` (trace = position of the run in ``grids``; later traces, such as
            the gaps of ``ui.heatmap_figure``, are ignored) and ``point_index``.
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
        members = row["members"] if "members" in grid else [(row["context_length"], row["depth_percent"])]
        for length, depth in members:  # an aggregated bin stands for all its cells
            seen[Cell(run_ids[curve], int(length), float(depth))] = None
    return list(seen)
