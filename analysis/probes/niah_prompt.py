"""Build a NIAH prompt at the token level, so the needle's and the answer's spans are exact.

prompt ids = prefix ids + haystack ids with the needle's ids spliced in at a sentence boundary
+ suffix ids. The total length is exactly the requested context length in the model's own
tokenizer. The needle goes at the last sentence boundary at or before
``depth_percent / 100 × haystack tokens`` (gkamradt's ``needlehaystack`` also moves the
insertion point back to a sentence end) - unless that end lies more than 5% of the haystack before
the requested depth (a haystack without sentence ends), then at the exact token position, which
``meta["placement"]`` records; the actual depth is recorded in tokens and percent. At
depth 100 the haystack window is taken so that it ends on a sentence boundary (its first sentence
is then cut instead), so the needle is the context's last sentence.
The answer span is found inside the needle with the tokenizer's offset mapping (not with the
reference code's token-set-overlap heuristic, docs/probes.md §1.1).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from analysis.probes.haystack import sentence_stream
from analysis.probes.needles import Needle

INSTRUCTION = ("Below is a text. Somewhere in it is a fact that answers the question after it. "
               "Read the text, then answer the question briefly.")
_MARK = "\x00CONTEXT\x00"


#: largest shift (fraction of the haystack) from the requested depth back to a sentence end; a
#: haystack without a sentence end within it gets the needle at the exact token position instead
MAX_BOUNDARY_SHIFT = 0.05


class PromptTooLongError(ValueError):
    """The template and needle alone do not fit in the requested context length."""


@dataclass
class NiahPrompt:
    """A built prompt.

    Attributes:
        input_ids: all prompt token ids (length == ``context_length``).
        needle_span / answer_span: ``[start, end)`` token positions in ``input_ids``.
        haystack_tokens: context tokens excluding the needle.
        depth_tokens: haystack tokens before the needle (actual depth in tokens).
        actual_depth_percent: ``100 × depth_tokens / haystack_tokens``.
        template: ``chat`` (the tokenizer's chat template) or ``plain``.
        meta: ``placement`` ("sentence boundary", or "token position" when no sentence end lies
            within :data:`MAX_BOUNDARY_SHIFT` of the requested depth), and ``depth_warning`` when
            the actual depth is more than 5 points from the requested one.
    """

    input_ids: list[int]
    needle: Needle
    context_length: int
    requested_depth_percent: float
    needle_span: tuple[int, int]
    answer_span: tuple[int, int]
    haystack_tokens: int
    depth_tokens: int
    template: str
    meta: dict = field(default_factory=dict)

    @property
    def actual_depth_percent(self) -> float:
        return 100.0 * self.depth_tokens / self.haystack_tokens if self.haystack_tokens else 0.0


def _ids(tokenizer, text: str, special: bool = False) -> list[int]:
    return tokenizer(text, add_special_tokens=special)["input_ids"]


def prompt_frame(tokenizer, question: str, use_chat_template: bool | None = None) -> tuple[list[int], list[int], str]:
    """``(prefix_ids, suffix_ids, template)`` around the context.

    ``use_chat_template=None`` uses the chat template when the tokenizer has one.
    """
    has_chat = bool(getattr(tokenizer, "chat_template", None))
    chat = has_chat if use_chat_template is None else (use_chat_template and has_chat)
    user = f"{INSTRUCTION}\n\n<text>\n{_MARK}\n</text>\n\nQuestion: {question} Answer in one short sentence."
    if chat:
        rendered = tokenizer.apply_chat_template([{"role": "user", "content": user}], tokenize=False,
                                                 add_generation_prompt=True)
        pre, post = rendered.split(_MARK)
        return _ids(tokenizer, pre), _ids(tokenizer, post), "chat"
    pre, post = user.split(_MARK)
    pre_ids = _ids(tokenizer, pre, special=True)
    eos = getattr(tokenizer, "eos_token_id", None)
    if eos is not None and pre_ids and pre_ids[-1] == eos:
        pre_ids = pre_ids[:-1]
    return pre_ids, _ids(tokenizer, post + "\nAnswer:"), "plain"


def _needle_ids(tokenizer, needle: Needle, lead: str, trail: str) -> tuple[list[int], tuple[int, int]]:
    """Needle piece ids and the answer's ``[start, end)`` within them (offset mapping)."""
    piece = lead + needle.text + trail
    enc = tokenizer(piece, add_special_tokens=False, return_offsets_mapping=True)
    a0 = len(lead) + needle.text.index(needle.answer)
    a1 = a0 + len(needle.answer)
    toks = [i for i, (s, e) in enumerate(enc["offset_mapping"]) if s < a1 and e > a0 and e > s]
    if not toks:
        raise ValueError(f"answer {needle.answer!r} not found in the tokenised needle")
    return enc["input_ids"], (toks[0], toks[-1] + 1)


def build_prompt(tokenizer, haystack_text: str, needle: Needle, context_length: int, depth_percent: float,
                 *, use_chat_template: bool | None = None, seed: int = 0) -> NiahPrompt:
    """Build one NIAH prompt of exactly ``context_length`` tokens.

    Args:
        haystack_text: paragraphs separated by blank lines (see :mod:`analysis.probes.haystack`).
        depth_percent: 0 (start of the context) … 100 (end).
        seed: paragraph order of repeated passes over the haystack.

    Raises:
        PromptTooLongError: the frame and needle leave no room for haystack.
        ValueError: depth outside [0, 100], or the answer cannot be located in the needle.
    """
    if not 0 <= depth_percent <= 100:
        raise ValueError(f"depth_percent must be in [0, 100], got {depth_percent}")
    prefix, suffix, template = prompt_frame(tokenizer, needle.question, use_chat_template)
    probe_ids, _ = _needle_ids(tokenizer, needle, " ", " ")
    budget = context_length - len(prefix) - len(suffix) - len(probe_ids)
    if budget <= 0:
        raise PromptTooLongError(
            f"context length {context_length} is too short: template and needle need {context_length - budget} tokens")
    pieces: list[list[int]] = []
    total, prev_break = 0, True
    for sentence, ends_para in sentence_stream(haystack_text, seed):
        text = ("" if prev_break else " ") + sentence + ("\n\n" if ends_para else "")
        prev_break = ends_para
        ids = _ids(tokenizer, text)
        pieces.append(ids)
        total += len(ids)
        if total >= budget + 64:  # a little slack: the needle's own length varies with its neighbours
            break
    starts = [0]
    for p in pieces:
        starts.append(starts[-1] + len(p))
    flat = [t for p in pieces for t in p]
    # choose the boundary on the budget-sized haystack, then re-tokenise the needle with its real neighbours
    target = depth_percent / 100.0 * budget
    bounds = [s for s in starts if s <= budget]
    cut = budget if depth_percent >= 100 else max(s for s in bounds if s <= target)
    placement = "sentence boundary"
    if depth_percent < 100 and target - cut > MAX_BOUNDARY_SHIFT * budget:
        # no sentence end near the requested depth (e.g. a haystack without sentence ends): exact position
        cut, placement = int(round(target)), "token position"
    k = starts.index(cut) if cut in starts else None
    after_break = cut == 0 or (k is not None and k > 0 and tokenizer.decode(pieces[k - 1]).endswith("\n"))
    next_starts_para = k is not None and k < len(pieces) and after_break
    lead = "" if after_break else " "
    trail = "\n\n" if next_starts_para and cut > 0 else " " if k is not None and k < len(pieces) and after_break else ""
    needle_ids, (a0, a1) = _needle_ids(tokenizer, needle, lead, trail)
    hay = context_length - len(prefix) - len(suffix) - len(needle_ids)
    if hay <= 0:
        raise PromptTooLongError(f"context length {context_length} is too short for the template and needle")
    if depth_percent >= 100:  # end the haystack on a sentence boundary, so the needle is the last sentence
        end = min(s for s in starts if s >= hay)
        window, cut = flat[end - hay:end], hay
    else:
        window, cut = flat[:hay], min(cut, hay)
    ids = prefix + window[:cut] + needle_ids + window[cut:] + suffix
    n0 = len(prefix) + cut
    prompt = NiahPrompt(ids, needle, context_length, float(depth_percent), (n0, n0 + len(needle_ids)),
                        (n0 + a0, n0 + a1), hay, cut, template, meta={"placement": placement})
    if abs(prompt.actual_depth_percent - depth_percent) > 100 * MAX_BOUNDARY_SHIFT:
        prompt.meta["depth_warning"] = (f"needle at {prompt.actual_depth_percent:.1f}% of the haystack, "
                                        f"{depth_percent:g}% requested")
    return prompt
