"""Pages render only: they start with ``ui.page.page_setup``, read the store only through the
cached loaders of ``ui/`` (no ``storage`` import), keep URL state only through ``ui.url_state``
(no ``st.query_params``), draw figures only through ``ui/`` builders (no ``plotly`` import), and
leave running a probe to ``jobs/`` (no ``analysis.probes`` module that runs jobs or writes to the
store). Checked with ``ast``; every import counts, also one inside a function."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.import_graph import ROOT, imports_of, project_modules

PAGES = sorted((ROOT / "pages").glob("*.py"))
#: what running a probe needs; an ``analysis.probes`` module that (transitively) imports one of these
#: is orchestration, not something a page may call (it goes through ``jobs/``)
RUNNERS = ("storage", "jobs", "cli", "threading", "concurrent", "multiprocessing")


def _closure(module: str, mods: dict[str, Path], known: set[str], seen: set[str] | None = None) -> set[str]:
    seen = set() if seen is None else seen
    for dep in imports_of(mods[module], known):
        if dep not in seen:
            seen.add(dep)
            if dep in mods:
                _closure(dep, mods, known, seen)
    return seen


def _violations(page: Path) -> list[str]:
    mods = project_modules()
    known = set(mods)
    out = []
    for name in sorted(imports_of(page, known)):
        top = name.split(".")[0]
        if top == "storage":
            out.append(f"imports {name} (read through ui.data / ui.probe_data loaders)")
        elif top == "plotly":
            out.append(f"imports {name} (build figures in ui/)")
        elif name.startswith("analysis.probes") and name in mods:
            runners = sorted({d.split(".")[0] for d in _closure(name, mods, known)} & set(RUNNERS))
            if runners:
                out.append(f"imports {name}, which runs probes ({', '.join(runners)}): call jobs/")
    for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr == "query_params":
            out.append(f"line {node.lineno}: st.query_params (use ui.url_state)")
    return out


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_page_uses_only_ui_loaders_url_state_and_figure_builders(page):
    assert _violations(page) == []


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_page_opens_with_page_setup(page):
    body = [n for n in ast.parse(page.read_text(encoding="utf-8")).body
            if not isinstance(n, (ast.Import, ast.ImportFrom))
            and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]  # docstring
    first = body[0]
    calls = [n.func.id for n in ast.walk(first) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert calls == ["page_setup"], f"{page.name}: first statement is not page_setup(...)"
    assert sum(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "page_setup"
               for n in ast.walk(ast.parse(page.read_text(encoding="utf-8")))) == 1


def test_the_check_finds_what_it_forbids(tmp_path):
    """The rules are not vacuous: a page doing each forbidden thing is flagged, a pure
    ``analysis.probes`` vocabulary is not."""
    page = tmp_path / "bad.py"
    page.write_text("import plotly.graph_objects as go\nimport streamlit as st\nfrom storage.runs import list_runs\n"
                    "from analysis.probes.needles import BUILTIN\n\ndef work():\n"
                    "    from analysis.probes.niah_sweep.__main__ import main\n\nx = st.query_params.get('a')\n")
    found = _violations(page)
    assert len(found) == 4, found
    assert any("storage.runs" in v for v in found) and any("plotly" in v for v in found)
    assert any("analysis.probes.niah_sweep.__main__" in v for v in found) and not any("needles" in v for v in found)
    assert any("line 9: st.query_params" in v for v in found)
