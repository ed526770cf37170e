"""Re-ingesting any real harness folder adds nothing: every file is "already ingested" the second time."""
from __future__ import annotations

import pytest

from storage.ingest import DUPLICATE, READY, ingest_paths

#: real folders with path-keyed formats (model / length / task only in the path) and per-test NIAH files
FOLDERS = [
    "HaoranDeng__RULER",
    "viridisGreen__LongBench/pred/llama2-7b-chat-4k/result.json",  # (scoring every prediction is slow)
    "Galabduljabbar__LongBench/pred_e/llama_2/result.json",
    "booydar__babilong",
    "OpenBMB__InfiniteBench",
    "OpenLMLab__LEval",
    "TushaarGVS__LLMTest_NeedleInAHaystack",
    "jquesnelle__yarn",
]


@pytest.mark.parametrize("folder", FOLDERS)
def test_reingesting_a_real_folder_adds_nothing(store, real_data, folder):
    plan, written = ingest_paths([real_data / folder], store, model="m")
    assert written and not plan.failed
    counts = [store.cursor().execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("runs", "files", "niah_trials", "task_scores", "samples")]
    again, written_again = ingest_paths([real_data / folder], store, model="m")
    assert written_again == {}
    assert {o.status for o in again.files} - {DUPLICATE, "skipped"} == set()
    assert not any(o.status == READY for o in again.files)
    assert counts == [store.cursor().execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                      for t in ("runs", "files", "niah_trials", "task_scores", "samples")]
