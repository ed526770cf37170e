"""The prompt built from a subset of passages, identical for generation and for scoring.

TracLLM's released code generates the answer with the chat template but scores subsets on the raw
prompt without it (``src/attribution/attribute.py::context_value``); the value of a subset is then
measured on a prompt the model never answered. Here one :class:`PromptBuilder` renders both.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

DEFAULT_TEMPLATE = ("Answer the question using the contexts below.\n\n"
                    "Contexts:\n{context}\n\nQuestion: {question}")
SEPARATOR = "\n\n"
_FIELDS = re.compile(r"\{(context|question)\}")


@dataclass(frozen=True)
class PromptBuilder:
    """Render ``template`` with the kept passages and the question, then tokenize.

    Attributes:
        tokenizer: a Hugging Face tokenizer.
        question: the user's question.
        template: user-message text with ``{context}`` and ``{question}`` fields (single pass, so
            braces inside passages are safe).
        use_chat: wrap the message in the tokenizer's chat template with the generation prompt; if
            False the raw text plus ``"\\nAnswer:"`` is used (base models).
        separator: text between kept passages.
    """

    tokenizer: Any
    question: str
    template: str = DEFAULT_TEMPLATE
    use_chat: bool = True
    separator: str = SEPARATOR

    @classmethod
    def for_tokenizer(cls, tokenizer: Any, question: str, template: str = DEFAULT_TEMPLATE) -> "PromptBuilder":
        """Chat template when the tokenizer has one, raw text otherwise."""
        return cls(tokenizer, question, template, use_chat=bool(getattr(tokenizer, "chat_template", None)))

    def content(self, passages: Sequence[str]) -> str:
        """The user message for these passages (in the order given)."""
        values = {"context": self.separator.join(passages), "question": self.question}
        return _FIELDS.sub(lambda m: values[m.group(1)], self.template)

    def text(self, passages: Sequence[str]) -> str:
        """The full prompt string the model reads before its answer."""
        content = self.content(passages)
        if not self.use_chat:
            return content + "\nAnswer:"
        return self.tokenizer.apply_chat_template([{"role": "user", "content": content}], tokenize=False,
                                                  add_generation_prompt=True)

    def ids(self, passages: Sequence[str]) -> list[int]:
        """Token ids of :meth:`text` (chat text already holds its special tokens; raw text gets BOS)."""
        return list(self.tokenizer(self.text(passages), add_special_tokens=not self.use_chat)["input_ids"])

    def answer_ids(self, answer: str) -> list[int]:
        """Token ids of a typed answer, as the continuation of the prompt (no special tokens; a
        leading space after the raw ``Answer:`` prompt)."""
        answer = answer.strip()
        if not answer:
            raise ValueError("the answer is empty")
        return list(self.tokenizer(answer if self.use_chat else " " + answer, add_special_tokens=False)["input_ids"])

    def passage_token_spans(self, passages: Sequence[str]) -> tuple[list[int], list[tuple[int, int]]]:
        """``(ids, spans)``: the prompt ids and, per passage, the half-open token range ``[s, e)``
        of the tokens whose characters start inside it (tokenizer offset mapping).

        Raises:
            ValueError: a passage cannot be found in the rendered prompt, or the tokenizer gives no
                offsets (slow tokenizer).
        """
        text = self.text(passages)
        enc = self.tokenizer(text, add_special_tokens=not self.use_chat, return_offsets_mapping=True)
        offsets = enc.get("offset_mapping")
        if offsets is None:
            raise ValueError("the tokenizer returns no offset mapping (a fast tokenizer is needed)")
        char_spans, pos = [], text.find(self.content(passages))
        pos = max(pos, 0)
        for p in passages:
            start = text.find(p, pos)
            if start < 0:
                raise ValueError(f"passage not found verbatim in the rendered prompt: {p[:60]!r}")
            char_spans.append((start, start + len(p)))
            pos = start + len(p)
        spans = []
        for cs, ce in char_spans:
            toks = [t for t, (a, b) in enumerate(offsets) if b > a and cs <= a < ce]
            spans.append((toks[0], toks[-1] + 1) if toks else (0, 0))
        return list(enc["input_ids"]), spans
