"""``longscope probe trace`` on the tiny random Llama saved as a local model folder."""
from __future__ import annotations

import json

import pytest

from tests.probes.test_traceback_core import PASSAGES, _vf

pytest.importorskip("torch")


def _loo_by_hand(model, tokenizer):
    from analysis.probes.traceback.ablation import leave_one_out
    from analysis.probes.traceback.prompt import PromptBuilder

    builder = PromptBuilder.for_tokenizer(tokenizer, "What is the code?")
    return leave_one_out(_vf((model, builder, builder.answer_ids("42"))))


@pytest.mark.parametrize("entry", ["longscope", "python -m analysis.probes.traceback"])
def test_cli_writes_result_document_and_stores_it(entry, tmp_path, tiny_llama, byte_tokenizer, tiny_model_dir, capsys):
    """The --out document has the issue's keys, LOO scores equal a direct in-process LOO, --db
    stores it; the old ``python -m`` entry point takes the same flags and does the same."""
    from analysis.probes.traceback.__main__ import main as old_main
    from cli.main import main
    from storage.db import open_store
    from storage.traceback import load_traceback

    ctx = tmp_path / "ctx.txt"
    ctx.write_text("\n\n".join(PASSAGES))
    out, db = tmp_path / "out.json", tmp_path / "tb.duckdb"
    flags = ["--model", str(tiny_model_dir), "--context", str(ctx), "--question", "What is the code?", "--answer",
             "42", "--method", "loo", "--k", "2", "--segment", "paragraph", "--out", str(out), "--db", str(db),
             "--no-faithfulness", "--device", "cpu"]
    rc = main(["probe", "trace", *flags]) if entry == "longscope" else old_main(flags)
    assert rc == 0
    doc = json.loads(out.read_text())
    assert {"answer", "passages", "top_k", "forward_passes", "seconds"} <= doc.keys()
    assert doc["answer"] == "42" and [p["text"] for p in doc["passages"]] == PASSAGES
    assert doc["forward_passes"] == len(PASSAGES) + 1
    want = _loo_by_hand(tiny_llama[0], byte_tokenizer)
    assert [p["score"] for p in doc["passages"]] == pytest.approx(want, abs=1e-4)
    assert doc["top_k"] == sorted(range(5), key=lambda i: -want[i])[:2]
    assert load_traceback(open_store(db), 1)["top_k"] == doc["top_k"]
    err = capsys.readouterr().err
    assert "needs at most 6 forward passes" in err and "stored as traceback 1" in err


def test_method_parameters_reach_the_method_and_others_are_noted(tmp_path, capsys):
    """A method's own flags become its Params; a flag another method owns is ignored with a note."""
    from cli.main import probe_parser
    from cli.probe_trace import options

    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps(["one", "two", "three"]))
    ap = probe_parser("trace")
    base = ["--model", "m", "--context", str(ctx), "--question", "q"]
    opts = options(ap.parse_args(base + ["--method", "shapley", "--permutations", "7", "--ablations", "9"]))
    assert opts.context == ["one", "two", "three"] and opts.params == {"n_permutations": 7}
    assert opts.config().estimate(3) == 7 * 4                                   # N·(n + 1)
    assert "--n-ablations is not a parameter of shapley (ignored)" in capsys.readouterr().err
    opts = options(ap.parse_args(base + ["--method", "attntrace", "--heads", "1:2,0:3", "--n-subsamples", "4"]))
    assert opts.config().params.heads == [(1, 2), (0, 3)] and opts.config().estimate(3) == 4
    with pytest.raises(ValueError, match="n_ablations"):                       # ContextCite's bound: ≥ 8
        options(ap.parse_args(base + ["--method", "contextcite", "--ablations", "2"]))


def test_bad_context_file_is_an_error_naming_the_file(tmp_path, capsys):
    from cli.main import main

    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps({"not": "a list"}))
    assert main(["probe", "trace", "--model", "m", "--context", str(ctx), "--question", "q"]) == 2
    assert f"{ctx}: a JSON context must be a list of passage strings" in capsys.readouterr().err
