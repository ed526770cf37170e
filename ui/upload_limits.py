"""What to tell a user about upload size limits, next to the uploader.

A reverse proxy in front of the app (nginx, Traefik, an ingress) checks the request body before
Streamlit sees it. Over its limit (nginx's ``client_max_body_size`` defaults to 1 MB) the proxy
answers HTTP 413 and Streamlit's uploader can only show "AxiosError: Request failed with status
code 413" - the app never receives the request, so the explanation has to be on the page first.
"""
from __future__ import annotations

import streamlit as st

from storage.sources import max_file_bytes


def upload_limit_mb(max_upload_mb: float | None = None) -> float:
    """Largest file the app accepts, in MB: the smaller of Streamlit's ``server.maxUploadSize``
    (default: the running server's option) and the ingest limit ``$LONGSCOPE_MAX_FILE_MB``."""
    if max_upload_mb is None:
        max_upload_mb = float(st.get_option("server.maxUploadSize"))
    return min(float(max_upload_mb), max_file_bytes() / 2 ** 20)


def upload_limit_text(max_upload_mb: float | None = None) -> str:
    """Caption for the uploader: the limit, and what a 413 from a proxy means and how to fix it."""
    mb = upload_limit_mb(max_upload_mb)
    return (f"Up to {mb:,.0f} MB per file. If an upload fails with **Request failed with status code 413**, a "
            "reverse proxy in front of LongScope refused the file before it arrived (its body limit is smaller "
            f"than {mb:,.0f} MB): ask the administrator to raise it - for nginx `client_max_body_size {mb:.0f}m;` "
            "(README, *Deploying behind a reverse proxy*) - or ingest the file on the server with "
            "`longscope ingest PATH`.")
