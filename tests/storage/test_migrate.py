"""python -m storage.migrate: an embedded store copied into the team store (and into another
file), verified by counts and checksums; running it twice adds nothing; ids re-numbered."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from storage import probes as pstore
from storage.db import open_store
from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile
from storage.ingest import commit, prepare
from storage.migrate import main, migrate
from storage.published import save_published
from storage.traceback import save_traceback
from tests.factories import niah_run, write_parsed
from tests.storage.test_probes_storage import INFO, _head_result
from tests.storage.test_traceback_storage import _doc

#: one results file (gkamradt's NIAH layout: one trial), ingested into the source and, in one test, the target
M_B = SourceFile("m-b/token_len_1000_depth_0_results.json", json.dumps(
    {"model": "m-b", "context_length": 1000, "depth_percent": 0.0, "score": 7, "model_response": "x"}).encode())
TABLES = ("runs", "files", "run_files", "niah_trials", "task_scores", "samples", "probe_runs", "probe_head_scores",
          "probe_trials", "probe_masked_heads", "traceback_runs", "traceback_passages", "published_numbers")


def _fill(store) -> None:
    """Two NIAH runs (one with repeats), a run with task scores and samples, a detection + masking
    probe (masking points at the detection), a sweep probe pointing at a run, a traceback, two
    published numbers."""
    write_parsed(store, [niah_run("m-a", [1000, 2000], [0, 50, 100], lambda L, d, t: (L + d + t) % 2, trials=2)])
    commit(prepare([M_B], store), store)
    samples = pd.DataFrame({"task": ["qa", "qa"], "row_index": [0, 1], "sample_id": ["s0", "s1"],
                            "prediction": ["Paris", "Rome"], "reference": [["Paris"], ["Milan", "Rome"]],
                            "score_raw": [1.0, 0.0], "scale": ["binary", "binary"]})
    scores = pd.DataFrame({"task": ["qa"], "metric": ["acc"], "scale": ["pct_0_100"], "value_raw": [50.0],
                           "length_value": [np.nan], "n_samples": [2]})
    write_parsed(store, [ParsedFile(format="synthetic", run_key="lb:m-c", benchmark="longbench", score_scale="pct_0_100",
                                    length_unit="tokens", model="m-c", model_source="field", task_scores=scores,
                                    samples=samples)])
    det = pstore.save_head_scores(store, INFO, _head_result())
    masking = type("M", (), {"config": {"k": 1}, "heads": {"top-k": [(1, 0)], "random 0": [(0, 2)]},
                             "rows": pd.DataFrame([{"condition": "top-k", "draw": 0, "context_length": 1024,
                                                    "depth_percent": 50.0, "needle": "n", "trial": 0, "exact": 0,
                                                    "recall": 0.0, "used": True, "response": "no"}])})()
    pstore.save_masking(store, INFO, masking, source_probe_id=det)
    run_b = int(store.cursor().execute("SELECT run_id FROM runs WHERE model = 'm-b'").fetchone()[0])
    store.write(lambda c: pstore._insert_run(c, "niah_sweep", INFO, {"lengths": [1000]}, niah_run_id=run_b))
    save_traceback(store, _doc("loo", [0.2, 15.2, -0.1], [1, 0], 4), context_hash="h1", label="first")
    save_published(store, pd.DataFrame([
        {"benchmark": "ruler", "model": "m-a", "task": None, "length_label": "4K", "length_value": 4096,
         "value": 95.5, "scale": "pct_0_100", "source": "paper"},
        {"benchmark": "ruler", "model": "m-b", "task": "niah_single_1", "length_label": "8K", "length_value": 8192,
         "value": 88.0, "scale": "pct_0_100", "source": "paper"}]), origin="entered")


def _counts(store) -> dict[str, int]:
    cur = store.cursor()
    return {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "source.duckdb"
    s = open_store(path)
    _fill(s)
    counts = _counts(s)
    s.close()
    return path, counts


def test_migrate_copies_everything_verifies_and_adds_nothing_twice(source, store):
    path, counts = source
    # the target already holds one run of its own, and one of the source's runs (same file ingested)
    write_parsed(store, [niah_run("team-only", [1000], [50], lambda L, d, t: 1.0)])
    commit(prepare([M_B], store), store)
    before = _counts(store)
    result = migrate(path, store)
    assert result["runs"]["copied"] == 2 and result["runs"]["already"] == 1
    assert result["probe_runs"]["copied"] == 3 and result["traceback_runs"]["copied"] == 1
    assert result["published_numbers"]["copied"] == 2
    after = _counts(store)
    # m-b's rows were already there (same run key): everything else is added exactly once
    m_b = {"runs": 1, "files": 1, "run_files": 1, "niah_trials": 1}
    assert {t: after[t] - before[t] for t in TABLES} == {t: counts[t] - m_b.get(t, 0) for t in TABLES}
    cur = store.cursor()
    # ids re-numbered after the target's own; references follow them
    ids = dict(cur.execute("SELECT run_key, run_id FROM runs").fetchall())
    assert ids["niah:team-only"] == 1 and sorted(ids.values()) == [1, 2, 3, 4]
    assert cur.execute("SELECT run_id FROM runs WHERE model = 'm-b'").fetchone()[0] == 2
    assert cur.execute("SELECT niah_run_id FROM probe_runs WHERE kind = 'niah_sweep'").fetchone()[0] == 2
    det, src_of_masking = cur.execute(
        "SELECT (SELECT probe_id FROM probe_runs WHERE kind = 'retrieval_heads'),"
        " (SELECT source_probe_id FROM probe_runs WHERE kind = 'masking')").fetchone()
    assert det == src_of_masking
    assert cur.execute("SELECT avg(score) FROM niah_trials JOIN runs USING (run_id) WHERE run_key = 'niah:m-a'"
                       ).fetchone()[0] == pytest.approx(0.5)
    assert cur.execute("SELECT max(trial) FROM niah_trials").fetchone()[0] == 1
    again = migrate(path, store)
    assert _counts(store) == after
    assert all(r.get("copied", 0) == 0 for r in again.values())


def test_cli_reports_and_a_tampered_copy_fails_verification(source, tmp_path, capsys):
    path, counts = source
    target = tmp_path / "target.duckdb"
    assert main(["--from", str(path), "--to", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"niah_trials" in out and f"{counts['niah_trials']:,} source rows verified" in out
    t = open_store(target)
    t.write(lambda c: c.execute("UPDATE niah_trials SET score = 0.25 WHERE trial = 1 AND depth_percent = 50"))
    t.close()
    assert main(["--from", str(path), "--to", str(target)]) == 1
    assert "niah_trials: source" in capsys.readouterr().err
