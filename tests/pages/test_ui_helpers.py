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


def test_log_length_axis_ticks_tested_lengths_or_a_1_2_5_series():
    from analysis.degradation import POINT_COLUMNS
    from ui.figures import line_panels

    def points(lengths):
        return pd.DataFrame([{c: None for c in POINT_COLUMNS} | {
            "run_id": 1, "axis": "tokens", "length_value": float(v), "length_label": None, "length_unit": "tokens",
            "metric_kind": "score", "source": "trials", "mean": 0.5, "low": 0.4, "high": 0.6, "n": 3, "tasks": 1}
            for v in lengths], columns=POINT_COLUMNS)

    few = line_panels(points([0, 4096, 8192, 16384]), {1: "run"})  # 0 (BABILong "0k") cannot sit on a log axis
    assert list(few.layout.xaxis.tickvals) == [4096.0, 8192.0, 16384.0]
    assert list(few.layout.xaxis.ticktext) == ["4Ki", "8Ki", "16Ki"]  # 4096 = 4 x 1,024: binary prefix
    assert few.layout.xaxis.title.text == "Ki = 1,024"
    many = line_panels(points(range(150, 30150, 1000)), {1: "run"})  # 30 per-sample-like lengths
    assert list(many.layout.xaxis.tickvals) == [200, 500, 1000, 2000, 5000, 10000, 20000]
