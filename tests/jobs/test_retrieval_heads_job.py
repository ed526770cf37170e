"""The retrieval-heads job on the tiny random Llama: it detects, stores, and reports a model that
never answers (no sample used: nothing scored, no masking check)."""
from __future__ import annotations

import pytest

pytest.importorskip("torch")


def test_detection_of_a_model_that_never_answers_is_stored_with_zero_samples(tiny_model_dir, store):
    from analysis.probes.needles import PASSKEY
    from jobs.retrieval_heads import RetrievalHeadsOptions, run
    from storage.probes import list_probe_runs

    opts = RetrievalHeadsOptions(model=str(tiny_model_dir), device="cpu", lengths=[350], depths=[50], trials=2,
                                 max_new_tokens=3, needles=[PASSKEY], mask_k=2)
    out = run(opts, store)
    # a random 256-token model does not reproduce a 5-digit pass key: both samples dropped
    assert (out.scores.n_used, out.scores.n_dropped) == (0, 2)
    assert out.scores.scores.shape == (2, 4) and float(abs(out.scores.scores).sum()) == 0.0   # [layers, heads]
    assert out.masking is None and out.masking_id is None                 # nothing to mask without a score map
    runs = list_probe_runs(store)
    assert runs["probe_id"].tolist() == [out.probe_id] and runs["n_used"].tolist() == [0]
    assert run(opts, None).probe_id is None                               # store=None: nothing written
    assert len(list_probe_runs(store)) == 1


def test_cli_exits_1_when_no_sample_is_used(tiny_model_dir, tmp_path, capsys):
    from cli.main import main

    rc = main(["probe", "heads", "--model", str(tiny_model_dir), "--device", "cpu", "--lengths", "350", "--depths",
               "50", "--needles", "passkey", "--max-new-tokens", "3", "--db", str(tmp_path / "s.duckdb")])
    captured = capsys.readouterr()
    assert rc == 1 and "0 successful samples" in captured.err
    assert "samples used: 0, dropped (model answered wrong): 1" in captured.out and "stored as probe run 1" in captured.out
