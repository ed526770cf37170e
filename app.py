"""LongScope: interactive analysis of long-context LLM evaluations (Streamlit entry point).

Run with ``streamlit run app.py``. This file only sets the page config and the navigation;
each page lives in ``pages/``. A page's URL path is its file name (``/niah_heatmap``), as in
Streamlit's ``pages/`` folder discovery, so a deep link opened first in a fresh server process
finds the page in both (see :func:`ui.page.page_setup`).
"""
from pathlib import Path

import streamlit as st

from ui.auth import identity

# a local icon file: a ":material/..." icon would make every browser fetch it from fonts.gstatic.com
st.set_page_config(page_title="LongScope", page_icon=str(Path(__file__).parent / "ui" / "assets" / "favicon.png"), layout="wide")

PAGES = {
    "Results": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
        st.Page("pages/upload.py", title="Upload & runs", icon=":material/upload_file:"),
        st.Page("pages/niah_heatmap.py", title="NIAH heatmap", icon=":material/grid_on:"),
    ],
    "Analysis": [
        st.Page("pages/length_degradation.py", title="Length degradation", icon=":material/trending_down:"),
        st.Page("pages/effective_length.py", title="Effective context length", icon=":material/straighten:"),
        st.Page("pages/depth.py", title="Depth (lost in the middle)", icon=":material/vertical_align_center:"),
        st.Page("pages/correlation.py", title="Benchmark correlation", icon=":material/scatter_plot:"),
        st.Page("pages/compare_runs.py", title="Compare runs", icon=":material/compare_arrows:"),
        st.Page("pages/published_check.py", title="Published-number check", icon=":material/fact_check:"),
    ],
    "Probes": [
        st.Page("pages/probe_niah.py", title="Live NIAH sweep", icon=":material/science:"),
        st.Page("pages/retrieval_heads.py", title="Retrieval heads", icon=":material/psychology:"),
        st.Page("pages/traceback.py", title="Context traceback", icon=":material/manage_search:"),
    ],
    "Team": [
        st.Page("pages/admin.py", title="Admin: members, audit, restore", icon=":material/admin_panel_settings:"),
    ],
}

# signed out (sign-in on): no page list at all; the page the URL names shows only the sign-in form
# (ui.page.page_setup), and after signing in the same link opens
st.navigation(PAGES, position="sidebar" if identity() is not None else "hidden").run()
