"""The page and the command line of each probe expose the same options: both build the probe's
options model (``jobs/<probe>.py``) and hand it to the same job function. The command line's flags
are derived from the model's fields; the page must set every field (pydantic's
``model_fields_set``), checked by pressing its run button with the queue replaced by a recorder."""
from __future__ import annotations

from pathlib import Path

import pytest
from tests.probe_ready import until_model_read

ROOT = Path(__file__).resolve().parents[2]
#: flags that say where a command-line result goes (the page has its store and its download buttons)
OUTPUT_FLAGS = {"help", "db", "store", "data_path", "out", "export", "no_store"}


def _cli_fields(probe: str) -> set[str]:
    from analysis.probes.traceback.methods.registry import METHODS
    from cli.main import probe_parser

    dests = {a.dest for a in probe_parser(probe)._actions} - OUTPUT_FLAGS
    if probe == "trace":  # each method's parameters have flags; together they are the ``params`` field
        method_params = {n for m in METHODS.values() for n in m.Params.model_fields}
        assert method_params <= dests
        dests = dests - method_params | {"params"}
    return dests


def _options_model(probe: str):
    from jobs.niah_sweep import NiahSweepOptions
    from jobs.retrieval_heads import RetrievalHeadsOptions
    from jobs.traceback import TracebackOptions

    return {"niah": NiahSweepOptions, "heads": RetrievalHeadsOptions, "trace": TracebackOptions}[probe]


@pytest.mark.parametrize("probe", ["niah", "heads", "trace"])
def test_cli_flags_are_the_options_fields(probe):
    assert _cli_fields(probe) == set(_options_model(probe).model_fields)


def _submitted(monkeypatch, tmp_path, module: str, page: str, fill) -> object:
    """Run ``page``, let ``fill(at)`` set its inputs and press its run button; returns the options
    object the page submitted to ``jobs.<module>.submit``."""
    import importlib

    from streamlit.testing.v1 import AppTest

    got = []
    job_module = importlib.import_module(f"jobs.{module}")
    monkeypatch.setattr(job_module, "submit", lambda options, store, **kw: got.append(options) or -1)
    monkeypatch.setenv("LONGSCOPE_DB", str(tmp_path / "opts.duckdb"))
    at = until_model_read(AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=180).run())
    assert not at.exception, at.exception
    fill(at)
    assert not at.exception, at.exception
    assert len(got) == 1, "the run button did not submit a job"
    return got[0]


def _press(at, label):
    next(b for b in at.button if b.label == label).click().run()


def test_niah_page_sets_every_option(monkeypatch, tmp_path):
    from jobs.niah_sweep import NiahSweepOptions

    opts = _submitted(monkeypatch, tmp_path, "niah_sweep", "probe_niah", lambda at: _press(at, "Run sweep"))
    assert isinstance(opts, NiahSweepOptions) and opts.model_fields_set == set(NiahSweepOptions.model_fields)
    assert opts.lengths == [1024, 2048, 4096] and opts.model == "smollm2" and opts.needle.name == "passkey"


def test_retrieval_heads_page_sets_every_option(monkeypatch, tmp_path):
    from jobs.retrieval_heads import RetrievalHeadsOptions

    opts = _submitted(monkeypatch, tmp_path, "retrieval_heads", "retrieval_heads",
                      lambda at: _press(at, "Run detection"))
    assert isinstance(opts, RetrievalHeadsOptions) and opts.model_fields_set == set(RetrievalHeadsOptions.model_fields)
    assert opts.mask_k == round(0.05 * 30 * 9) and [n.name for n in opts.needles] == ["passkey", "sf-sandwich",
                                                                                       "beijing"]


def test_traceback_page_sets_every_option(monkeypatch, tmp_path):
    from jobs.traceback import TracebackOptions

    def fill(at):
        at.radio[0].set_value("Passage list (one per line)").run()
        at.text_area[0].set_value("A cat sleeps.\nThe code is 7341.\nRain fell.").run()
        at.text_input[0].set_value("What is the code?").run()
        next(s for s in at.selectbox if s.label == "Method").set_value("shapley").run()
        _press(at, "Run traceback")

    opts = _submitted(monkeypatch, tmp_path, "traceback", "traceback", fill)
    assert isinstance(opts, TracebackOptions) and opts.model_fields_set == set(TracebackOptions.model_fields)
    assert opts.context == ["A cat sleeps.", "The code is 7341.", "Rain fell."]
    assert (opts.method, opts.params, opts.max_forward_passes) == ("shapley", {"n_permutations": 5}, 2000)
