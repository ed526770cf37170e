"""The layers (docs/architecture.md): pages -> ui -> jobs -> analysis / storage, and cli -> jobs.

Read with ``ast`` (``tests/import_graph.py``): every import counts, also one inside a function.
``analysis/`` is pure: it imports neither ``streamlit`` nor ``storage`` nor the layers above it,
and parses no command line; the ``__main__`` shims of the old ``python -m analysis.probes...``
commands (and ``python -m jobs.worker``) are the exception: they hand over to ``cli.main`` and to
nothing else. ``jobs/`` runs
without a UI. (Pages: ``tests/pages/test_layering_pages.py``; cycles: ``tests/storage/test_import_cycles.py``.)
"""
from __future__ import annotations

import pytest

from tests.import_graph import imports_of, project_modules

MODULES = project_modules()
KNOWN = set(MODULES)
#: what each layer must not import (top-level package names)
FORBIDDEN = {
    "analysis": {"streamlit", "storage", "ui", "jobs", "cli", "pages", "argparse", "plotly"},
    "jobs": {"streamlit", "ui", "cli", "pages", "argparse", "plotly"},
    "storage": {"streamlit", "ui", "jobs", "cli", "pages"},
    "cli": {"streamlit", "ui", "pages"},
}


def violations(module: str, path=None) -> list[str]:
    """Imports of ``module`` (read from ``path``, default its file) that its layer forbids."""
    layer = module.split(".")[0]
    names = imports_of(path or MODULES[module], KNOWN)
    if layer in ("analysis", "jobs") and module.endswith(".__main__"):
        return sorted(n for n in names if n not in ("cli.main", "sys", "__future__"))
    return sorted(n for n in names if n.split(".")[0] in FORBIDDEN.get(layer, ()))


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.split(".")[0] in FORBIDDEN))
def test_module_imports_only_what_its_layer_may(module):
    assert violations(module) == []


def test_the_check_bites(tmp_path):
    """A module doing each forbidden thing is flagged (function-local imports too); a shim that
    does more than hand over is flagged."""
    bad = tmp_path / "bad.py"
    bad.write_text("import argparse\nimport numpy\nfrom analysis.lengths import format_length\n\ndef f():\n"
                   "    from storage.probes import save_head_scores\n    import streamlit as st\n")
    assert violations("analysis.probes.bad", bad) == ["argparse", "storage.probes", "streamlit"]
    assert violations("jobs.bad", bad) == ["argparse", "streamlit"]
    shim = tmp_path / "__main__.py"
    shim.write_text("import sys\nfrom cli.main import run_probe\nfrom jobs.traceback import run\n")
    assert violations("analysis.probes.x.__main__", shim) == ["jobs.traceback"]
    # jobs/ is the probe code that writes to the store; analysis/probes only computes
    assert any(n.startswith("storage") for n in imports_of(MODULES["jobs.niah_sweep"], KNOWN))
