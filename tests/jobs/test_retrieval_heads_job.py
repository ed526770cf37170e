"""The retrieval-heads job on the tiny random Llama: it detects, stores, and reports a model that
never answers (no sample used: nothing is stored and the reason is said)."""
from __future__ import annotations

import pytest

pytest.importorskip("torch")


def test_detection_of_a_model_that_never_answers_stores_nothing_and_says_why(tiny_model_dir, store):
    from analysis.probes.needles import PASSKEY
    from jobs.retrieval_heads import NoSuccessfulSampleError, RetrievalHeadsOptions, run
    from storage.probes import list_probe_runs

    opts = RetrievalHeadsOptions(model=str(tiny_model_dir), device="cpu", lengths=[350], depths=[50], trials=2,
                                 max_new_tokens=3, needles=[PASSKEY], mask_k=2)
    # a random 256-token model does not reproduce a 5-digit pass key: both samples dropped, no zero map stored
    with pytest.raises(NoSuccessfulSampleError, match="answered none of the 2 prompts"):
        run(opts, store)
    assert list_probe_runs(store).empty


def test_cli_exits_1_when_no_sample_is_used(tiny_model_dir, tmp_path, capsys):
    from cli.main import main

    rc = main(["probe", "heads", "--model", str(tiny_model_dir), "--device", "cpu", "--lengths", "350", "--depths",
               "50", "--needles", "passkey", "--max-new-tokens", "3", "--db", str(tmp_path / "s.duckdb")])
    captured = capsys.readouterr()
    assert rc == 1 and "0 successful samples" in captured.err and "nothing was stored" in captured.err
    assert "stored as probe run" not in captured.out
