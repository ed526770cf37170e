"""Fast invariants of the traceback engine on the tiny random Llama (byte-level tokenizer)."""
from __future__ import annotations

import itertools
import math

import pytest

PASSAGES = ["Alpha beta gamma.", "The code is 42.", "Delta epsilon.", "Zeta eta theta iota.", "Kappa."]


@pytest.fixture(scope="module")
def parts(tiny_llama, byte_tokenizer):
    from analysis.probes.traceback.prompt import PromptBuilder

    model, _ = tiny_llama
    builder = PromptBuilder.for_tokenizer(byte_tokenizer, "What is the code?")
    return model, builder, builder.answer_ids("42")


def _vf(parts, **kw):
    from analysis.probes.traceback.value import ValueFunction

    model, builder, answer = parts
    return ValueFunction(model, builder, PASSAGES, answer, **kw)


def _direct(model, prompt_ids, answer_ids):
    """Σ log p(answer | prompt) from one plain forward, by hand."""
    import torch

    ids = torch.tensor([prompt_ids + answer_ids])
    with torch.no_grad():
        logp = torch.log_softmax(model(ids).logits[0].float(), -1)
    return sum(float(logp[len(prompt_ids) - 1 + t, a]) for t, a in enumerate(answer_ids))


def test_value_equals_direct_forward(parts):
    model, builder, answer = parts
    vf = _vf(parts)
    for subset in [range(5), [1, 3], [], [4]]:
        prompt = builder.ids([PASSAGES[i] for i in sorted(subset)])
        assert vf(subset) == pytest.approx(_direct(model, prompt, answer), abs=1e-4)
    assert builder.text([PASSAGES[1]]).startswith("<user>Answer the question")
    assert vf.forward_passes == 4


def test_memo_counts_each_subset_once(parts):
    vf = _vf(parts)
    vf.values([[0, 1], [1, 0], {0, 1}])
    assert vf.forward_passes == 1 and vf.cached([1, 0]) and not vf.cached([0])


def test_prefix_reuse_loo_equals_naive_loo(parts):
    from analysis.probes.traceback.ablation import leave_one_out

    fast = leave_one_out(_vf(parts))
    naive = leave_one_out(_vf(parts, reuse_prefix=False))
    assert fast == pytest.approx(naive, abs=1e-4)
    assert any(abs(s) > 1e-3 for s in naive)  # the comparison is not between zeros


def test_batched_equals_single(parts):
    subsets = [s for r in range(6) for s in itertools.combinations(range(5), r)][:20]
    single = _vf(parts).values(subsets)
    batched = _vf(parts, batch_size=4).values(subsets)
    unbatched_uncached = _vf(parts, batch_size=3, reuse_prefix=False).values(subsets)
    assert batched == pytest.approx(single, abs=1e-4)
    assert unbatched_uncached == pytest.approx(single, abs=1e-4)


def test_shapley_efficiency_exact_on_all_permutations(parts):
    """With every permutation of 3 players the MC estimate is the exact Shapley value, whose sum is
    v(all) − v(∅) (efficiency); checked against the closed-form Shapley formula too."""
    from analysis.probes.traceback.shapley import marginal_gains
    from analysis.probes.traceback.value import ValueFunction

    model, builder, answer = parts
    vf = ValueFunction(model, builder, PASSAGES[:3], answer)
    players = [frozenset([i]) for i in range(3)]
    n_perm = 600  # 3! = 6 orders; 600 draws visit each ~100 times, so use the exact formula below
    gains = marginal_gains(vf, players, n_perm, seed=1)
    mc = [sum(g) / len(g) for g in gains]
    exact = []
    for i in range(3):
        others = [j for j in range(3) if j != i]
        tot = 0.0
        for r in range(3):
            for s in itertools.combinations(others, r):
                w = math.factorial(r) * math.factorial(3 - r - 1) / math.factorial(3)
                tot += w * (vf(set(s) | {i}) - vf(s))
        exact.append(tot)
    assert sum(exact) == pytest.approx(vf(range(3)) - vf([]), abs=1e-6)
    # every permutation's gains telescope to v(all) − v(∅)
    per_perm = [sum(g[p] for g in gains) for p in range(n_perm)]
    assert per_perm == pytest.approx([vf(range(3)) - vf([])] * n_perm, abs=1e-6)
    assert mc == pytest.approx(exact, abs=0.15 * max(abs(e) for e in exact) + 1e-3)
    assert vf.forward_passes == 8  # 2^3 subsets, each run once


def test_informed_search_keeps_k(parts):
    from analysis.probes.traceback.tracllm import informed_search, tracllm
    from analysis.probes.traceback.value import ValueFunction

    model, builder, answer = parts
    passages = [f"Passage number {i} says {i * 7}." for i in range(13)]
    vf = ValueFunction(model, builder, passages, answer)
    kept = informed_search(vf, "loo", k=3)
    assert len(kept) == 3 and all(0 <= i < 13 for i in kept)
    res = tracllm(vf, k=3, n_permutations=2)
    assert len(res.top_k) == 3 and len(set(res.top_k)) == 3
    assert sum(not math.isnan(s) for s in res.scores) >= 3
    assert res.scores[res.top_k[0]] == max(s for s in res.scores if not math.isnan(s))


def test_budget_guard_refuses_before_running(parts):
    from analysis.probes.traceback.ablation import leave_one_out
    from analysis.probes.traceback.budget import BudgetExceeded, ForwardBudget
    from analysis.probes.traceback.run import TracebackConfig

    vf = _vf(parts, budget=ForwardBudget(limit=4))
    with pytest.raises(BudgetExceeded):
        leave_one_out(vf)  # needs 6
    assert vf.forward_passes == 0
    assert TracebackConfig("loo").estimate(5) == 6
    assert TracebackConfig("shapley", {"n_permutations": 5}).estimate(10) == 55
    # TracLLM n=16, K=5: scored rounds of 8 then 10 nodes; (2 + N)·(m + 1) per round with N = 5
    assert TracebackConfig("tracllm", {"n_permutations": 5}, k=5).estimate(16) == 7 * 9 + 7 * 11
    assert TracebackConfig("contextcite", {"n_ablations": 64}).estimate(3) == 2 ** 3 + 1  # every subset once
    assert TracebackConfig("attntrace", {"n_subsamples": 30}).estimate(100) == 30
    assert TracebackConfig("loo", max_forward_passes=5).refuses(5)          # 6 > 5: refused before running
    assert not TracebackConfig("tracllm", max_forward_passes=5).refuses(16)  # worst case only: runs, guarded


def test_answer_attention_equals_eager_rows(parts):
    """The rows captured step by step equal eager ``output_attentions`` of one full forward, averaged
    by hand over the answer rows and the chosen heads."""
    import torch

    from analysis.probes.traceback.attention import answer_attention

    model, builder, answer = parts
    prompt = builder.ids(PASSAGES[:2])
    heads = [(0, 1), (1, 3)]
    got = answer_attention(model, prompt, answer, heads)
    previous = model.config._attn_implementation
    model.set_attn_implementation("eager")
    try:
        with torch.no_grad():
            att = model(torch.tensor([prompt + answer]), output_attentions=True).attentions
    finally:
        model.set_attn_implementation(previous)
    n = len(prompt)
    want = sum(att[l][0, h, n:, :n].sum(0) for l, h in heads) / (len(heads) * len(answer))
    assert got.shape == (n,)
    assert torch.allclose(got, want.float(), atol=1e-5)
    assert model.config._attn_implementation == previous


def test_contextcite_recovers_additive_weights():
    """On an exactly additive logit-prob target the Lasso surrogate returns the true weights
    (α small against weights of 1–3 nats; ContextCite's solver.py rescaling undone by hand)."""
    from analysis.probes.traceback.contextcite import context_cite, logit_prob

    true_w = [3.0, 0.0, 1.0, 0.0, 2.0, 0.0]

    class Additive:
        n, answer_ids = 6, [1, 2]

        def values(self, subsets):
            out = []
            for s in subsets:
                z = -4.0 + sum(true_w[i] for i in s)        # logit-prob of the answer
                out.append(-math.log1p(math.exp(-z)))        # log p with p = sigmoid(z)
            return out

    assert logit_prob(-math.log1p(math.exp(-1.5))) == pytest.approx(1.5)
    w = context_cite(Additive(), n_ablations=64, lasso_alpha=0.001)
    assert w == pytest.approx(true_w, abs=0.05)


def test_niah_trial_context_rebuilds_the_sweep_prompt(byte_tokenizer):
    """The context of a sweep trial is the haystack with the trial's needle, without the frame;
    re-framed by the sweep's own prompt_frame it gives back exactly the swept prompt's tokens."""
    import hashlib

    from analysis.probes.haystack import builtin_corpus
    from analysis.probes.needles import PASSKEY
    from analysis.probes.niah_prompt import prompt_frame
    from analysis.probes.niah_trial import Cell, make_prompt
    from analysis.probes.traceback.niah_source import niah_trial_context

    config = {"needle": PASSKEY.as_dict(), "seed": 0, "use_chat_template": None,
              "haystack_sha256": hashlib.sha256(builtin_corpus().encode()).hexdigest()}
    context, question, needle = niah_trial_context(byte_tokenizer, config, 600, 50.0, 1)
    swept = make_prompt(byte_tokenizer, builtin_corpus(), PASSKEY, Cell(600, 50.0), 1, seed=0)
    assert question == "What is the secret pass key?" and needle == swept.needle.text
    assert needle in context and "Question:" not in context
    prefix, suffix, _ = prompt_frame(byte_tokenizer, question, None)
    inner = swept.input_ids[len(prefix):len(swept.input_ids) - len(suffix)]
    assert byte_tokenizer.decode(inner).strip() == context
    assert len(swept.input_ids) == 600
    with pytest.raises(ValueError, match="uploaded haystack"):
        niah_trial_context(byte_tokenizer, {**config, "haystack_sha256": "0" * 64}, 600, 50.0, 1)


def test_rank_puts_nan_last_and_breaks_ties_by_position():
    from analysis.probes.traceback.run import rank

    assert rank([0.1, float("nan"), 3.0, 3.0, -1.0], 5) == [2, 3, 0, 4, 1]
    assert rank([0.1, float("nan"), 3.0], 2) == [2, 0]


def test_a_context_over_the_model_limit_is_refused_not_truncated(tiny_llama, byte_tokenizer):
    from analysis.probes.traceback.run import ContextTooLongError, TracebackConfig, run_traceback

    model, cfg = tiny_llama  # max_position_embeddings 512; the byte tokenizer spends one token per byte
    context = "\n\n".join(f"Passage {i} says the sky is blue and the grass is green." for i in range(20))  # ~1,100 bytes
    with pytest.raises(ContextTooLongError, match="over the model's context limit of 512 tokens"):
        run_traceback(model, byte_tokenizer, context, "What is the code?", answer="42",
                      config=TracebackConfig(method="loo"))
