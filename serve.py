"""Launcher of the board for a deployment: ``streamlit run serve.py`` (the Docker image's command).

It serves ``app.py`` unchanged through Streamlit's ``st.App`` and adds the two routes that set and
clear the users-file sign-in cookie (``ui.session_routes``; ``LONGSCOPE_AUTH=users`` needs them).
``streamlit run app.py`` stays the way to run it alone on a laptop (sign-in off, or OIDC).
"""
import streamlit as st

from ui.session_routes import routes

app = st.App("app.py", routes=routes())
