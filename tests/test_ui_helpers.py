"""Download encoders: CSV / Parquet round trips and a self-contained HTML figure."""
from __future__ import annotations

import io

import pandas as pd
import plotly.graph_objects as go

from ui.downloads import to_csv, to_html, to_parquet


def test_csv_and_parquet_round_trip_with_object_columns():
    df = pd.DataFrame({"run": ["a", "b"], "n": [3, 4], "mean": [0.5, 0.25], "config": [{"k": 1}, None]})
    back = pd.read_parquet(io.BytesIO(to_parquet(df)))
    assert back["n"].tolist() == [3, 4] and back["mean"].tolist() == [0.5, 0.25]
    assert back["config"][0] == "{'k': 1}" and pd.isna(back["config"][1])  # dicts written as text, None kept
    csv = pd.read_csv(io.BytesIO(to_csv(df)))
    assert csv["run"].tolist() == ["a", "b"] and list(csv.columns) == ["run", "n", "mean", "config"]


def test_figure_html_embeds_plotly_js():
    html = to_html(go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))).decode()
    assert html.startswith("<!doctype html>") and "Plotly.newPlot" in html and "cdn.plot.ly" not in html.split("<body>")[0]
