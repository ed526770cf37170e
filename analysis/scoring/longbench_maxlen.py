"""LongBench v1's prompt budget per model and its middle truncation.

LongBench's ``pred.py`` tokenizes each prompt and, when it is longer than ``model2maxlen[model]``
tokens, keeps the first and the last ``maxlen // 2`` tokens (the middle is cut). The table below is
``config/model2maxlen.json`` of THUDM/LongBench (MIT), as kept by the viridisGreen/LongBench fork at
7f1ce12 (the fork whose prediction files ``../shared/data/real`` holds; it adds llama2-7b,
llama3-8b(-instruct) and qwen3-8b).

A sample's ``length`` field counts words (English datasets) or characters (Chinese datasets), not
tokens. Every tokenizer LongBench evaluates spends at least one token per word or per Chinese
character, so ``length > maxlen`` means the prompt certainly exceeded the budget and was cut to
``maxlen`` tokens; a sample at or under ``maxlen`` may still have been cut (that needs the model's
tokenizer), and is not marked.
"""
from __future__ import annotations

#: model name as LongBench's pred/ folder names it -> prompt budget in tokens
MODEL2MAXLEN: dict[str, int] = {
    "llama2-7b-chat-4k": 3500, "longchat-v1.5-7b-32k": 31500, "xgen-7b-8k": 7500, "internlm-7b-8k": 7500,
    "chatglm2-6b": 31500, "chatglm2-6b-32k": 31500, "chatglm3-6b-32k": 31500, "vicuna-v1.5-7b-16k": 15500,
    "llama2-7b": 3500, "llama3-8b": 7500, "llama3-8b-instruct": 7500, "qwen3-8b": 7500,
}


def truncated_to(model: str | None, length: float) -> int | None:
    """The token budget a sample of ``length`` words/characters was certainly cut to, or None
    (model not in :data:`MODEL2MAXLEN`, or ``length`` within the budget)."""
    maxlen = MODEL2MAXLEN.get(model or "")
    return maxlen if maxlen is not None and length > maxlen else None
