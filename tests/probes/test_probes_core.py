"""Probe invariants on a tiny random Llama (fast): attention rows, head masking, copy scoring."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from analysis.probes.attention_rows import attention_modules, capture_rows  # noqa: E402
from analysis.probes.decoding import decode, prefill  # noqa: E402
from analysis.probes.head_mask import mask_heads  # noqa: E402
from analysis.probes.retrieval_score import SampleScorer  # noqa: E402


class _Tok:
    """Minimal tokenizer stand-in for the decode loop (ids are decoded as letters, never newlines)."""

    eos_token_id = None

    def decode(self, ids, skip_special_tokens=False):
        return "".join(chr(97 + i % 26) for i in ids)


def _eager_attentions(model, ids):
    model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            return model(input_ids=torch.tensor([ids]), output_attentions=True).attentions
    finally:
        model.set_attn_implementation("sdpa")


def test_rows_equal_eager_attention(tiny_llama):
    model, cfg = tiny_llama
    gen = torch.Generator().manual_seed(1)
    prompt = torch.randint(0, cfg.vocab_size, (48,), generator=gen).tolist()
    rows: list[dict] = []

    def sink(layer, logits):
        if layer == 0:
            rows.append({})
        rows[-1][layer] = logits.softmax(-1)[0]

    with capture_rows(model, sink):
        out = decode(model, _Tok(), prefill(model, prompt), max_new_tokens=4, stop_at_newline=False)
    assert model.config._attn_implementation == "sdpa"      # restored
    full = prompt + out.token_ids
    att = _eager_attentions(model, full)
    assert len(rows) == 4
    worst = 0.0
    for step, per_layer in enumerate(rows):
        q = len(prompt) - 1 + step
        for layer in range(cfg.num_hidden_layers):
            want = att[layer][0, :, q, : q + 1]               # (H, q+1) eager row of the step's query
            got = per_layer[layer]
            assert got.shape == want.shape == (cfg.num_attention_heads, q + 1)
            worst = max(worst, float((got - want).abs().max()))
    assert worst <= 1e-4


def test_implementation_restored_after_error(tiny_llama):
    model, _ = tiny_llama

    def bad_sink(layer, logits):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        with capture_rows(model, bad_sink):
            decode(model, _Tok(), prefill(model, [1, 2, 3, 4]), max_new_tokens=1)
    assert model.config._attn_implementation == "sdpa"
    assert not any(hasattr(m, "_longscope_row_sink") for m in attention_modules(model))


def _o_proj_inputs(model):
    seen: dict[int, list] = {}
    handles = [m.o_proj.register_forward_hook(lambda mod, args, out, l=m.layer_idx: seen.setdefault(l, []).append(args[0].clone()))
               for m in attention_modules(model)]
    return seen, handles


def test_mask_hook_changes_only_the_masked_slice(tiny_llama):
    model, cfg = tiny_llama
    d = cfg.hidden_size // cfg.num_attention_heads
    prompt = list(range(10, 30))
    pre = prefill(model, prompt)
    results = {}
    for name, heads in (("plain", []), ("masked", [(1, 2), (0, 1)])):
        seen, handles = _o_proj_inputs(model)
        try:
            with mask_heads(model, heads):
                with torch.no_grad():
                    model(input_ids=torch.tensor([prompt[:3]]))                       # prefill-like, q_len 3
                    model(input_ids=torch.tensor([prompt[-1:]]), cache=pre.fresh_cache(), use_cache=True)
        finally:
            for h in handles:
                h.remove()
        results[name] = seen
    # prefill (q_len > 1) untouched by default
    for layer in (0, 1):
        assert torch.equal(results["plain"][layer][0], results["masked"][layer][0])
    # decode step, layer 0: only head 1's columns differ, and they are zero
    a, b = results["plain"][0][1], results["masked"][0][1]
    cols = torch.zeros(cfg.hidden_size, dtype=torch.bool)
    cols[1 * d:2 * d] = True
    assert torch.equal(a[..., ~cols], b[..., ~cols])
    assert torch.count_nonzero(b[..., cols]) == 0 and torch.count_nonzero(a[..., cols]) > 0
    # layer 1 sees layer 0's masked output, so compare only the masked slice there: zero
    assert torch.count_nonzero(results["masked"][1][1][..., 2 * d:3 * d]) == 0


def test_forced_copy_head_scores_one(tiny_llama):
    """Generation is forced (lm_head hook) to emit the answer span's tokens in order; head (1, 2)'s
    recorded row is forced to point at the span position it copies. It must score exactly 1 with
    hits = span length, and every other head must get the score recomputed by hand from eager
    attention maps over the full sequence."""
    model, cfg = tiny_llama
    gen = torch.Generator().manual_seed(7)
    span_tokens = [5, 9, 5, 200, 17]              # a repeated token: distinct *positions* count
    prompt = torch.randint(30, 190, (20,), generator=gen).tolist() + span_tokens + \
        torch.randint(30, 190, (15,), generator=gen).tolist()
    s, e = 20, 25
    forced = iter(span_tokens)

    def force_token(mod, args, out):                   # registered after the prefill: decode steps only
        out = out.clone()
        out[..., :] = -1e4
        out[..., next(forced)] = 1e4
        return out

    scorer = SampleScorer(prompt, (s, e), cfg.num_hidden_layers, cfg.num_attention_heads)
    step = {"n": 0}

    def sink(layer, logits):
        logits = logits.clone()
        if layer == 1:
            logits[0, 2] = -1e9
            logits[0, 2, s + step["n"]] = 0.0          # head (1, 2) attends to the span position it copies
            step["n"] += 1
        scorer.sink(layer, logits)

    pre = prefill(model, prompt)
    handle = model.lm_head.register_forward_hook(force_token)
    try:
        with capture_rows(model, sink):
            out = decode(model, _Tok(), pre, max_new_tokens=len(span_tokens),
                         stop_at_newline=False, on_step=scorer.on_step)
    finally:
        handle.remove()
    assert out.token_ids == span_tokens
    scores, hits = scorer.scores(), scorer.hits()
    assert float(scores[1, 2]) == 1.0 and int(hits[1, 2]) == len(span_tokens)
    # hand computation for the other heads from eager maps (argmax of each step's row)
    att = _eager_attentions(model, prompt + span_tokens)
    for layer in range(cfg.num_hidden_layers):
        for head in range(cfg.num_attention_heads):
            if (layer, head) == (1, 2):
                continue
            copied = set()
            for t, tok in enumerate(span_tokens):
                q = len(prompt) - 1 + t
                j = int(att[layer][0, head, q, : q + 1].argmax())
                if s <= j < e and prompt[j] == tok:
                    copied.add(j)
            assert float(scores[layer, head]) == pytest.approx(len(copied) / (e - s))
    assert float(scores.max()) <= 1.0 and float(scores.min()) >= 0.0


def test_reference_compat_counts_every_copy_step():
    """The reference code adds 1/|span| per copy step: copying one position twice gives 2/|span|."""
    prompt = [3, 4, 5, 6, 7, 8]
    sc = SampleScorer(prompt, (2, 4), 1, 2, reference_compat=True)
    for step in range(2):
        logits = torch.full((1, 2, 6 + step), -1e9)
        logits[0, 0, 2] = 0.0                          # head 0 attends to position 2 (token 5)
        logits[0, 1, 0] = 0.0                          # head 1 attends outside the span
        sc.sink(0, logits)
        sc.on_step(step, 5 + step, 5)                  # both steps emit token 5
    assert sc.scores()[0].tolist() == [1.0, 0.0]        # 2 × 1/2
    sc2 = SampleScorer(prompt, (2, 4), 1, 2)
    sc2.copied[0, 0, 0] = True
    assert sc2.scores()[0].tolist() == [0.5, 0.0]       # set version: 1 of 2 positions


def test_kv_cache_size_and_prefill_sharing_budget():
    from types import SimpleNamespace

    from analysis.probes.niah_trial import grid, kv_cache_bytes, share_prefills

    smol = SimpleNamespace(n_layers=30, n_kv_heads=3, head_dim=64)
    assert kv_cache_bytes(smol, 8192) == 377_487_360          # docs/probes.md §4.2: ≈ 377 MB at 8K (fp32)
    assert share_prefills(smol, [1024], 15) == {}             # 15 × 47 MB fits in 2 GiB
    assert share_prefills(smol, [8192], 10) is None           # 3.8 GB does not
    cells = grid([8192, 1024], [50, 0], context_limit=8192, max_new_tokens=32)
    assert [(c.context_length, c.depth_percent, c.reason is None) for c in cells] == [
        (1024, 0.0, True), (1024, 50.0, True), (8192, 0.0, False), (8192, 50.0, False)]
