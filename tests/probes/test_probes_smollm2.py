"""Probe behaviour on SmolLM2-135M-Instruct (CPU, ≈1K-token contexts; model loaded once per session).

Acceptance checks of docs/probes.md §5.1 / issue 4: exact attention rows, retrieval scores in [0, 1] for
all 30 × 9 = 270 heads, sparsity, and the masking check (top-k retrieval heads vs k random
non-retrieval heads on the same prompts). Detection and masking share the same 4 prompts and
their prefills to keep the suite short.
"""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.real_model

from analysis.probes.haystack import builtin_corpus  # noqa: E402
from analysis.probes.needles import BUILTIN, PASSKEY, Needle  # noqa: E402
from analysis.probes.niah_prompt import build_prompt  # noqa: E402

NEEDLES = [BUILTIN["sf-sandwich"], BUILTIN["passkey"]]
LENGTHS, DEPTHS, K = [1024], [30, 50], 14          # k ≈ 5 % of 270 heads


def test_prompt_is_exact_and_needle_on_sentence_boundary(smollm2):
    tok = smollm2.tokenizer
    needle = Needle("The secret pass key is 40213.", "What is the secret pass key?", "40213")
    for depth in (0, 40, 100):
        p = build_prompt(tok, builtin_corpus(), needle, 1024, depth)
        assert len(p.input_ids) == 1024
        assert tok.decode(p.input_ids[slice(*p.answer_span)]).strip() == "40213"
        assert tok.decode(p.input_ids[slice(*p.needle_span)]).strip() == needle.text
        before = tok.decode(p.input_ids[p.needle_span[0] - 3:p.needle_span[0]])
        if depth == 0:
            assert before.endswith("text>\n") and p.depth_tokens == 0
        else:
            assert before.rstrip().endswith(".")                      # previous sentence ended
        if depth == 100:
            assert p.depth_tokens == p.haystack_tokens               # needle is the last sentence
        else:
            assert p.depth_tokens <= depth / 100 * p.haystack_tokens  # moved back, never forward
    assert p.template == "chat"


def test_rows_equal_eager_attention_on_smollm2(smollm2):
    from analysis.probes.attention_rows import capture_rows
    from analysis.probes.decoding import decode, prefill

    model, tok = smollm2.model, smollm2.tokenizer
    ids = tok(builtin_corpus()[:1200])["input_ids"][:280]
    rows = []
    with capture_rows(model, lambda l, x: rows.append(x.softmax(-1)[0])):
        out = decode(model, tok, prefill(model, ids), max_new_tokens=2, stop_at_newline=False)
    full = ids + out.token_ids
    model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            att = model(input_ids=torch.tensor([full[:len(ids) + 1]]), output_attentions=True).attentions
    finally:
        model.set_attn_implementation("sdpa")
    assert len(rows) == 2 * 30
    q = len(ids) - 1                                                 # step 0's query: last prompt token
    worst = max(float((rows[l] - att[l][0, :, q, :q + 1]).abs().max()) for l in range(30))
    q = len(ids)                                                     # step 1
    worst = max(worst, *(float((rows[30 + l] - att[l][0, :, q, :q + 1]).abs().max()) for l in range(30)))
    assert worst <= 1e-4


@pytest.fixture(scope="module")
def detection(smollm2):
    from analysis.probes.retrieval_heads import detect

    prefills: dict = {}
    res = detect(smollm2, builtin_corpus(), NEEDLES, LENGTHS, DEPTHS, max_new_tokens=24, prefills=prefills)
    return res, prefills


def test_scores_in_unit_interval_and_sparse(detection):
    res, _ = detection
    assert res.scores.shape == (30, 9)
    assert res.n_used + res.n_dropped == 4 and res.n_used >= 3          # SF and passkey at 30/50 % are answered
    assert float(res.scores.min()) >= 0.0 and float(res.scores.max()) <= 1.0
    frac = res.fraction_above(0.1)
    assert 0 < frac <= 0.15                                             # "well under 20 %" (paper: < 5 %)
    assert float(res.scores.max()) >= 0.5
    df = res.frame()
    assert list(df.columns) == ["layer", "head", "score", "hits", "samples"] and len(df) == 270
    assert (df["samples"] == res.n_used).all()


def test_masking_top_heads_hurts_more_than_random(smollm2, detection):
    from analysis.probes.masking import random_heads, run_masking

    res, prefills = detection
    top = res.top(K)
    draws = random_heads(res.scores, K, 2, exclude=top, seed=0)
    assert all(set(d).isdisjoint(top) and all(res.scores[l, h] < 0.1 for l, h in d) for d in draws)
    m = run_masking(smollm2, builtin_corpus(), NEEDLES, LENGTHS, DEPTHS, top, draws, max_new_tokens=24,
                    prefills=prefills, include_unmasked=False)   # unmasked = the detection trials (same prompts)
    by = m.by_condition().set_index("condition")
    assert set(by.index) == {"top-k", "random"} and by.loc["top-k", "trials"] == 4 and by.loc["random", "trials"] == 8
    unmasked_recall = sum(t["recall"] for t in res.trials) / len(res.trials)
    assert unmasked_recall >= 0.75
    assert by.loc["random", "recall"] - by.loc["top-k", "recall"] >= 0.3
    assert by.loc["random", "accuracy"] - by.loc["top-k", "accuracy"] >= 0.25
