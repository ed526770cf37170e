"""app.py's navigation: every page exists, and each page's URL path is its file name.

Streamlit runs the first session of a fresh server process with its ``pages/`` folder discovery,
which knows each page by its file name; ``app.py``'s URL paths agree with it, so a deep link
opened first (``/niah_heatmap``) is found by both (see ``ui/page.py``; the browser test
``test_browser_deep_link.py`` opens one on a fresh server).
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_page_is_in_the_navigation_under_its_file_name():
    calls = [n for n in ast.walk(ast.parse((ROOT / "app.py").read_text()))
             if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "Page"]
    files = [c.args[0].value for c in calls]
    assert len(files) == 13 == len(set(files))
    assert sorted(files) == sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
    for call in calls:  # no url_path: Streamlit infers the file name, as its folder discovery does
        assert [k.arg for k in call.keywords if k.arg == "url_path"] == [], call.args[0].value
