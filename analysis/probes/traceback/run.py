"""Run one traceback: segment, get the answer, score passages with a method, rank, check.

Every method returns one score per passage (higher = more responsible for the answer), the top-K
passages (best first), the number of teacher-forced forward passes it ran and its seconds.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from analysis.probes.traceback.budget import ForwardBudget, estimate_forward_passes
from analysis.probes.traceback.prompt import DEFAULT_TEMPLATE, PromptBuilder
from analysis.probes.traceback.segment import segment
from analysis.probes.traceback.value import ValueFunction

METHODS = {
    "tracllm": "TracLLM (informed search, STC + LOO + denoised Shapley ensemble)",
    "loo": "Leave-one-out",
    "stc": "Single-text contribution",
    "shapley": "Shapley (Monte-Carlo permutations)",
    "denoised_shapley": "Denoised Shapley (TracLLM, top-β marginal gains)",
    "contextcite": "ContextCite (random ablations + Lasso)",
    "attntrace": "AttnTrace-style attention",
    "captum_fa": "captum FeatureAblation (reference LOO)",
    "captum_shapley": "captum ShapleyValueSampling (reference)",
}


@dataclass
class TracebackConfig:
    """Method and its parameters (defaults: TracLLM paper / ContextCite / AttnTrace; N = 5 is
    TracLLM's quick setting). ``heads``: (layer, head) pairs for ``attntrace`` (None = all)."""

    method: str = "tracllm"
    k: int = 5
    segmentation: str = "paragraph"
    n_permutations: int = 5
    beta: float = 0.2
    loo_weight: float = 2.0
    normalise: bool = True
    score_funcs: tuple[str, ...] = ("stc", "loo", "denoised_shapley")
    n_ablations: int = 64
    keep_prob: float = 0.5
    lasso_alpha: float = 0.01
    n_subsamples: int = 30
    q: float = 0.4
    avg_k: int = 5
    heads: list[tuple[int, int]] | None = None
    batch_size: int = 1
    reuse_prefix: bool = True
    max_forward_passes: int | None = None
    seed: int = 0
    template: str = DEFAULT_TEMPLATE
    max_new_tokens: int = 48
    faithfulness: bool = True

    def estimate(self, n: int) -> int:
        """Upper bound on forward passes over ``n`` passages (see :mod:`.budget`)."""
        return estimate_forward_passes(self.method, n, k=self.k, n_permutations=self.n_permutations,
                                       score_funcs=self.score_funcs, n_ablations=self.n_ablations,
                                       n_subsamples=self.n_subsamples)


@dataclass
class TracebackResult:
    """One traceback. ``scores[i]`` may be NaN (TracLLM: pruned by the search)."""

    model: str
    question: str
    answer: str
    answer_source: str
    passages: list[str]
    scores: list[float]
    top_k: list[int]
    method: str
    config: dict[str, Any]
    forward_passes: int
    seconds: float
    faithfulness: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def context_hash(self) -> str:
        """sha256 of the passages (to compare methods on the same context)."""
        return hashlib.sha256("\x1e".join(self.passages).encode()).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``--out`` document: answer, passages with scores (null when unscored), top_k,
        forward_passes, seconds, plus method, model, config and faithfulness."""
        return {
            "answer": self.answer,
            "passages": [{"index": i, "text": t, "score": None if math.isnan(s) else s}
                         for i, (t, s) in enumerate(zip(self.passages, self.scores))],
            "top_k": self.top_k,
            "forward_passes": self.forward_passes,
            "seconds": self.seconds,
            "method": self.method,
            "model": self.model,
            "question": self.question,
            "answer_source": self.answer_source,
            "config": self.config,
            "faithfulness": self.faithfulness,
        }


def rank(scores: Sequence[float], k: int) -> list[int]:
    """Indices of the ``k`` highest scores, best first (NaN last, ties by position)."""
    def key(i: int) -> tuple[bool, float, int]:
        nan = math.isnan(scores[i])
        return nan, 0.0 if nan else -scores[i], i

    return sorted(range(len(scores)), key=key)[:k]


class _CallCounter:
    """Counts model forward calls (captum runs one per perturbation with forward_in_tokens=False)."""

    def __init__(self, model: Any):
        self.calls = 0
        self._h = model.register_forward_pre_hook(self._hook)

    def _hook(self, *_: Any) -> None:
        self.calls += 1

    def close(self) -> None:
        self._h.remove()


def score_passages(model: Any, vf: ValueFunction, cfg: TracebackConfig) -> tuple[list[float], list[int], int]:
    """``(scores, top_k, forward_passes)`` of ``cfg.method`` on the value function's passages.

    Raises:
        ValueError: unknown method.
        BudgetExceeded: the method would exceed ``cfg.max_forward_passes``.
    """
    from analysis.probes.traceback import ablation, shapley as sh

    m, k = cfg.method, cfg.k
    before = vf.forward_passes
    if m == "tracllm":
        from analysis.probes.traceback.tracllm import tracllm

        res = tracllm(vf, k, score_funcs=cfg.score_funcs, n_permutations=cfg.n_permutations, beta=cfg.beta,
                      loo_weight=cfg.loo_weight, normalise=cfg.normalise, seed=cfg.seed)
        return res.scores, res.top_k, vf.forward_passes - before
    if m in ("captum_fa", "captum_shapley"):
        from analysis.probes.traceback.captum_ref import captum_attribution

        vf.budget.charge(cfg.estimate(vf.n))
        counter = _CallCounter(model)
        try:
            res = captum_attribution(model, vf.builder, vf.passages, vf.answer_ids,
                                     "feature_ablation" if m == "captum_fa" else "shapley_sampling",
                                     n_samples=cfg.n_permutations)
        finally:
            counter.close()
        scores = [float(x) for x in res.seq_attr.flatten()]
        return scores, rank(scores, k), counter.calls
    if m == "attntrace":
        from analysis.probes.traceback.attention import attn_trace

        scores = attn_trace(model, vf.builder, vf.passages, vf.answer_ids, n_subsamples=cfg.n_subsamples, q=cfg.q,
                            avg_k=cfg.avg_k, heads=cfg.heads, seed=cfg.seed, budget=vf.budget)
        return scores, rank(scores, k), cfg.n_subsamples
    fns = {
        "loo": lambda: ablation.leave_one_out(vf),
        "stc": lambda: ablation.single_text_contribution(vf),
        "shapley": lambda: sh.shapley(vf, None, cfg.n_permutations, cfg.seed),
        "denoised_shapley": lambda: sh.denoised_shapley(vf, None, cfg.n_permutations, cfg.beta, cfg.seed),
    }
    if m == "contextcite":
        from analysis.probes.traceback.contextcite import context_cite

        fns[m] = lambda: context_cite(vf, cfg.n_ablations, cfg.keep_prob, cfg.lasso_alpha, cfg.seed)
    if m not in fns:
        raise ValueError(f"unknown method {m!r}: use one of {', '.join(METHODS)}")
    scores = fns[m]()
    return scores, rank(scores, k), vf.forward_passes - before


def run_traceback(model: Any, tokenizer: Any, context: str | Sequence[str], question: str, *,
                  answer: str | None = None, config: TracebackConfig | None = None,
                  model_name: str = "", job: Any = None) -> TracebackResult:
    """Trace ``answer`` (generated greedily when None) back to passages of ``context``.

    ``context`` is a text (split by ``config.segmentation``) or a list of passages. ``job`` (an
    ``analysis.probes.jobs.JobContext``) gets ``progress(passes, estimate)`` after each model call
    and ``check()`` (which raises to cancel). Seconds count the
    attribution only (not generation or the faithfulness check); forward passes count teacher-forced
    passes of the method (the faithfulness check's are reported separately in ``extra``).

    Raises:
        ValueError: bad segmentation / method / empty answer.
        BudgetExceeded: the estimate or the run exceeds ``config.max_forward_passes``.
    """
    from analysis.probes.traceback.budget import BudgetExceeded
    from analysis.probes.traceback.generate import generate_answer

    cfg = config or TracebackConfig()
    passages = segment(context, cfg.segmentation)
    builder = PromptBuilder(tokenizer, question, cfg.template, use_chat=bool(getattr(tokenizer, "chat_template", None)))
    estimate = cfg.estimate(len(passages))
    if cfg.max_forward_passes is not None and estimate > cfg.max_forward_passes and cfg.method != "tracllm":
        raise BudgetExceeded(f"{cfg.method} on {len(passages)} passages needs about {estimate} forward passes, "
                             f"over the budget of {cfg.max_forward_passes}")
    if answer is None:
        answer, answer_ids = generate_answer(model, builder, passages, cfg.max_new_tokens)
        source = "generated"
    else:
        answer_ids, source = builder.answer_ids(answer), "given"
        answer = answer.strip()
    on_pass = None
    if job is not None:
        def on_pass(done: int) -> None:
            job.check()
            job.progress(min(done, estimate), estimate, f"{done} forward passes")
    vf = ValueFunction(model, builder, passages, answer_ids, batch_size=cfg.batch_size,
                       reuse_prefix=cfg.reuse_prefix, budget=ForwardBudget(cfg.max_forward_passes), on_pass=on_pass)
    t0 = time.perf_counter()
    scores, top_k, passes = score_passages(model, vf, cfg)
    seconds = time.perf_counter() - t0
    faith = None
    if cfg.faithfulness:
        from analysis.probes.traceback.faithfulness import faithfulness_check

        vf.budget.limit = None  # the check is not part of the method's budget
        before = vf.forward_passes
        faith = faithfulness_check(vf, top_k, answer=answer, model=model, seed=cfg.seed,
                                   max_new_tokens=cfg.max_new_tokens).as_dict()
        faith["forward_passes"] = vf.forward_passes - before
    conf = asdict(cfg)
    conf["estimate"] = estimate
    return TracebackResult(model_name, question, answer, source, passages, [float(s) for s in scores], top_k,
                           cfg.method, conf, passes, seconds, faith,
                           {"answer_ids": list(answer_ids), "n_answer_tokens": len(answer_ids)})
