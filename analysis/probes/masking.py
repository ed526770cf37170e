"""Masking check for retrieval heads (Wu et al. 2024, §3; reference ``needle_in_haystack_with_mask.py``).

Re-run a NIAH grid (i) unmasked, (ii) with the top-k retrieval heads masked, (iii) with k random
*non-retrieval* heads masked, in several draws with fixed seeds. Random heads are drawn from the
heads scoring below the threshold and outside the top-k (the reference code meant to exclude its
top-100 but a tuple/list comparison disabled that, docs/probes.md §1.4; we exclude properly). Every
condition sees the same prompts (same needles and values), and masking applies to decode steps
only, so each prompt is prefilled once and its cache copied per condition.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from analysis.probes.needles import NeedleTemplate
from analysis.probes.niah_trial import grid, make_prompt, run_trial
from analysis.probes.progress import NoProgress, Progress
from analysis.vocabulary import MaskMode


@dataclass
class MaskingResult:
    """Per-trial rows and the heads masked per condition.

    ``rows``: DataFrame with condition (``none`` | ``top-k`` | ``random``), draw, context_length,
    depth_percent, needle, trial, exact, recall, response. ``heads``: condition/draw label →
    list of ``(layer, head)``.
    """

    rows: object
    heads: dict[str, list[tuple[int, int]]]
    k: int
    config: dict = field(default_factory=dict)

    def summary(self):
        """DataFrame: condition, draw, trials, accuracy (mean exact match), mean recall."""
        g = self.rows.groupby(["condition", "draw"], sort=False)
        return g.agg(trials=("exact", "size"), accuracy=("exact", "mean"), recall=("recall", "mean")).reset_index()

    def by_condition(self):
        """DataFrame: condition, trials, accuracy, recall (random draws pooled)."""
        g = self.rows.groupby("condition", sort=False)
        return g.agg(trials=("exact", "size"), accuracy=("exact", "mean"), recall=("recall", "mean")).reset_index()


def random_heads(scores, k: int, draws: int, *, threshold: float = 0.1, exclude: list[tuple[int, int]] = (),
                 seed: int = 0) -> list[list[tuple[int, int]]]:
    """``draws`` lists of ``k`` distinct heads with score < ``threshold`` and not in ``exclude``.

    ``scores``: array [layers, heads] of retrieval scores. Draw i uses ``random.Random(seed + i)``.

    Raises:
        ValueError: fewer than ``k`` eligible heads.
    """
    n_layers, n_heads = scores.shape
    banned = {tuple(map(int, h)) for h in exclude}
    pool = [(l, h) for l in range(n_layers) for h in range(n_heads)
            if scores[l, h] < threshold and (l, h) not in banned]
    if len(pool) < k:
        raise ValueError(f"only {len(pool)} non-retrieval heads, cannot draw {k}")
    return [sorted(random.Random(seed + i).sample(pool, k)) for i in range(draws)]


def run_masking(lm, haystack: str, needles: list[NeedleTemplate], lengths: list[int], depths: list[float],
                top_heads: list[tuple[int, int]], random_draws: list[list[tuple[int, int]]], *,
                trials: int = 1, max_new_tokens: int = 32, seed: int = 0, mode: MaskMode = "zero",
                use_chat_template: bool | None = None, prefills: dict | None = None, include_unmasked: bool = True,
                ctx: Progress | None = None) -> MaskingResult:
    """Run the grid unmasked, with ``top_heads`` masked, and with each of ``random_draws`` masked.

    ``include_unmasked=False`` skips the unmasked condition (e.g. when the detection run's own
    trials on the same prompts already give it).

    Returns:
        :class:`MaskingResult` (accuracy = mean 0/1 exact match; recall = answer-word recall).

    Raises:
        whatever ``ctx.check()`` raises (a cancelled job).
    """
    import pandas as pd

    ctx = ctx or NoProgress()
    local = prefills is None                        # then keep only the current prompt's prefill
    prefills = {} if local else prefills
    conditions = [("none", 0, [])] * include_unmasked + [("top-k", 0, list(top_heads))] + [("random", i, list(h)) for i, h in enumerate(random_draws)]
    cells = [c for c in grid(lengths, depths, lm.info.context_limit, max_new_tokens) if c.reason is None]
    work = [(c, nd, t) for c in cells for nd in needles for t in range(trials)]
    total, done, rows = len(work) * len(conditions), 0, []
    t0 = time.time()
    for cell, needle, trial in work:
        prompt = make_prompt(lm.tokenizer, haystack, needle, cell, trial, seed=seed, use_chat_template=use_chat_template)
        for cond, draw, heads in conditions:
            ctx.check()
            ctx.progress(done, total, f"{cond} {cell.context_length} tokens, depth {cell.depth_percent:g}%",
                         length=cell.context_length)
            res = run_trial(lm, prompt, max_new_tokens=max_new_tokens, masked_heads=heads, mask_mode=mode,
                            prefills=prefills)
            rows.append({"condition": cond, "draw": draw, "context_length": cell.context_length,
                         "depth_percent": cell.depth_percent, "needle": needle.name, "trial": trial,
                         "exact": res.exact, "recall": res.recall, "response": res.response})
            done += 1
        if local:
            prefills.pop(tuple(prompt.input_ids), None)
    ctx.progress(total, total, "done")
    heads = {"top-k": list(top_heads), **{f"random {i}": list(h) for i, h in enumerate(random_draws)}}
    config = {"k": len(top_heads), "draws": len(random_draws), "mode": mode, "prefill_masked": False,
              "lengths": sorted({int(x) for x in lengths}), "depths": sorted({float(x) for x in depths}),
              "needles": [n.as_dict() for n in needles], "trials": trials, "max_new_tokens": max_new_tokens,
              "seed": seed, "seconds": round(time.time() - t0, 1)}
    return MaskingResult(pd.DataFrame(rows), heads, len(top_heads), config)
