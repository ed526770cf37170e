"""A traceback context taken from one trial of a live NIAH sweep (``analysis.probes.niah_sweep``).

The sweep stores each trial's response and cell but not its prompt; the prompt is deterministic
(needle template, seed, chat-template choice and haystack are in the run config, the trial's
needle value comes from ``niah_trial.trial_rng``), so it is rebuilt with the sweep's own
``make_prompt`` and the context is the text between the prompt frame's prefix and suffix.
"""
from __future__ import annotations

import hashlib
from typing import Any


def niah_trial_context(tokenizer: Any, config: dict, context_length: int, depth_percent: float,
                       trial: int) -> tuple[str, str, str]:
    """``(context, question, needle)`` of one sweep trial (context = haystack with the needle, as
    the model read it; its paragraphs are separated by blank lines).

    Args:
        tokenizer: the swept model's tokenizer (context length is in its tokens).
        config: the sweep run's config (``runs.config``: ``needle``, ``seed``, ``use_chat_template``,
            ``haystack_sha256``).

    Raises:
        ValueError: the run used another haystack than the built-in corpus (uploaded haystacks are
            not stored), or the config lacks a field.
    """
    from analysis.probes.haystack import builtin_corpus
    from analysis.probes.needles import NeedleTemplate
    from analysis.probes.niah_prompt import prompt_frame
    from analysis.probes.niah_trial import Cell, make_prompt

    try:
        needle, seed, chat, sha = (config["needle"], config["seed"], config.get("use_chat_template"),
                                   config["haystack_sha256"])
    except KeyError as exc:
        raise ValueError(f"the sweep run's config has no {exc.args[0]!r} field") from None
    haystack = builtin_corpus()
    if hashlib.sha256(haystack.encode("utf-8")).hexdigest() != sha:
        raise ValueError("this sweep used an uploaded haystack, which is not stored: paste its context instead")
    prompt = make_prompt(tokenizer, haystack, NeedleTemplate(**needle), Cell(int(context_length), float(depth_percent)),
                         int(trial), seed=int(seed), use_chat_template=chat)
    prefix, suffix, _ = prompt_frame(tokenizer, prompt.needle.question, chat)
    ids = prompt.input_ids[len(prefix):len(prompt.input_ids) - len(suffix)]
    return tokenizer.decode(ids).strip(), prompt.needle.question, prompt.needle.text
