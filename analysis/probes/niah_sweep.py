"""Live NIAH sweep on a loaded model: lengths × depths in the model's own tokenizer, and its CLI.

Each trial: a prompt of exactly ``context_length`` tokens (``niah_prompt``), greedy decoding,
scored 0/1 by exact answer match plus answer-word recall (``needles``). Cells whose length plus
``max_new_tokens`` exceeds the model's context limit are recorded as "not run" (in the run's
config), not as failures. Results are stored as an ordinary run (``runs`` + ``niah_trials``,
binary scale) so every results page works on them; each finished cell is written at once, and a
rerun with the same configuration skips the cells already stored (resumable). The run key covers
model, needle, haystack, template choice, trials, max_new_tokens and seed, not the grid, so a
larger grid later extends the same run.

Command line::

    python -m analysis.probes.niah_sweep --model smollm2 --lengths 1024 2048 4096 --depths 0 50 100 \
        [--needle passkey] [--trials 2] [--store FILE_OR_DUCKLAKE_URL] [--export DIR]

``--export DIR`` writes the run in gkamradt ``needlehaystack`` per-test JSON
(``<model>_len_<L>_depth_<int(D*100)>_results.json``; docs/result_formats.md §4).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from analysis.probes.jobs import JobContext
from analysis.probes.needles import BUILTIN, NeedleTemplate
from analysis.probes.niah_trial import grid, make_prompt, run_trial


@dataclass
class SweepResult:
    """What a sweep did: run id in the store, cells run / skipped (already stored) / not run."""

    run_id: int | None
    run_key: str
    ran: list[tuple[int, float]] = field(default_factory=list)
    skipped: list[tuple[int, float]] = field(default_factory=list)
    not_run: list[dict] = field(default_factory=list)
    accuracy: float | None = None


def sweep_key(model_spec: str, needle: NeedleTemplate, haystack: str, *, trials: int, max_new_tokens: int,
              seed: int, use_chat_template: bool | None) -> tuple[str, dict]:
    """``(run_key, identity)``: the run key is a hash of everything that defines the trials except
    the grid, so reruns resume and larger grids extend the same run."""
    ident = {"model": model_spec, "needle": needle.as_dict(),
             "haystack_sha256": hashlib.sha256(haystack.encode("utf-8")).hexdigest(), "trials": trials,
             "max_new_tokens": max_new_tokens, "seed": seed, "use_chat_template": use_chat_template}
    digest = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:12]
    return f"probe-niah:{model_spec}:{digest}", ident


def run_sweep(lm, store, haystack: str, needle: NeedleTemplate, lengths: list[int], depths: list[float], *,
              trials: int = 1, max_new_tokens: int = 32, seed: int = 0, use_chat_template: bool | None = None,
              haystack_name: str = "builtin", label: str | None = None, ctx: JobContext | None = None) -> SweepResult:
    """Run (or resume) a sweep and store every finished cell.

    Args:
        lm: ``models.LoadedModel``; store: ``storage.db.Store``.
        haystack_name: shown in the config (``builtin`` or the uploaded file's name).

    Raises:
        JobCancelled: ``ctx`` was cancelled (cells finished so far stay stored).
        torch.OutOfMemoryError: a length does not fit (the job queue names it).
    """
    import pandas as pd

    from analysis.probes.haystack import CORPUS_NAME
    from storage import probes as pstore

    ctx = ctx or JobContext()
    info = lm.info
    run_key, ident = sweep_key(info.spec, needle, haystack, trials=trials, max_new_tokens=max_new_tokens, seed=seed,
                               use_chat_template=use_chat_template)
    cells = grid(lengths, depths, info.context_limit, max_new_tokens)
    done = pstore.done_cells(store, run_key)
    result = SweepResult(pstore.sweep_run_id(store, run_key), run_key)
    todo = []
    for c in cells:
        if c.reason:
            result.not_run.append({"context_length": c.context_length, "depth_percent": c.depth_percent, "reason": c.reason})
        elif done.get((c.context_length, c.depth_percent), 0) >= trials:
            result.skipped.append((c.context_length, c.depth_percent))
        else:
            todo.append(c)
    config = {**ident, "probe": "niah_sweep", "haystack": CORPUS_NAME if haystack_name == "builtin" else haystack_name,
              "model_name": info.name, "device": info.device, "dtype": info.dtype, "context_limit": info.context_limit,
              "decoding": "greedy", "scoring": "exact match of the answer words (0/1) + answer-word recall"}
    tokenizer = f"{info.name} (the model's own tokenizer)"
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
                                   "needle_span": list(prompt.needle_span), "answer_span": list(prompt.answer_span),
                                   "stopped_by": res.generation.stopped_by,
                                   "seconds": round(time.time() - t0, 3),
                                   "timestamp_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S%z")}})
            exacts.append(res.exact)
        result.run_id = pstore.write_sweep_cell(store, run_key, model=info.spec, label=label or f"{info.name} (probe)",
                                                tokenizer=tokenizer, config=config, trials=pd.DataFrame(rows))
        result.ran.append((cell.context_length, cell.depth_percent))
    ctx.progress(n_total, n_total, "done")
    if result.run_id is not None:
        pstore.update_run_config(store, result.run_id, {"not_run": result.not_run,
                                                        "template": _template_used(lm, use_chat_template)})
    result.accuracy = sum(exacts) / len(exacts) if exacts else None
    return result


def _template_used(lm, use_chat_template: bool | None) -> str:
    has = bool(getattr(lm.tokenizer, "chat_template", None))
    return "chat" if has and use_chat_template is not False else "plain"


def export_needlehaystack(store, run_id: int, out_dir: str | Path, model_name: str) -> list[Path]:
    """Write every trial of sweep ``run_id`` as gkamradt ``needlehaystack`` per-test JSON.

    File ``<model_name with '.' and other non-word characters -> '_'>_len_<L>_depth_<int(D*100)>_results.json``; repeats (trial ≥ 1)
    get ``_results_<trial+1>`` like the original script's versions. Fields: model,
    context_length, depth_percent, version, needle, model_response, score (0/1),
    test_duration_seconds, test_timestamp_utc.
    """
    from storage.probes import sweep_trials

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w\-]+", "_", model_name.replace(".", "_")).strip("_")
    paths = []
    for r in sweep_trials(store, run_id).itertuples():
        extra = json.loads(r.extra) if isinstance(r.extra, str) else (r.extra or {})
        doc = {"model": model_name, "context_length": int(r.context_length), "depth_percent": float(r.depth_percent),
               "version": 1, "needle": r.needle, "model_response": r.response, "score": int(r.score_raw),
               "test_duration_seconds": float(extra.get("seconds", 0.0)),
               "test_timestamp_utc": extra.get("timestamp_utc", "")}
        suffix = "" if int(r.trial) == 0 else f"_{int(r.trial) + 1}"
        p = out / f"{stem}_len_{int(r.context_length)}_depth_{int(round(r.depth_percent * 100))}_results{suffix}.json"
        p.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        paths.append(p)
    return paths


def main(argv: list[str] | None = None) -> int:
    """CLI entry point (see module doc); returns the exit status."""
    from analysis.probes.retrieval_heads import add_common_args, load_haystack

    ap = argparse.ArgumentParser(prog="python -m analysis.probes.niah_sweep", description=__doc__.split("\n\n")[0])
    add_common_args(ap)
    ap.add_argument("--needle", default="passkey", choices=sorted(BUILTIN))
    ap.add_argument("--label", help="display label of the run")
    ap.add_argument("--export", metavar="DIR", help="also write needlehaystack per-test JSON files here")
    args = ap.parse_args(argv)
    from analysis.probes.jobs import TqdmContext
    from analysis.probes.models import load
    from storage.db import store_from_args

    lm = load(args.model, device=args.device, trust_remote_code=args.trust_remote_code, allow_pickle=args.allow_pickle)
    store = store_from_args(args)
    ctx = TqdmContext("NIAH sweep")
    try:
        res = run_sweep(lm, store, load_haystack(args.haystack), BUILTIN[args.needle], args.lengths, args.depths,
                        trials=args.trials, max_new_tokens=args.max_new_tokens, seed=args.seed,
                        use_chat_template=False if args.plain else None,
                        haystack_name=Path(args.haystack).name if args.haystack else "builtin", label=args.label, ctx=ctx)
    finally:
        ctx.close()
    for nr in res.not_run:
        print(f"{nr['context_length']} tokens, depth {nr['depth_percent']:g}%: {nr['reason']}")
    acc = "n/a" if res.accuracy is None else f"{res.accuracy:.1%}"
    print(f"run {res.run_id} ({res.run_key}): {len(res.ran)} cells run, {len(res.skipped)} already stored, "
          f"{len(res.not_run)} not run; accuracy of the cells run: {acc}")
    if args.export and res.run_id is not None:
        paths = export_needlehaystack(store, res.run_id, args.export, lm.info.name)
        print(f"exported {len(paths)} files to {args.export}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
