"""The uploader says its size limit and what a proxy's 413 means (a proxy answers before the app)."""
from __future__ import annotations

from ui.upload_limits import upload_limit_mb, upload_limit_text


def test_limit_is_the_smaller_of_streamlit_and_ingest(monkeypatch):
    monkeypatch.setenv("LONGSCOPE_MAX_FILE_MB", "300")
    assert upload_limit_mb(1024) == 300.0 and upload_limit_mb(200) == 200.0


def test_text_names_the_413_and_the_nginx_setting(monkeypatch):
    monkeypatch.delenv("LONGSCOPE_MAX_FILE_MB", raising=False)
    text = upload_limit_text(1024)
    assert text.startswith("Up to 1,024 MB per file.")
    assert "status code 413" in text and "client_max_body_size 1024m;" in text
