"""Retrieval-head detection on a NIAH grid, and its command line.

Score definition: :mod:`analysis.probes.retrieval_score` (Wu et al. 2024, set version). Over the
samples the model answers correctly (answer recall > ``success_recall``; the reference code keeps
ROUGE-1 recall > 0.5), a head's retrieval score is the mean of its per-sample scores. Samples the
model fails are dropped and counted. Heads scoring ≥ 0.1 are "retrieval heads" (the paper's
threshold).

Command line (same code path as the UI)::

    python -m analysis.probes.retrieval_heads --model smollm2 --lengths 1024 2048 --depths 0 50 100 \
        [--needles passkey sf-sandwich] [--trials 1] [--store FILE_OR_DUCKLAKE_URL] [--out FILE.csv]

``--mask-k K`` then runs the masking check (top-K vs K random non-retrieval heads, ``--mask-draws``
seeded draws) on the same grid. ``--out`` writes one row per head: ``layer, head, score, hits, samples`` (0-based layer and
query-head indices; ``hits`` = distinct answer tokens copied, summed over the samples used).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from analysis.probes.jobs import JobContext
from analysis.probes.needles import BUILTIN, NeedleTemplate
from analysis.probes.niah_trial import grid, make_prompt, run_trial

DEFAULT_THRESHOLD = 0.1


@dataclass
class HeadScores:
    """Detection result.

    Attributes:
        scores: float array (L, H), mean per-sample score over the samples used (0 if none).
        hits: int array (L, H), distinct answer tokens copied, summed over the samples used.
        n_used / n_dropped: samples kept (answered correctly) / dropped (model failed).
        trials: one dict per sample (length, depth, needle, response, recall, used, spans).
        not_run: cells over the context limit, with the reason.
        config: everything needed to reproduce the run.
    """

    scores: Any
    hits: Any
    n_used: int
    n_dropped: int
    trials: list[dict] = field(default_factory=list)
    not_run: list[dict] = field(default_factory=list)
    config: dict = field(default_factory=dict)

    def frame(self):
        """DataFrame with columns ``layer, head, score, hits, samples`` (0-based), best first."""
        import pandas as pd

        n_layers, n_heads = self.scores.shape
        df = pd.DataFrame({
            "layer": [l for l in range(n_layers) for _ in range(n_heads)],
            "head": [h for _ in range(n_layers) for h in range(n_heads)],
            "score": self.scores.reshape(-1).astype(float),
            "hits": self.hits.reshape(-1).astype(int),
            "samples": self.n_used,
        })
        return df.sort_values(["score", "layer", "head"], ascending=[False, True, True], ignore_index=True)

    def top(self, k: int) -> list[tuple[int, int]]:
        """The ``k`` best ``(layer, head)`` pairs (ties broken by layer, head)."""
        df = self.frame().head(k)
        return list(zip(df["layer"].astype(int), df["head"].astype(int)))

    def fraction_above(self, threshold: float = DEFAULT_THRESHOLD) -> float:
        """Fraction of heads scoring ≥ ``threshold``."""
        return float((self.scores >= threshold).mean())


def detect(lm, haystack: str, needles: list[NeedleTemplate], lengths: list[int], depths: list[float], *,
           trials: int = 1, max_new_tokens: int = 32, success_recall: float = 0.5, seed: int = 0,
           use_chat_template: bool | None = None, reference_compat: bool = False,
           prefills: dict | None = None, ctx: JobContext | None = None) -> HeadScores:
    """Score every (layer, query head) of ``lm`` (a ``models.LoadedModel``) on a NIAH grid.

    Runs ``len(needles) × lengths × depths × trials`` greedy decodes; memory per decode step is
    O(L × H × N) (:mod:`analysis.probes.attention_rows`).

    ``prefills``: see :func:`analysis.probes.niah_trial.run_trial` (share with :func:`masking.run_masking`).

    Raises:
        JobCancelled: ``ctx`` was cancelled.
        torch.OutOfMemoryError: a length does not fit (the job queue names it).
    """
    import numpy as np

    from analysis.probes.retrieval_score import SampleScorer

    ctx = ctx or JobContext()
    info = lm.info
    cells = grid(lengths, depths, info.context_limit, max_new_tokens)
    todo = [(c, nd, t) for c in cells if c.reason is None for nd in needles for t in range(trials)]
    total_scores = np.zeros((info.n_layers, info.n_heads))
    total_hits = np.zeros((info.n_layers, info.n_heads), dtype=np.int64)
    records: list[dict] = []
    used = dropped = 0
    t0 = time.time()
    for i, (cell, needle, trial) in enumerate(todo):
        ctx.check()
        ctx.progress(i, len(todo), f"{cell.context_length} tokens, depth {cell.depth_percent:g}%",
                     length=cell.context_length)
        prompt = make_prompt(lm.tokenizer, haystack, needle, cell, trial, seed=seed, use_chat_template=use_chat_template)
        scorer = SampleScorer(prompt.input_ids, prompt.answer_span, info.n_layers, info.n_heads, reference_compat)
        res = run_trial(lm, prompt, max_new_tokens=max_new_tokens, scorer=scorer, prefills=prefills)
        ok = res.recall > success_recall
        if ok:
            used += 1
            total_scores += scorer.scores().numpy()
            total_hits += scorer.hits().numpy()
        else:
            dropped += 1
        records.append({"context_length": cell.context_length, "depth_percent": cell.depth_percent, "trial": trial,
                        "needle": needle.name, "answer": prompt.needle.answer, "response": res.response,
                        "recall": res.recall, "exact": res.exact, "used": ok,
                        "answer_span": list(prompt.answer_span), "depth_tokens": prompt.depth_tokens,
                        "template": prompt.template})
    ctx.progress(len(todo), len(todo), f"done: {used} samples used, {dropped} dropped")
    config = {"model": info.spec, "model_name": info.name, "lengths": sorted({int(x) for x in lengths}),
              "depths": sorted({float(x) for x in depths}), "needles": [n.as_dict() for n in needles],
              "trials": trials, "max_new_tokens": max_new_tokens, "success_recall": success_recall,
              "seed": seed, "use_chat_template": use_chat_template, "reference_compat": reference_compat,
              "score": "reference per-step sum" if reference_compat else "set version (Wu et al. 2024)",
              "device": info.device, "dtype": info.dtype, "seconds": round(time.time() - t0, 1),
              "tokenizer": f"{info.name} (the model's own)"}
    scores = total_scores / used if used else total_scores
    return HeadScores(scores, total_hits, used, dropped, records,
                      [{"context_length": c.context_length, "depth_percent": c.depth_percent, "reason": c.reason}
                       for c in cells if c.reason], config)


def add_common_args(ap: argparse.ArgumentParser) -> None:
    """Arguments shared by the probe CLIs (model, grid, needle, haystack, store)."""
    ap.add_argument("--model", default="smollm2", help="smollm2 | gemma3-270m | model folder | .gguf | hub id")
    ap.add_argument("--lengths", type=int, nargs="+", default=[1024, 2048], help="context lengths (model tokens)")
    ap.add_argument("--depths", type=float, nargs="+", default=[0, 25, 50, 75, 100], help="depth percents")
    ap.add_argument("--trials", type=int, default=1, help="trials per cell and needle")
    ap.add_argument("--max-new-tokens", type=int, default=32)
    ap.add_argument("--haystack", help="UTF-8 text file to use as haystack (default: built-in neutral corpus)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plain", action="store_true", help="plain prompt even when the model has a chat template")
    ap.add_argument("--device", help="cuda | mps | cpu (default: best available)")
    ap.add_argument("--trust-remote-code", action="store_true")
    ap.add_argument("--allow-pickle", action="store_true", help="allow .bin pickle checkpoints")
    ap.add_argument("--store", help="a .duckdb file or a team store's DuckLake URL "
                                    "(default: $LONGSCOPE_STORE, $LONGSCOPE_DB or data/longscope.duckdb)")
    ap.add_argument("--data-path", help="team store: Parquet data folder or bucket (default: $LONGSCOPE_DATA_PATH)")
    ap.add_argument("--db", help="the embedded DuckDB file (same as --store FILE)")


def load_haystack(path: str | None) -> str:
    """The haystack text: ``path`` (UTF-8) or the built-in corpus."""
    from analysis.probes.haystack import builtin_corpus

    if not path:
        return builtin_corpus()
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def main(argv: list[str] | None = None) -> int:
    """CLI entry point (see module doc); returns the exit status."""
    ap = argparse.ArgumentParser(prog="python -m analysis.probes.retrieval_heads", description=__doc__.split("\n\n")[0])
    add_common_args(ap)
    ap.add_argument("--needles", nargs="+", default=["passkey", "sf-sandwich", "beijing"], choices=sorted(BUILTIN))
    ap.add_argument("--success-recall", type=float, default=0.5)
    ap.add_argument("--reference-compat", action="store_true", help="reference code's per-step counting (can exceed 1)")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--out", help="CSV with columns layer, head, score, hits, samples")
    ap.add_argument("--no-store", action="store_true", help="do not write the result to the DuckDB store")
    ap.add_argument("--mask-k", type=int, default=0, help="then mask the top-K heads vs K random non-retrieval heads")
    ap.add_argument("--mask-draws", type=int, default=3, help="random draws for the masking check")
    ap.add_argument("--mask-mode", choices=["zero", "uniform"], default="zero")
    args = ap.parse_args(argv)
    from analysis.probes.jobs import TqdmContext
    from analysis.probes.models import load

    lm = load(args.model, device=args.device, trust_remote_code=args.trust_remote_code, allow_pickle=args.allow_pickle)
    print(f"model: {lm.info.name}: {lm.info.n_layers} layers x {lm.info.n_heads} heads "
          f"({lm.info.n_kv_heads} KV), context limit {lm.info.context_limit}, {lm.info.device}/{lm.info.dtype}")
    ctx = TqdmContext("retrieval heads")
    from analysis.probes.niah_trial import share_prefills

    haystack, needles = load_haystack(args.haystack), [BUILTIN[n] for n in args.needles]
    prefills = share_prefills(lm.info, args.lengths, len(args.depths) * len(needles) * args.trials) if args.mask_k else None
    chat = False if args.plain else None
    try:
        res = detect(lm, haystack, needles, args.lengths, args.depths, trials=args.trials,
                     max_new_tokens=args.max_new_tokens, success_recall=args.success_recall, seed=args.seed,
                     use_chat_template=chat, reference_compat=args.reference_compat, prefills=prefills, ctx=ctx)
    finally:
        ctx.close()
    for nr in res.not_run:
        print(f"{nr['context_length']} tokens, depth {nr['depth_percent']:g}%: {nr['reason']}")
    print(f"samples used: {res.n_used}, dropped (model answered wrong): {res.n_dropped}")
    if not res.n_used:
        print("error: 0 successful samples: no head can be scored (try shorter lengths or other needles)", file=sys.stderr)
        return 1
    df = res.frame()
    print(f"heads >= {args.threshold}: {res.fraction_above(args.threshold):.1%} "
          f"({int((res.scores >= args.threshold).sum())} of {res.scores.size})")
    print(df.head(10).to_string(index=False))
    if args.out:
        df.to_csv(args.out, index=False)
        print(f"wrote {args.out}")
    run_id = None
    if not args.no_store:
        from storage.db import store_from_args
        from storage.probes import save_head_scores

        run_id = save_head_scores(store_from_args(args), lm.info, res)
        print(f"stored as probe run {run_id}")
    if args.mask_k:
        from analysis.probes.masking import random_heads, run_masking

        top = res.top(args.mask_k)
        draws = random_heads(res.scores, args.mask_k, args.mask_draws, threshold=args.threshold, exclude=top,
                             seed=args.seed)
        ctx = TqdmContext("masking check")
        try:
            m = run_masking(lm, haystack, needles, args.lengths, args.depths, top, draws, trials=args.trials,
                            max_new_tokens=args.max_new_tokens, seed=args.seed, mode=args.mask_mode,
                            use_chat_template=chat, prefills=prefills, ctx=ctx)
        finally:
            ctx.close()
        print(m.by_condition().to_string(index=False))
        if not args.no_store:
            from storage.probes import save_masking

            print(f"masking stored as probe run {save_masking(store_from_args(args), lm.info, m, source_probe_id=run_id)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
