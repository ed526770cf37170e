"""Score vs needle depth (lost in the middle) and the U-shape summary.

"Lost in the middle" (Liu et al. 2024, TACL): accuracy is highest when the relevant text is at the
start or end of the context and lowest in the middle. The U-shape summary here is
mean(score at the edges) - mean(score in the middle), edges = depth <= ``edge`` or >= 100 - ``edge``
percent, middle = ``middle[0]`` <= depth <= ``middle[1]``; positive = lost in the middle. Its CI is
a percentile bootstrap resampling the edge and middle trials separately.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.bootstrap import N_RESAMPLES, diff_of_means_ci, expand, mean_ci_many
from analysis.lengths import format_length

EDGE = 10.0
MIDDLE = (25.0, 75.0)


def length_bands(lengths, n_bands: int) -> pd.Series:
    """Assign each context length to one of ``n_bands`` bands with about equal numbers of
    distinct lengths (log-spaced lengths stay together). Returns a Series (index = sorted distinct
    lengths) of labels 'lo-hi' written with :func:`format_length`."""
    distinct = np.sort(pd.unique(np.asarray(lengths, dtype=float)))
    groups = np.array_split(distinct, max(1, min(n_bands, len(distinct))))
    out = {}
    for g in groups:
        label = format_length(g[0]) if len(g) == 1 else f"{format_length(g[0])}-{format_length(g[-1])}"
        out.update({v: label for v in g})
    return pd.Series(out, name="band")


def depth_points(obs: pd.DataFrame, bands: pd.Series, n_resamples: int = N_RESAMPLES) -> pd.DataFrame:
    """Mean score per (run, band, depth) with 95% bootstrap CI and n trials.

    Args:
        obs: ``storage.trials.depth_observations`` frame.
        bands: :func:`length_bands` output.
    """
    obs = obs.assign(band=obs["context_length"].astype(float).map(bands))
    rows, samples = [], []
    for (run_id, band, depth), g in obs.groupby(["run_id", "band", "depth_percent"], sort=False):
        samples.append(expand(g["value"], g["count"]))
        rows.append({"run_id": run_id, "band": band, "band_start": float(g["context_length"].min()),
                     "band_end": float(g["context_length"].max()), "depth_percent": depth,
                     "n": int(g["count"].sum())})
    for row, (mean, low, high) in zip(rows, mean_ci_many(samples, n_resamples=n_resamples)):
        row.update({"mean": mean, "low": low, "high": high})
    cols = ["run_id", "band", "band_start", "band_end", "depth_percent", "mean", "low", "high", "n"]
    return pd.DataFrame(rows, columns=cols).sort_values(["run_id", "band_start", "depth_percent"], ignore_index=True)


def u_shape(obs: pd.DataFrame, bands: pd.Series, edge: float = EDGE, middle: tuple[float, float] = MIDDLE,
            n_resamples: int = N_RESAMPLES) -> pd.DataFrame:
    """Edges-minus-middle per (run, band) with its 95% CI.

    Returns:
        Columns run_id, band, edges (mean), middle (mean), u (edges - middle), low, high,
        n_edges, n_middle. NaN when a band has no trial at the edges or in the middle.
    """
    obs = obs.assign(band=obs["context_length"].astype(float).map(bands))
    rows = []
    for (run_id, band), g in obs.groupby(["run_id", "band"], sort=False):
        d = g["depth_percent"]
        e = g[(d <= edge) | (d >= 100 - edge)]
        m = g[(d >= middle[0]) & (d <= middle[1])]
        ev, mv = expand(e["value"], e["count"]), expand(m["value"], m["count"])
        u, low, high = diff_of_means_ci(ev, mv, n_resamples=n_resamples)
        rows.append({"run_id": run_id, "band": band, "band_start": float(g["context_length"].min()),
                     "edges": ev.mean() if len(ev) else np.nan, "middle": mv.mean() if len(mv) else np.nan,
                     "u": u, "low": low, "high": high, "n_edges": len(ev), "n_middle": len(mv)})
    cols = ["run_id", "band", "band_start", "edges", "middle", "u", "low", "high", "n_edges", "n_middle"]
    return pd.DataFrame(rows, columns=cols).sort_values(["run_id", "band_start"], ignore_index=True)
