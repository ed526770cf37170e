"""Reference path through captum's ``LLMAttribution`` (captum ≥ 0.7; tested with 0.9.0).

The passages are the features of a ``TextTemplateInput`` whose template is a *callable* (a str
template goes through ``str.format`` and breaks on braces in passages or chat templates); an ablated
passage becomes the baseline ``""`` and the callable drops it, so the prompt equals
``PromptBuilder.text`` of the kept passages. ``seq_attr[i]`` is then, for ``FeatureAblation``,
``log p(answer | all) − log p(answer | all − i)``, i.e. leave-one-out.

Always ``forward_in_tokens=False`` (one teacher-forced pass per perturbation): captum's default
cached token-by-token path returns wrong log-probs with transformers 5.24 (measured; see
docs/probes.md §3.4/§5.3). Captum encodes the prompt with ``tokenizer.encode`` (special tokens on), so
this path matches :class:`ValueFunction` for chat templates whose tokenizer adds no BOS of its own
(SmolLM2 does not).
"""
from __future__ import annotations

from typing import Any, Sequence

from analysis.probes.traceback.prompt import PromptBuilder

CAPTUM_METHODS = ("feature_ablation", "shapley_sampling")


def captum_attribution(model: Any, builder: PromptBuilder, passages: Sequence[str], answer_ids: Sequence[int],
                       method: str = "feature_ablation", n_samples: int = 5) -> Any:
    """Captum ``LLMAttributionResult`` for the passages (``seq_attr``: tensor (n,), nats of answer
    log-prob; ``token_attr``: (T, n)). ``n_samples`` is ShapleyValueSampling's permutation count.

    Raises:
        ValueError: unknown method.
    """
    import torch
    from captum.attr import FeatureAblation, LLMAttribution, ShapleyValueSampling, TextTemplateInput

    if method == "feature_ablation":
        algo, kwargs = FeatureAblation(model), {}
    elif method == "shapley_sampling":
        algo, kwargs = ShapleyValueSampling(model), {"n_samples": n_samples}
    else:
        raise ValueError(f"unknown captum method {method!r}: use one of {', '.join(CAPTUM_METHODS)}")
    inp = TextTemplateInput(template=lambda *vals: builder.text([v for v in vals if v]), values=list(passages))
    attr = LLMAttribution(algo, builder.tokenizer)
    target = torch.tensor(list(answer_ids))
    return attr.attribute(inp, target=target, forward_in_tokens=False, **kwargs)
