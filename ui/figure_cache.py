"""The analysis pages' figures (``ui.figures``) built once per distinct input and shared by every
session: a cached re-render (a widget moved, another visitor on the same view) serialises the
figure but does not rebuild it — building a 16-panel Plotly figure costs ~0.2 CPU s, more than
the whole cached view should (issue 13, item 11: <= 0.2 s of server CPU per cached view).

The inputs (frames of points, dicts of names) are hashed by Streamlit; the returned figure is
shared, so callers must not modify it (pages only draw it and offer it as a download).
"""
from __future__ import annotations

import streamlit as st

from ui import figures

_shared = st.cache_resource(show_spinner=False, max_entries=64)

line_panels = _shared(figures.line_panels)
depth_panels = _shared(figures.depth_panels)
u_shape_bars = _shared(figures.u_shape_bars)
correlation_grid = _shared(figures.correlation_grid)
pair_scatter = _shared(figures.pair_scatter)
diff_heatmap = _shared(figures.diff_heatmap)
