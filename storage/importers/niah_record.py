"""Validation of one needle-in-a-haystack test object (gkamradt harness and its forks).

Shared by the per-test formats (legacy JSON, JSON list, ``needlehaystack`` package JSON).
Field meanings follow gkamradt/LLMTest_NeedleInAHaystack (see docs/result_formats.md §1-4).
"""
from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storage.importers.source import SourceFile


class NiahTest(BaseModel):
    """One NIAH test: ``context_length`` in tokens of the tested model's tokenizer, ``depth_percent``
    0-100 (0 = needle at the start of the haystack), ``score`` as the evaluator wrote it."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    context_length: Annotated[int, Field(gt=0, strict=True)]
    depth_percent: Annotated[float, Field(ge=0, le=100)]
    score: Annotated[float, Field(ge=0)]
    needle: str | None = None
    model_response: str | None = None
    version: Annotated[int, Field(strict=True)] = 1


def validate_test(src: SourceFile, obj: Any, where: str = "") -> NiahTest:
    """Validate one test object.

    Raises:
        FormatError: names the file, ``where`` (e.g. "item 3") and the first bad field.
    """
    if not isinstance(obj, dict):
        raise src.error(where or None, f"expected a JSON object, found {type(obj).__name__}")
    try:
        return NiahTest.model_validate(obj)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        prefix = f"{where}, " if where else ""
        raise src.error(f"{prefix}field '{field}'", f"{err['msg']} (got {err.get('input')!r:.60})") from None


def trials_frame(tests: list[NiahTest], source_file: str) -> pd.DataFrame:
    """Rows for ``niah_trials`` (columns of ``storage.importers.parsed.NIAH_COLUMNS``)."""
    return pd.DataFrame(
        {
            "context_length": [t.context_length for t in tests],
            "depth_percent": [float(t.depth_percent) for t in tests],
            "score_raw": [float(t.score) for t in tests],
            "needle": [t.needle for t in tests],
            "response": [t.model_response for t in tests],
            "version": [t.version for t in tests],
            "source_file": source_file,
        }
    )
