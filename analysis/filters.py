"""Filters shared by the analysis pages: model subset, benchmark, KV-cache method, task, length range.

An empty selection means "no filter". Runs without a model name are matched by their label.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Filters:
    """What the user picked. ``length_range`` is (low, high) inclusive, None = any length;
    rows without a numeric length (bucket labels) are kept unless ``numeric_only``."""

    models: list[str] = field(default_factory=list)
    benchmarks: list[str] = field(default_factory=list)
    kv_methods: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    length_range: tuple[float, float] | None = None
    numeric_only: bool = False


def model_name(runs: pd.DataFrame) -> pd.Series:
    """The model of each run, or its label when the model is unknown."""
    return runs["model"].fillna(runs["label"]).astype(str)


NO_KV_METHOD = "not recorded"
"""The KV-cache method of a run whose files name none (every harness but a KV-cache study)."""


def kv_method(runs: pd.DataFrame) -> pd.Series:
    """The KV-cache method of each run (``config["kv_cache_method"]``, e.g. ``baseline``, ``snapkv``,
    ``INT4`` in a HELMET KV-cache study, F18), or :data:`NO_KV_METHOD`."""
    if "config" not in runs:
        return pd.Series(NO_KV_METHOD, index=runs.index)
    return runs["config"].map(lambda c: c.get("kv_cache_method") if isinstance(c, dict) else None) \
        .fillna(NO_KV_METHOD).astype(str)


def filter_runs(runs: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Runs whose model, benchmark and KV-cache method pass ``f``."""
    keep = pd.Series(True, index=runs.index)
    if f.models:
        keep &= model_name(runs).isin(f.models)
    if f.benchmarks:
        keep &= runs["benchmark"].isin(f.benchmarks)
    if f.kv_methods:
        keep &= kv_method(runs).isin(f.kv_methods)
    return runs[keep]


def filter_rows(rows: pd.DataFrame, f: Filters, length_column: str = "length_value") -> pd.DataFrame:
    """Rows (with ``task`` and a length column) whose task and length pass ``f``."""
    keep = pd.Series(True, index=rows.index)
    if f.tasks and "task" in rows:
        keep &= rows["task"].isin(f.tasks)
    if length_column in rows:
        lv = rows[length_column].astype(float)
        if f.length_range is not None:
            lo, hi = f.length_range
            keep &= lv.isna() | lv.between(lo, hi)
        if f.numeric_only:
            keep &= lv.notna()
    return rows[keep]
