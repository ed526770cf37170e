"""Context-traceback job: load the model, trace the answer to passages of the context
(``analysis.probes.traceback.run.run_traceback`` with a method of the registry), store the result
document (``storage.traceback``).

Called by the page (through :func:`submit`) and by ``longscope probe trace`` with the same
:class:`TracebackOptions`.
"""
from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from analysis.probes.progress import Progress
from analysis.probes.traceback.methods.registry import get_method
from analysis.probes.traceback.run import TracebackConfig, run_traceback
from analysis.vocabulary import Segmentation, TracebackMethodName
from jobs.options import ModelOptions
from jobs.backend import ProbeSpec
from jobs.backend import submit as submit_job
from storage.db import Store
from storage.scope import Scope
from storage.traceback import save_traceback

KIND = "traceback"


class TracebackOptions(ModelOptions):
    """A traceback: context, question, answer, the method with its own parameters, the shared settings."""

    context: str | list[str] = Field(..., description="the context: a text (segmented) or a list of passages "
                                                      "(used as given)")
    question: str = Field(..., min_length=1, description="the question the model answered")
    answer: str | None = Field(None, description="answer to trace (default: generate greedily)")
    method: TracebackMethodName = Field("tracllm", description="traceback method")
    params: dict[str, Any] = Field({}, description="the method's own parameters (its Params fields)")
    k: int = Field(5, ge=1, description="top passages (K)")
    segmentation: Segmentation = Field("paragraph", description="how a text context is cut into passages")
    batch_size: int = Field(1, ge=1, description="subsets per batched forward pass")
    max_forward_passes: int | None = Field(None, ge=1, description="refuse to run more forward passes than this")
    faithfulness: bool = Field(True, description="top-K vs random-K removal check after the method")

    @model_validator(mode="after")
    def _params_fit_the_method(self) -> "TracebackOptions":
        get_method(self.method).params(self.params)  # raises on an unknown or out-of-range parameter
        return self

    def config(self) -> TracebackConfig:
        """The algorithm's configuration."""
        return TracebackConfig(method=self.method, params=self.params, k=self.k, segmentation=self.segmentation,
                               batch_size=self.batch_size, max_forward_passes=self.max_forward_passes,
                               faithfulness=self.faithfulness)


def run(options: TracebackOptions, store: Store | None, ctx: Progress | None = None) -> dict[str, Any]:
    """Trace with ``options``; returns the result document (``TracebackResult.to_json()``), with
    ``traceback_id`` when stored in ``store`` (None = do not store).

    Raises:
        ValueError: bad segmentation or an empty answer / context.
        BudgetExceeded: the method needs more forward passes than ``options.max_forward_passes``.
        analysis.probes.models.ModelLoadError: the model cannot be loaded.
        whatever ``ctx.check()`` raises (a cancelled job).
    """
    loaded = options.load()
    res = run_traceback(loaded.model, loaded.tokenizer, options.context, options.question, answer=options.answer,
                        config=options.config(), model_name=options.model, job=ctx)
    doc = res.to_json()
    if store is not None:
        doc["traceback_id"] = save_traceback(store, doc, context_hash=res.context_hash)
    return doc


def summary(result: dict[str, Any]) -> str:
    """One line saying what a finished traceback stored (the job panel shows it)."""
    return f"stored as traceback {result.get('traceback_id')}: shown below under Past results"


def submit(options: TracebackOptions, store: Store, *, device: str, scope: Scope | None = None,
           workspace: str | None = None) -> int:
    """Queue :func:`run` (``jobs.backend``: in the app for an embedded store, on a worker for the
    team store; one job at a time per device) as ``scope`` writing to ``workspace``
    (``jobs.scoping``); returns the job id at once."""
    label = f"{get_method(options.method).label} · {options.question[:40]}"
    return submit_job(ProbeSpec(KIND, label, run, summary), options, store, device=device, scope=scope,
                      workspace=workspace)
