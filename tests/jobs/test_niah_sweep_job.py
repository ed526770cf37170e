"""The NIAH sweep job: load -> run -> store cell by cell, resume, export (tiny random Llama; SmolLM2)."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from analysis.probes.needles import PASSKEY  # noqa: E402
from jobs.niah_sweep import NiahSweepOptions, export_needlehaystack, run  # noqa: E402


class Recorder:
    """A ``Progress`` that records the calls and cancels after ``stop_after`` checks."""

    def __init__(self, stop_after: int | None = None):
        self.calls, self.checks, self.stop_after = [], 0, stop_after

    def progress(self, done, total, message="", length=None):
        self.calls.append((done, total, length))

    def check(self):
        self.checks += 1
        if self.stop_after is not None and self.checks > self.stop_after:
            raise KeyboardInterrupt("cancelled")


def test_each_cell_is_stored_at_once_and_a_rerun_resumes(tiny_model_dir, store, tmp_path):
    """3 lengths × 1 depth × 2 trials on a model with a 512-token limit: 1024 is recorded as not
    run; the first cell is stored before a cancel stops the second; the rerun does only what is left."""
    from storage.trials import heatmap_cells

    opts = NiahSweepOptions(model=str(tiny_model_dir), device="cpu", lengths=[350, 450, 1024], depths=[50],
                            trials=2, max_new_tokens=4, needle=PASSKEY, label="tiny")
    with pytest.raises(KeyboardInterrupt):
        run(opts, store, Recorder(stop_after=2))                    # the 3rd check (2nd cell) cancels
    cells = store.cursor().execute("SELECT context_length, count(*) FROM niah_trials GROUP BY 1").fetchall()
    assert cells == [(350, 2)]                                      # the finished cell was stored at once
    ctx = Recorder()
    res = run(opts, store, ctx)
    assert res.skipped == [(350, 50.0)] and res.ran == [(450, 50.0)]
    assert [c["context_length"] for c in res.not_run] == [1024]     # 1024 + 4 > 512
    assert ctx.calls[0] == (0, 2, 450) and ctx.calls[-1] == (2, 2, None)
    row = store.cursor().execute("SELECT label, harness, score_scale, model_source, config FROM runs").fetchall()
    assert len(row) == 1 and row[0][:4] == ("tiny", "longscope_probe_niah", "binary", "probe")
    cfg = json.loads(row[0][4])
    assert cfg["not_run"][0]["context_length"] == 1024 and cfg["template"] == "chat" and cfg["haystack"] != "builtin"
    assert len(heatmap_cells(store, [res.run_id])) == 2
    files = export_needlehaystack(store, res.run_id, tmp_path, "tiny.model")
    assert sorted(p.name for p in files) == ["tiny_model_len_350_depth_5000_results.json",
                                             "tiny_model_len_350_depth_5000_results_2.json",
                                             "tiny_model_len_450_depth_5000_results.json",
                                             "tiny_model_len_450_depth_5000_results_2.json"]


@pytest.mark.real_model
def test_sweep_stores_resumes_and_marks_cells_over_the_limit(smollm2, store, tmp_path):
    from storage.trials import heatmap_cells

    opts = NiahSweepOptions(model="smollm2", device="cpu", lengths=[1024, 16384], depths=[50], trials=1,
                            max_new_tokens=16, seed=3, needle=PASSKEY)
    first = run(opts, store)
    assert first.ran == [(1024, 50.0)] and first.skipped == []
    assert [c["context_length"] for c in first.not_run] == [16384]        # over SmolLM2's 8,192-token limit
    again = run(opts, store)
    assert again.ran == [] and again.skipped == [(1024, 50.0)] and again.run_id == first.run_id
    row = store.cursor().execute("SELECT harness, score_scale, model_source, config FROM runs WHERE run_id = ?",
                                 [first.run_id]).fetchone()
    assert row[:3] == ("longscope_probe_niah", "binary", "probe")
    cfg = json.loads(row[3])
    assert cfg["template"] == "chat" and cfg["not_run"][0]["context_length"] == 16384
    cells = heatmap_cells(store, [first.run_id])
    assert len(cells) == 1 and cells["mean_score"].iloc[0] == first.accuracy
    doc = json.loads(export_needlehaystack(store, first.run_id, tmp_path, "SmolLM2")[0].read_text())
    assert doc["context_length"] == 1024 and doc["score"] in (0, 1) and doc["needle"].startswith("The secret pass key is ")
