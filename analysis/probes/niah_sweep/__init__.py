"""Live NIAH sweep on a loaded model: lengths × depths in the model's own tokenizer (pure: no store).

Each trial: a prompt of exactly ``context_length`` tokens (``niah_prompt``), greedy decoding,
scored 0/1 by exact answer match plus answer-word recall (``needles``). Cells whose length plus
``max_new_tokens`` exceeds the model's context limit are recorded as "not run" (in the run's
config), not as failures. Each finished cell is handed to the caller's ``on_cell`` callback (the
orchestration in ``jobs/niah_sweep.py`` stores it at once as part of an ordinary run), and cells
the caller says are ``done`` are skipped (resumable). The run key covers model, needle, haystack,
template choice, trials, max_new_tokens and seed, not the grid, so a larger grid later extends
the same run.

:func:`needlehaystack_files` lays the stored trials out as gkamradt ``needlehaystack`` per-test
JSON (``<model>_len_<L>_depth_<int(D*100)>_results.json``; docs/result_formats.md §4).
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Mapping

from analysis.probes.needles import NeedleTemplate
from analysis.probes.niah_trial import grid, make_prompt, run_trial
from analysis.probes.progress import NoProgress, Progress

#: ``on_cell(run_key, config, rows)``: store one finished cell's trials (``rows``: one dict per
#: trial with context_length, depth_percent, score_raw, needle, response, extra)
CellSink = Callable[[str, dict, list[dict]], None]


@dataclass
class SweepResult:
    """What a sweep did: cells run / skipped (already done) / not run, accuracy of the cells run
    (mean 0/1 exact match; None when none ran), and the run's config."""

    run_key: str
    ran: list[tuple[int, float]] = field(default_factory=list)
    skipped: list[tuple[int, float]] = field(default_factory=list)
    not_run: list[dict] = field(default_factory=list)
    accuracy: float | None = None
    template: str = "plain"   # "chat" or "plain": the prompt frame the model got
    config: dict = field(default_factory=dict)
    run_id: int | None = None  # set by the caller that stored the cells (jobs/niah_sweep.py)


def sweep_key(model_spec: str, needle: NeedleTemplate, haystack: str, *, trials: int, max_new_tokens: int,
              seed: int, use_chat_template: bool | None) -> tuple[str, dict]:
    """``(run_key, identity)``: the run key is a hash of everything that defines the trials except
    the grid, so reruns resume and larger grids extend the same run."""
    ident = {"model": model_spec, "needle": needle.as_dict(),
             "haystack_sha256": hashlib.sha256(haystack.encode("utf-8")).hexdigest(), "trials": trials,
             "max_new_tokens": max_new_tokens, "seed": seed, "use_chat_template": use_chat_template}
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:12]
    return f"probe-niah:{model_spec}:{digest}", ident


def run_sweep(lm, haystack: str, needle: NeedleTemplate, lengths: list[int], depths: list[float], *,
              on_cell: CellSink, done: Mapping[tuple[int, float], int] | None = None, trials: int = 1,
              max_new_tokens: int = 32, seed: int = 0, use_chat_template: bool | None = None,
              haystack_name: str = "builtin", ctx: Progress | None = None) -> SweepResult:
    """Run (or resume) a sweep, handing every finished cell to ``on_cell``.

    Args:
        lm: ``models.LoadedModel``.
        on_cell: called once per finished cell, in grid order (see :data:`CellSink`).
        done: ``{(context_length, depth_percent): trials already stored}`` of this run key; cells
            with ``trials`` or more are skipped.
        haystack_name: shown in the config (``builtin`` or the uploaded file's name).

    Raises:
        whatever ``ctx.check()`` raises (a cancelled job; cells finished so far were handed to ``on_cell``).
        torch.OutOfMemoryError: a length does not fit (the job queue names it).
    """
    from analysis.probes.haystack import CORPUS_NAME

    ctx = ctx or NoProgress()
    done = done or {}
    info = lm.info
    run_key, ident = sweep_key(info.spec, needle, haystack, trials=trials, max_new_tokens=max_new_tokens, seed=seed,
                               use_chat_template=use_chat_template)
    result = SweepResult(run_key, template=_template_used(lm, use_chat_template))
    todo = []
    for c in grid(lengths, depths, info.context_limit, max_new_tokens):
        if c.reason:
            result.not_run.append({"context_length": c.context_length, "depth_percent": c.depth_percent, "reason": c.reason})
        elif done.get((c.context_length, c.depth_percent), 0) >= trials:
            result.skipped.append((c.context_length, c.depth_percent))
        else:
            todo.append(c)
    result.config = {**ident, "probe": "niah_sweep",
                     "haystack": CORPUS_NAME if haystack_name == "builtin" else haystack_name,
                     "model_name": info.name, "device": info.device, "dtype": info.dtype,
                     "context_limit": info.context_limit, "decoding": "greedy",
                     "scoring": "exact match of the answer words (0/1) + answer-word recall"}
    n_total, exacts = len(todo) * trials, []
    for ci, cell in enumerate(todo):
        rows = []
        for t in range(trials):
            ctx.check()
            ctx.progress(ci * trials + t, n_total, f"{cell.context_length} tokens, depth {cell.depth_percent:g}%",
                         length=cell.context_length)
            t0 = time.time()
            prompt = make_prompt(lm.tokenizer, haystack, needle, cell, t, seed=seed, use_chat_template=use_chat_template)
            res = run_trial(lm, prompt, max_new_tokens=max_new_tokens)
            rows.append({"context_length": cell.context_length, "depth_percent": cell.depth_percent,
                         "score_raw": float(res.exact), "needle": prompt.needle.text, "response": res.response,
                         "extra": {"trial": t, "answer": prompt.needle.answer, "question": prompt.needle.question,
                                   "recall": res.recall, "template": prompt.template,
                                   "depth_tokens": prompt.depth_tokens, "haystack_tokens": prompt.haystack_tokens,
                                   "actual_depth_percent": round(prompt.actual_depth_percent, 3),
                                   **prompt.meta,  # placement (sentence boundary | token position), depth_warning
                                   "needle_span": list(prompt.needle_span), "answer_span": list(prompt.answer_span),
                                   "stopped_by": res.generation.stopped_by,
                                   "seconds": round(time.time() - t0, 3),
                                   "timestamp_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S%z")}})
            exacts.append(res.exact)
        on_cell(run_key, result.config, rows)
        result.ran.append((cell.context_length, cell.depth_percent))
    ctx.progress(n_total, n_total, "done")
    result.accuracy = sum(exacts) / len(exacts) if exacts else None
    return result


def _template_used(lm, use_chat_template: bool | None) -> str:
    has = bool(getattr(lm.tokenizer, "chat_template", None))
    return "chat" if has and use_chat_template is not False else "plain"


def needlehaystack_files(trials, model_name: str) -> dict[str, dict]:
    """``{file name: document}`` of gkamradt ``needlehaystack`` per-test JSON for a sweep's trials.

    ``trials``: DataFrame with columns context_length, depth_percent, trial, needle, response,
    score_raw, extra (dict or JSON text). File ``<model_name with '.' and other non-word characters
    -> '_'>_len_<L>_depth_<int(D*100)>_results.json``; repeats (trial ≥ 1) get ``_results_<trial+1>``
    like the original script's versions. Fields: model, context_length, depth_percent, version,
    needle, model_response, score (0/1), test_duration_seconds, test_timestamp_utc.
    """
    stem = re.sub(r"[^\w\-]+", "_", model_name.replace(".", "_")).strip("_")
    files = {}
    for r in trials.itertuples():
        extra = json.loads(r.extra) if isinstance(r.extra, str) else (r.extra or {})
        doc = {"model": model_name, "context_length": int(r.context_length), "depth_percent": float(r.depth_percent),
               "version": 1, "needle": r.needle, "model_response": r.response, "score": int(r.score_raw),
               "test_duration_seconds": float(extra.get("seconds", 0.0)),
               "test_timestamp_utc": extra.get("timestamp_utc", "")}
        suffix = "" if int(r.trial) == 0 else f"_{int(r.trial) + 1}"
        files[f"{stem}_len_{int(r.context_length)}_depth_{int(round(r.depth_percent * 100))}_results{suffix}.json"] = doc
    return files
