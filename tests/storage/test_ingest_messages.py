"""Words the ingest preview and the command line show: counts, duplicates, scale names."""
from __future__ import annotations

import json

from storage.importers.parsed import count_summary
from storage.importers.source import SourceFile
from storage.ingest import DUPLICATE, READY, REPEATED, commit, prepare
from storage.scales import LABELS, SCALES

TEST = {"model": "m", "context_length": 1000, "depth_percent": 50.0, "version": 1, "needle": "n",
        "model_response": "r", "score": 1, "test_duration_seconds": 1.5, "test_timestamp_utc": "2024-06-13 13:46:41+0000"}


def test_one_trial_is_singular_and_thousands_are_separated():
    assert count_summary({"niah_trials": 1, "task_scores": 0, "samples": 1376}) == "1 trial, 1,376 samples"
    assert count_summary({"niah_trials": 0}) == "metadata only"


def test_duplicate_inside_one_upload_names_the_other_file(store):
    data = json.dumps(TEST).encode()
    plan = prepare([SourceFile("a/m_len_1000_depth_5000_results.json", data),
                    SourceFile("b/m_len_1000_depth_5000_results.json", data)], store)
    first, second = plan.files
    assert first.status == READY and first.message == "1 trial"
    assert second.status == REPEATED
    assert second.message == "duplicate of a/m_len_1000_depth_5000_results.json in this upload (same content)"
    (run,) = plan.runs.values()
    assert count_summary(run.counts()) == "1 trial"
    commit(plan, store)
    again = prepare([SourceFile("c.json", data)], store)
    assert again.files[0].status == DUPLICATE and "already ingested" in again.files[0].message


def test_every_scale_has_a_readable_label():
    assert LABELS.keys() == SCALES.keys()
    assert LABELS["pct_0_100"] == "percent 0-100" and not any("_" in v for v in LABELS.values())
