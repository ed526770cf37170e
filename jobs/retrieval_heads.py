"""Retrieval-head job: load the model, detect (``analysis.probes.retrieval_heads.detect``), store
the score map, then optionally the masking check (top-k heads vs k random non-retrieval heads,
``analysis.probes.masking``) on the same prompts, stored beside it.

Called by the page (through :func:`submit`) and by ``longscope probe heads`` with the same
:class:`RetrievalHeadsOptions`.
"""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from analysis.probes.masking import MaskingResult, random_heads, run_masking
from analysis.probes.needles import BUILTIN, NeedleTemplate
from analysis.probes.niah_trial import share_prefills
from analysis.probes.progress import Progress
from analysis.probes.retrieval_heads import DEFAULT_THRESHOLD, HeadScores, detect
from analysis.vocabulary import MaskMode
from jobs.options import GridOptions
from jobs.backend import ProbeSpec
from jobs.backend import submit as submit_job
from storage.db import Store
from storage.probes import save_head_scores, save_masking
from storage.scope import Scope

KIND = "retrieval-heads"


class RetrievalHeadsOptions(GridOptions):
    """A detection run and its masking check."""

    needles: list[NeedleTemplate] = Field([BUILTIN["passkey"], BUILTIN["sf-sandwich"], BUILTIN["beijing"]],
                                          min_length=1, description="needle templates (built-in names on the "
                                                                    "command line)")
    success_recall: float = Field(0.5, ge=0, lt=1, description="a sample is used when its answer recall is above this "
                                                               "(reference code: ROUGE-1 recall > 0.5)")
    reference_compat: bool = Field(False, description="reference code's per-step counting (scores can exceed 1)")
    threshold: float = Field(DEFAULT_THRESHOLD, ge=0, description="retrieval-head threshold (the paper's 0.1): "
                                                                  "random heads are drawn below it")
    mask_k: int = Field(0, ge=0, description="then mask the top-K heads vs K random non-retrieval heads (0 = no check)")
    mask_draws: int = Field(3, ge=1, description="random draws for the masking check")
    mask_mode: MaskMode = Field("zero", description="zero: the head's output is zeroed; uniform: its attention "
                                                    "becomes uniform (the reference code's mask)")


class NoSuccessfulSampleError(RuntimeError):
    """Detection used no sample (the model failed every prompt): there is no score map to store."""


@dataclass
class HeadsRun:
    """What a detection job did: its scores, the masking check, and their ids in the store (None
    when not stored)."""

    scores: HeadScores
    probe_id: int | None = None
    masking: MaskingResult | None = None
    masking_id: int | None = None


def run(options: RetrievalHeadsOptions, store: Store | None, ctx: Progress | None = None) -> HeadsRun:
    """Detect retrieval heads with ``options``; store the result in ``store`` (None = do not store).

    The masking check runs when ``options.mask_k`` > 0 and at least one sample was used.

    Raises:
        NoSuccessfulSampleError: the model failed every prompt (nothing is stored).
        analysis.probes.models.ModelLoadError: the model cannot be loaded.
        whatever ``ctx.check()`` raises (a cancelled job).
        torch.OutOfMemoryError: a length does not fit (the job queue names it).
    """
    lm = options.load()
    haystack, o = options.haystack_text, options
    prefills = share_prefills(lm.info, o.lengths, len(o.depths) * len(o.needles) * o.trials) if o.mask_k else None
    res = detect(lm, haystack, o.needles, o.lengths, o.depths, trials=o.trials, max_new_tokens=o.max_new_tokens,
                 success_recall=o.success_recall, seed=o.seed, use_chat_template=o.use_chat_template,
                 reference_compat=o.reference_compat, prefills=prefills, ctx=ctx)
    if not res.n_used:  # no sample to score: an all-zero map would read as "no retrieval heads"
        raise NoSuccessfulSampleError(
            f"{lm.info.name} answered none of the {res.n_dropped} prompts (answer recall ≤ {o.success_recall:g} on "
            "every one), so no retrieval score can be computed and nothing was stored; try shorter context lengths, "
            "other needles, or a model that solves this NIAH setting")
    out = HeadsRun(res, probe_id=save_head_scores(store, lm.info, res) if store is not None else None)
    if o.mask_k and res.n_used:
        top = res.top(o.mask_k)
        draws = random_heads(res.scores, o.mask_k, o.mask_draws, threshold=o.threshold, exclude=top, seed=o.seed)
        out.masking = run_masking(lm, haystack, o.needles, o.lengths, o.depths, top, draws, trials=o.trials,
                                  max_new_tokens=o.max_new_tokens, seed=o.seed, mode=o.mask_mode,
                                  use_chat_template=o.use_chat_template, prefills=prefills, ctx=ctx)
        if store is not None:
            out.masking_id = save_masking(store, lm.info, out.masking, source_probe_id=out.probe_id)
    return out


def summary(result: HeadsRun) -> str:
    """One line saying what a finished detection stored (the job panel shows it)."""
    return (f"detection run {result.probe_id}: {result.scores.n_used} samples used, {result.scores.n_dropped} "
            "dropped (model answered wrong)" + (f"; masking run {result.masking_id}" if result.masking_id is not None
                                                else ""))


def submit(options: RetrievalHeadsOptions, store: Store, *, device: str, model_name: str,
           scope: Scope | None = None, workspace: str | None = None) -> int:
    """Queue :func:`run` (``jobs.backend``: in the app for an embedded store, on a worker for the
    team store; one job at a time per device) as ``scope`` writing to ``workspace``
    (``jobs.scoping``); returns the job id at once."""
    return submit_job(ProbeSpec(KIND, f"Retrieval heads · {model_name}", run, summary), options, store,
                      device=device, scope=scope, workspace=workspace)
