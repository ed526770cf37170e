"""LongScope: interactive analysis of long-context LLM evaluations (Streamlit entry point).

Run with ``streamlit run app.py``. This file only sets the page config and the navigation;
each page lives in ``pages/``.
"""
import streamlit as st

st.set_page_config(page_title="LongScope", page_icon="🔭", layout="wide")

PAGES = {
    "Results": [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/upload.py", title="Upload & runs", icon="📤", url_path="upload"),
        st.Page("pages/niah_heatmap.py", title="NIAH heatmap", icon="🟩", url_path="heatmap"),
    ],
}

st.navigation(PAGES).run()
