"""Benchmark: retrieval-head scoring vs plain greedy generation, and memory vs full attention maps.

For SmolLM2-135M-Instruct at 1K/2K/4K/8K tokens (one passkey prompt at depth 50 %, the same
``--steps`` greedy decode steps in every variant):

- ``plain``: sdpa prefill + greedy decode (no rows recorded);
- ``rows``: the scoring run (``longscope_rows`` attention: one attention row per head per decode
  step, argmax copy scoring);
- ``full``: eager attention with ``output_attentions=True`` on the prefill and every decode step
  (the L·H·N² maps the reference approach materialises). It is run only when its predicted map
  size L·H·N²·4 bytes is below ``--full-limit-gb``; otherwise it is skipped and the prediction
  reported (30·9·8192²·4 B ≈ 72 GB at 8K would kill the machine).

Wall time is the scoring run's ratio to ``plain`` (goal ≤ 1.5×); ``plain`` and ``rows`` run twice,
interleaved, and the faster of each is kept (the CPU is shared). Memory is the peak resident set
size above the level before the variant (sampled every 5 ms from /proc/self/statm), in MiB.

    python benchmarks/retrieval_heads.py [--lengths 1024 2048 4096 8192] [--steps 16] [--threads 1] [--out FILE.json]

On a CPU shared with other jobs, use ``--threads 1``: with 2 OpenMP threads every parallel op waits
for a descheduled thread (≈ 8 ms per op measured here), which penalises the few extra small ops of
the scoring path far more than their arithmetic.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


class PeakRSS:
    """Context manager: peak RSS above the starting level, sampled in a thread."""

    def __enter__(self):
        self.base = self.peak = rss()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss())
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, rss())
        self.extra_mib = (self.peak - self.base) / 2**20


def run_full(model, ids, steps):
    """Eager + output_attentions on prefill and decode (keeps every map, as a naive scorer would)."""
    import torch
    from transformers import DynamicCache

    model.set_attn_implementation("eager")
    kept = []
    try:
        cache = DynamicCache(config=model.config)
        with torch.inference_mode():
            out = model(input_ids=torch.tensor([ids[:-1]]), cache=cache, use_cache=True, output_attentions=True,
                        logits_to_keep=1)
            kept.append(out.attentions)
            tok = torch.tensor([[ids[-1]]])
            for _ in range(steps):
                out = model(input_ids=tok, cache=cache, use_cache=True, output_attentions=True)
                kept.append(out.attentions)
                tok = out.logits[:, -1:].argmax(-1)
    finally:
        model.set_attn_implementation("sdpa")
    return sum(a.numel() * a.element_size() for step in kept for a in step)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--lengths", type=int, nargs="+", default=[1024, 2048, 4096, 8192])
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--full-limit-gb", type=float, default=5.0)
    ap.add_argument("--threads", type=int, help="torch CPU threads (1 avoids OpenMP barrier stalls on a shared CPU)")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from analysis.probes.attention_rows import capture_rows
    from analysis.probes.decoding import decode, prefill
    from analysis.probes.haystack import builtin_corpus
    from analysis.probes.models import load
    from analysis.probes.needles import PASSKEY
    from analysis.probes.niah_trial import Cell, make_prompt
    from analysis.probes.retrieval_score import SampleScorer

    lm = load(args.model, device="cpu")
    info = lm.info
    warm = make_prompt(lm.tokenizer, builtin_corpus(), PASSKEY, Cell(256, 50.0), 0)
    decode(lm.model, lm.tokenizer, prefill(lm.model, warm.input_ids), max_new_tokens=2)   # warm-up
    rows = []
    for n in args.lengths:
        max_new = args.steps
        if n + max_new > info.context_limit:
            n = info.context_limit - max_new            # 8K on SmolLM2: 8192 - steps
        p = make_prompt(lm.tokenizer, builtin_corpus(), PASSKEY, Cell(n, 50.0), 0)
        rec = {"context_length": n}
        for variant in ("plain", "rows", "plain", "rows"):      # interleaved, best of two (shared, noisy CPU)
            with PeakRSS() as mem:
                t0 = time.perf_counter()
                pre = prefill(lm.model, p.input_ids)
                t1 = time.perf_counter()
                if variant == "plain":
                    gen = decode(lm.model, lm.tokenizer, pre, max_new_tokens=max_new, stop_at_newline=False,
                                 cache=pre.cache)
                else:
                    sc = SampleScorer(p.input_ids, p.answer_span, info.n_layers, info.n_heads)
                    with capture_rows(lm.model, sc.sink):
                        gen = decode(lm.model, lm.tokenizer, pre, max_new_tokens=max_new, stop_at_newline=False,
                                     on_step=sc.on_step, cache=pre.cache)
                t2 = time.perf_counter()
            del pre
            new = {"total_s": round(t2 - t0, 2), "prefill_s": round(t1 - t0, 2), "decode_s": round(t2 - t1, 2),
                   "steps": len(gen.token_ids) + (gen.stopped_by != "max_new_tokens"),
                   "peak_extra_mib": round(mem.extra_mib, 1)}
            old = rec.get(variant)
            if old is None or new["total_s"] < old["total_s"]:
                rec[variant] = {**new, "peak_extra_mib": max(new["peak_extra_mib"], (old or new)["peak_extra_mib"])}
        rec["ratio_total"] = round(rec["rows"]["total_s"] / rec["plain"]["total_s"], 3)
        rec["ratio_decode"] = round(rec["rows"]["decode_s"] / rec["plain"]["decode_s"], 3)
        rec["rows_bytes_per_step"] = info.n_layers * info.n_heads * n * 4
        predicted = info.n_layers * info.n_heads * n * n * 4
        rec["full_prefill_maps_gib"] = round(predicted / 2**30, 2)
        if predicted / 2**30 <= args.full_limit_gb:
            with PeakRSS() as mem:
                t0 = time.perf_counter()
                kept = run_full(lm.model, p.input_ids, max_new)
                t = time.perf_counter() - t0
            rec["full"] = {"total_s": round(t, 2), "peak_extra_mib": round(mem.extra_mib, 1),
                           "attention_bytes_kept_mib": round(kept / 2**20, 1)}
        else:
            rec["full"] = {"skipped": f"predicted prefill maps {predicted / 2**30:.1f} GiB > limit {args.full_limit_gb} GiB "
                                      f"(L·H·N²·4 B; would exhaust this {os.sysconf('SC_PHYS_PAGES') * PAGE / 2**30:.0f} GiB machine)"}
        rows.append(rec)
        print(json.dumps(rec), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
