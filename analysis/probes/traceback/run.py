"""Run one traceback: segment, get the answer, score passages with a method, rank, check.

Every method (``methods/registry.py``) returns one score per passage (higher = more responsible
for the answer); the top-K passages (best first), the number of teacher-forced forward passes it
ran and its seconds come with them.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from pydantic import BaseModel

from analysis.probes.progress import Progress
from analysis.probes.traceback.budget import BudgetExceeded, ForwardBudget
from analysis.probes.traceback.methods.registry import get_method
from analysis.probes.traceback.prompt import DEFAULT_TEMPLATE, PromptBuilder
from analysis.probes.traceback.segment import segment
from analysis.probes.traceback.value import ValueFunction
from analysis.vocabulary import Segmentation, TracebackMethodName, check


@dataclass
class TracebackConfig:
    """A method with its own parameters, and what every method shares.

    ``params``: the method's ``Params`` (or a dict of its fields; None = its defaults), validated
    on construction. ``k``: top passages; ``max_forward_passes``: the budget (None = none).

    Raises:
        ValueError: unknown method or segmentation; pydantic.ValidationError: a bad parameter.
    """

    method: TracebackMethodName = "tracllm"
    params: BaseModel | dict | None = None
    k: int = 5
    segmentation: Segmentation = "paragraph"
    batch_size: int = 1
    reuse_prefix: bool = True
    max_forward_passes: int | None = None
    seed: int = 0
    template: str = DEFAULT_TEMPLATE
    max_new_tokens: int = 48
    faithfulness: bool = True

    def __post_init__(self) -> None:
        check(self.segmentation, Segmentation, "segmentation")
        self.params = get_method(self.method).params(self.params)

    def estimate(self, n: int) -> int:
        """Upper bound on forward passes over ``n`` passages (the method's own formula)."""
        return get_method(self.method).estimate(n, self.params, k=self.k)

    def refuses(self, n: int) -> bool:
        """True when the estimate over ``n`` passages is over the budget and the method is refused
        before it runs (TracLLM's estimate is a loose worst case: it runs until the budget stops it)."""
        return (self.max_forward_passes is not None and get_method(self.method).refuse_over_budget
                and self.estimate(n) > self.max_forward_passes)

    def as_dict(self) -> dict[str, Any]:
        """The config stored with a result: the shared fields and the method's parameters, flat."""
        shared = {f: getattr(self, f) for f in self.__dataclass_fields__ if f != "params"}
        return {**shared, **self.params.model_dump(mode="json")}


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


def score_passages(vf: ValueFunction, cfg: TracebackConfig) -> tuple[list[float], list[int], int]:
    """``(scores [n passages], top_k, forward_passes)`` of ``cfg.method`` on the value function's passages.

    Raises:
        BudgetExceeded: the method would exceed ``cfg.max_forward_passes``.
    """
    before = vf.forward_passes
    out = get_method(cfg.method).attribute(vf, cfg.params, k=cfg.k, seed=cfg.seed)
    top_k = out.top_k if out.top_k is not None else rank(out.scores, cfg.k)
    passes = out.forward_passes if out.forward_passes is not None else vf.forward_passes - before
    return list(out.scores), top_k, passes


class ContextTooLongError(ValueError):
    """The full prompt does not fit the model's context limit."""


def context_limit(model: Any) -> int:
    """The model's context limit in tokens (``max_position_embeddings`` of its text config; 0 = unknown)."""
    cfg = model.config.get_text_config() if hasattr(model.config, "get_text_config") else model.config
    return int(getattr(cfg, "max_position_embeddings", 0) or 0)


def check_fits(model: Any, builder: PromptBuilder, passages: Sequence[str], answer: str | None,
               max_new_tokens: int) -> None:
    """Refuse a traceback whose prompt (all passages) plus the answer (its tokens, or
    ``max_new_tokens`` when it is to be generated) exceeds :func:`context_limit`.

    Raises:
        ContextTooLongError: naming both token counts and the limit.
    """
    limit = context_limit(model)
    prompt = len(builder.ids(passages))
    tail = len(builder.answer_ids(answer)) if answer is not None else max_new_tokens
    if limit and prompt + tail > limit:
        raise ContextTooLongError(
            f"the prompt with all {len(passages)} passages is {prompt:,} tokens + {tail:,} answer tokens, over the "
            f"model's context limit of {limit:,} tokens: shorten the context (nothing was run or truncated)")


def run_traceback(model: Any, tokenizer: Any, context: str | Sequence[str], question: str, *,
                  answer: str | None = None, config: TracebackConfig | None = None,
                  model_name: str = "", job: Progress | None = None) -> TracebackResult:
    """Trace ``answer`` (generated greedily when None) back to passages of ``context``.

    ``context`` is a text (split by ``config.segmentation``) or a list of passages. ``job`` (an
    ``analysis.probes.progress.Progress``) gets ``progress(passes, estimate)`` after each model call
    and ``check()`` (which raises to cancel). Seconds count the
    attribution only (not generation or the faithfulness check); forward passes count teacher-forced
    passes of the method (the faithfulness check's are reported separately in ``extra``).

    Raises:
        ValueError: bad segmentation / method / empty answer.
        ContextTooLongError: the prompt with every passage and the answer is longer than the model's
            context limit (refused: the model would see a truncated or out-of-range context).
        BudgetExceeded: the estimate or the run exceeds ``config.max_forward_passes``.
    """
    from analysis.probes.traceback.generate import generate_answer

    cfg = config or TracebackConfig()
    passages = segment(context, cfg.segmentation)
    builder = PromptBuilder(tokenizer, question, cfg.template, use_chat=bool(getattr(tokenizer, "chat_template", None)))
    check_fits(model, builder, passages, answer, cfg.max_new_tokens)
    estimate = cfg.estimate(len(passages))
    if cfg.refuses(len(passages)):
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
    scores, top_k, passes = score_passages(vf, cfg)
    seconds = time.perf_counter() - t0
    faith = None
    if cfg.faithfulness:
        from analysis.probes.traceback.faithfulness import faithfulness_check

        vf.budget.limit = None  # the check is not part of the method's budget
        before = vf.forward_passes
        faith = faithfulness_check(vf, top_k, answer=answer, model=model, seed=cfg.seed,
                                   max_new_tokens=cfg.max_new_tokens).as_dict()
        faith["forward_passes"] = vf.forward_passes - before
    conf = cfg.as_dict()
    conf["estimate"] = estimate
    return TracebackResult(model_name, question, answer, source, passages, [float(s) for s in scores], top_k,
                           cfg.method, conf, passes, seconds, faith,
                           {"answer_ids": list(answer_ids), "n_answer_tokens": len(answer_ids)})
