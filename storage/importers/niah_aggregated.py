"""F2: gkamradt's aggregated NIAH list ``[{"token_limit", "depth_percent", "score"}, ...]``.

One run per file (the original GPT-4-128k run, ``OpenAI_OriginalResults.json``): context length in
tokens (tiktoken, GPT-4), depth as a whole percent, judge score 1-10. The file has **no model name,
no needle and no response**: ``model`` is None and the user names it (see docs/result_formats.md §2).
"""
from __future__ import annotations

from typing import Annotated

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

FORMAT = "niah_aggregated"
LABEL = "NIAH aggregated list [{token_limit, depth_percent, score}] (gkamradt GPT-4 run)"
PRIORITY = 10

KEYS = ('"token_limit"', '"depth_percent"', '"score"')


class AggregatedCell(BaseModel):
    """One grid cell: ``token_limit`` tokens, ``depth_percent`` 0-100, judge ``score`` 1-10."""

    model_config = ConfigDict(extra="forbid")

    token_limit: Annotated[int, Field(gt=0, strict=True)]
    depth_percent: Annotated[float, Field(ge=0, le=100)]
    score: Annotated[float, Field(ge=1, le=10)]


def detect(src: SourceFile) -> bool:
    """A ``.json`` file holding a list whose first object has the three F2 keys."""
    head = src.head(1024).lstrip()
    return src.suffix == ".json" and head.startswith("[") and all(k in head for k in KEYS)


def parse(src: SourceFile) -> list[ParsedFile]:
    """One run with one trial per list item (rows are not sorted in the real file; order is kept).

    Raises:
        FormatError: not a non-empty list, or an item with a missing, extra or out-of-range field
            (names the item, 1-based, and the field).
    """
    items = src.json()
    if not isinstance(items, list) or not items:
        raise src.error(None, "expected a non-empty JSON list of {token_limit, depth_percent, score}")
    cells = []
    for i, obj in enumerate(items, start=1):
        if not isinstance(obj, dict):
            raise src.error(f"item {i}", f"expected a JSON object, found {type(obj).__name__}")
        try:
            cells.append(AggregatedCell.model_validate(obj))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            raise src.error(f"item {i}, field '{field}'", f"{err['msg']} (got {err.get('input')!r:.60})") from None
    trials = pd.DataFrame(
        {
            "context_length": [c.token_limit for c in cells],
            "depth_percent": [float(c.depth_percent) for c in cells],
            "score_raw": [float(c.score) for c in cells],
            "source_file": src.name,
        }
    )
    return [
        ParsedFile(
            format=FORMAT,
            run_key=f"{FORMAT}:{src.path}",
            benchmark="niah",
            score_scale="judge_1_10",
            length_unit="tokens",
            tokenizer="tested model's provider tokenizer (tiktoken for OpenAI models; not recorded)",
            model=None,
            model_source=None,
            evaluator="LLM judge (gkamradt rubric 1-10)",
            inferred={
                "model": "not in the file: name the model (this format stores none)",
                "score scale": "judge 1-10 (original gkamradt evaluator)",
            },
            notes=["aggregated list: no needle or model response is stored"],
            niah_trials=trials,
        )
    ]
