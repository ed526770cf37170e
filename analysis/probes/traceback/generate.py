"""Greedy answer generation with the traceback prompt (the answer whose sources are traced)."""
from __future__ import annotations

from typing import Any, Sequence

from analysis.probes.traceback.prompt import PromptBuilder


def _stop_ids(model: Any, tokenizer: Any) -> list[int]:
    ids = {tokenizer.eos_token_id}
    gen_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids.update(gen_eos if isinstance(gen_eos, (list, tuple)) else [gen_eos])
    for tok in ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>"):
        tid = tokenizer.convert_tokens_to_ids(tok) if tok in tokenizer.get_vocab() else None
        ids.add(tid)
    return sorted(i for i in ids if isinstance(i, int))


def generate_answer(model: Any, builder: PromptBuilder, passages: Sequence[str], max_new_tokens: int = 48) -> tuple[str, list[int]]:
    """Greedy-decode the answer to ``builder.text(passages)``.

    Stops at an end-of-sequence / end-of-turn token, or (raw prompts, base models) at the first
    newline. Returns ``(text, ids)``: ``ids`` are the generated tokens without the stop token and
    without trailing whitespace tokens, i.e. exactly what the value function scores.

    Raises:
        ValueError: the model generated nothing but stop tokens.
    """
    import torch

    tok = builder.tokenizer
    prompt = torch.tensor([builder.ids(passages)], device=model.device)
    stop = _stop_ids(model, tok)
    kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "do_sample": False, "eos_token_id": stop,
                              "pad_token_id": tok.pad_token_id if tok.pad_token_id is not None else stop[0]}
    if not builder.use_chat:
        kwargs.update(stop_strings=["\n"], tokenizer=tok)
    with torch.inference_mode():
        out = model.generate(prompt, attention_mask=torch.ones_like(prompt), **kwargs)
    ids = out[0, prompt.shape[1]:].tolist()
    cut = next((i for i, t in enumerate(ids) if t in stop), len(ids))
    ids = ids[:cut]
    while ids and not tok.decode(ids[-1:]).strip():
        ids.pop()
    if not ids:
        raise ValueError("the model generated an empty answer")
    return tok.decode(ids, skip_special_tokens=True).strip(), ids


def answer_survives(answer: str, generated: str) -> bool:
    """Whether ``answer`` still appears in ``generated`` (case-insensitive, whitespace-normalised)
    — TracLLM's check after removing the top-K texts."""
    norm = lambda s: " ".join(s.lower().split())  # noqa: E731
    return norm(answer) in norm(generated)
