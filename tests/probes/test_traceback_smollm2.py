"""Traceback behaviour on SmolLM2-135M-Instruct (CPU): a short needle case.

Expected values come from docs/probes.md (§5.2–5.3): on an easy single-needle case LOO, TracLLM and
ContextCite put the needle passage first, captum's FeatureAblation (one-pass mode) equals a direct
LOO, and removing the top passage sinks the answer's log-prob more than removing a random one.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.real_model

QUESTION = "What is the secret code for the vault?"
PASSAGES = [
    "The museum opens at nine and closes at five.",
    "Tickets are sold at the front desk.",
    "The gift shop sells postcards and books.",
    "The secret code for the vault is 7341.",
    "The cafe serves coffee and sandwiches.",
    "Guided tours start every hour.",
    "The museum was founded in 1902.",
]
NEEDLE = 3


@pytest.fixture(scope="module")
def case(smollm2):
    """(model, value function, answer text) with one CPU thread (the 2 shared cores are contended;
    two threads ran 4× slower per forward in a measurement here), restored afterwards."""
    import torch

    from analysis.probes.traceback.generate import generate_answer
    from analysis.probes.traceback.prompt import PromptBuilder
    from analysis.probes.traceback.value import ValueFunction

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    builder = PromptBuilder.for_tokenizer(smollm2.tokenizer, QUESTION)
    answer, ids = generate_answer(smollm2.model, builder, PASSAGES, max_new_tokens=24)
    yield smollm2.model, ValueFunction(smollm2.model, builder, PASSAGES, ids), answer
    torch.set_num_threads(threads)


def test_model_answers_from_the_needle(case):
    _, _, answer = case
    assert "7341" in answer


def test_loo_tracllm_contextcite_rank_needle_first(case):
    from analysis.probes.traceback.ablation import leave_one_out
    from analysis.probes.traceback.contextcite import context_cite
    from analysis.probes.traceback.run import rank
    from analysis.probes.traceback.tracllm import tracllm

    _, vf, _ = case
    loo = leave_one_out(vf)
    assert rank(loo, 1) == [NEEDLE]
    assert loo[NEEDLE] > 5.0 and max(s for i, s in enumerate(loo) if i != NEEDLE) < 2.0  # notes: 15.2 vs ≤ 0.27
    tr = tracllm(vf, k=3)
    assert tr.top_k[0] == NEEDLE
    cc = context_cite(vf, n_ablations=32)
    assert rank(cc, 1) == [NEEDLE]


def test_loo_equals_captum_feature_ablation(case):
    """Our prefix-cached LOO vs captum FeatureAblation seq_attr (forward_in_tokens=False) on the
    same chat-templated input: equal within 2e-3 nats."""
    from analysis.probes.traceback.ablation import leave_one_out
    from analysis.probes.traceback.captum_ref import captum_attribution

    model, vf, _ = case
    ours = leave_one_out(vf)
    ref = captum_attribution(model, vf.builder, PASSAGES, vf.answer_ids, "feature_ablation")
    assert [float(x) for x in ref.seq_attr.flatten()] == pytest.approx(ours, abs=2e-3)


def test_removing_top1_hurts_more_than_random(case):
    from analysis.probes.traceback.faithfulness import faithfulness_check

    model, vf, answer = case
    f = faithfulness_check(vf, [NEEDLE], answer="7341", model=model, random_draws=2, seed=3, max_new_tokens=24)
    assert f.logprob_without_top < f.logprob_without_random - 5.0
    assert f.survives_without_top is False
    assert f.logprob_full > f.logprob_without_random - 5.0
