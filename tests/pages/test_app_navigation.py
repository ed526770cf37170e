"""app.py's navigation: every page exists, and no URL path equals a page file's name.

Streamlit still resolves a deep link like ``/traceback`` to ``pages/traceback.py`` by file name
(its older multipage mode) until the app's ``st.navigation`` has run once in the process: such a
page would run without ``app.py`` (no navigation, no wide layout). Distinct URL paths avoid it.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pages_exist_and_url_paths_differ_from_file_names():
    calls = [n for n in ast.walk(ast.parse((ROOT / "app.py").read_text()))
             if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "Page"]
    files = [c.args[0].value for c in calls]
    urls = {c.args[0].value: k.value.value for c in calls for k in c.keywords if k.arg == "url_path"}
    assert len(files) == 12 and len(urls) == 11  # every page but the default one has a URL path
    stems = {p.stem for p in (ROOT / "pages").glob("*.py")}
    for file in files:
        assert (ROOT / file).is_file(), file
    for file, url in urls.items():
        assert url not in stems, f"url_path {url!r} of {file} equals a file name in pages/"
