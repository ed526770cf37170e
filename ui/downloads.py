"""Download buttons for every table and chart: CSV and Parquet for data, self-contained HTML for
Plotly figures (``Figure.to_html``: no browser or image engine needed on the server).

The files are built only when the user clicks (``st.download_button`` accepts a callable), so
drawing the buttons costs nothing on re-render.
"""
from __future__ import annotations

import csv
import io
import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st


#: first characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """A text cell starting with ``= + - @``, tab or CR prefixed with ``'`` (OWASP's advice), so
    Excel / LibreOffice / Sheets show it as text instead of evaluating it; other values unchanged."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def to_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV without the index; text cells and column names are :func:`formula_safe` and quoted
    (numbers, negative ones included, stay unquoted numbers)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(formula_safe)
    out.columns = [formula_safe(str(c)) for c in out.columns]
    # every text field quoted: a bare CR inside a cell would otherwise split the row for some readers
    return out.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8")


def to_parquet(df: pd.DataFrame) -> bytes:
    """Parquet (pyarrow); columns holding lists/dicts/mixed objects are written as text."""
    out = df.reset_index(drop=True).copy()
    for col in out.columns:
        if out[col].dtype == object and not out[col].map(lambda v: v is None or isinstance(v, str)).all():
            out[col] = out[col].map(lambda v: None if v is None else str(v))
    out.columns = [str(c) for c in out.columns]
    buf = io.BytesIO()
    out.to_parquet(buf, index=False)
    return buf.getvalue()


def to_html(fig: go.Figure) -> bytes:
    """A standalone HTML page with plotly.js embedded (opens offline)."""
    return fig.to_html(include_plotlyjs=True, full_html=True).encode("utf-8")


def table(df: pd.DataFrame, name: str, key: str | None = None) -> None:
    """CSV and Parquet download buttons for ``df`` (file names ``<name>.csv`` / ``.parquet``)."""
    stem, key = _stem(name), key or _stem(name)
    c1, c2 = st.columns(2)
    c1.download_button("CSV", lambda: to_csv(df), f"{stem}.csv", "text/csv", key=f"dl-{key}-csv",
                       icon=":material/download:")
    c2.download_button("Parquet", lambda: to_parquet(df), f"{stem}.parquet", "application/vnd.apache.parquet",
                       key=f"dl-{key}-parquet", icon=":material/download:")


def figure(fig: go.Figure, name: str, key: str | None = None) -> None:
    """HTML download button for a Plotly figure."""
    stem, key = _stem(name), key or _stem(name)
    st.download_button("Chart (HTML)", lambda: to_html(fig), f"{stem}.html", "text/html", key=f"dl-{key}-html",
                       icon=":material/download:")


def _stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "download"
