"""No import cycles among the project's modules (read with ``ast``; every import counts, also one
inside a function or under ``TYPE_CHECKING``)."""
from __future__ import annotations

from tests.import_graph import PACKAGES, cycles, graph


def test_no_import_cycles():
    g = graph(PACKAGES + ("tests", "benchmarks"))
    assert len(g) > 100  # every module was read
    assert cycles(g) == []


def test_cycle_finder_finds_a_cycle():
    g = {"storage.ingest": {"storage.writer", "storage.db"}, "storage.writer": {"storage.ingest"},
         "storage.db": set(), "ui.data": {"storage.db"}}
    assert cycles(g) == [["storage.ingest", "storage.writer"]]
