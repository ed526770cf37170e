"""Helpers for the frames the query modules return."""
from __future__ import annotations

import pandas as pd


def empty_frame(columns: list[str]) -> pd.DataFrame:
    """A frame with ``columns`` and no rows (float64 columns, as a query with no rows gives
    after pandas conversion of an empty result)."""
    return pd.DataFrame({c: [] for c in columns})
