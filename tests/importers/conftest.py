"""The committed fixtures (``tests/importers/fixtures/``, sources in its SOURCE.md) and a helper to ingest them."""
from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def ingest_fixture(store):
    """``ingest_fixture("ruler", ...)`` ingests those fixture paths into ``store``; returns (plan, written)
    and asserts no file failed."""
    from storage.ingest import ingest_paths

    def ingest(*rel: str, model: str | None = None):
        plan, written = ingest_paths([FIXTURES / r for r in rel], store, model=model)
        assert not plan.failed, [o.message for o in plan.failed]
        return plan, written

    return ingest
