"""Retrieval-head detection on a NIAH grid (pure: no store; run by ``jobs/retrieval_heads.py``).

Score definition: :mod:`analysis.probes.retrieval_score` (Wu et al. 2024, set version). Over the
samples the model answers correctly (answer recall > ``success_recall``; the reference code keeps
ROUGE-1 recall > 0.5), a head's retrieval score is the mean of its per-sample scores. Samples the
model fails are dropped and counted. Heads scoring ≥ 0.1 are "retrieval heads" (the paper's
threshold).

Command line: ``longscope probe heads`` (or ``python -m analysis.probes.retrieval_heads``), same
code path as the page. :meth:`HeadScores.frame` is what ``--out`` writes: one row per head,
``layer, head, score, hits, samples`` (0-based layer and query-head indices; ``hits`` = distinct
answer tokens copied, summed over the samples used).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from analysis.probes.needles import NeedleTemplate
from analysis.probes.niah_trial import grid, make_prompt, run_trial
from analysis.probes.progress import NoProgress, Progress

DEFAULT_THRESHOLD = 0.1


@dataclass
class HeadScores:
    """Detection result.

    Attributes:
        scores: float array [layers, heads], mean per-sample score over the samples used (0 if none).
        hits: int array [layers, heads], distinct answer tokens copied, summed over the samples used.
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
           prefills: dict | None = None, ctx: Progress | None = None) -> HeadScores:
    """Score every (layer, query head) of ``lm`` (a ``models.LoadedModel``) on a NIAH grid.

    Runs ``len(needles) × lengths × depths × trials`` greedy decodes; memory per decode step is
    O(L × H × N) (:mod:`analysis.probes.attention_rows`).

    ``prefills``: see :func:`analysis.probes.niah_trial.run_trial` (share with :func:`masking.run_masking`).

    Raises:
        whatever ``ctx.check()`` raises (a cancelled job).
        torch.OutOfMemoryError: a length does not fit (the job queue names it).
    """
    import numpy as np

    from analysis.probes.retrieval_score import SampleScorer

    ctx = ctx or NoProgress()
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
