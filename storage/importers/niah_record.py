"""Validation of one needle-in-a-haystack test object (gkamradt harness and its forks).

Shared by the per-test formats (legacy JSON, JSON list, ``needlehaystack`` package JSON).
Field meanings follow gkamradt/LLMTest_NeedleInAHaystack (see docs/result_formats.md §1-4).
"""
from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from storage.importers.source import SourceFile


class NiahTest(BaseModel):
    """One NIAH test: ``context_length`` in tokens of the tested model's tokenizer, ``depth_percent``
    0-100 (0 = needle at the start of the haystack), ``score`` as the evaluator wrote it.

    ``"score": null`` with an ``error`` text (e.g. "context length exceeded") is a test that was not
    evaluated: kept as such, never read as a 0. ``tokenizer``, where a fork records it, names what
    counted ``context_length``."""

    model_config = ConfigDict(extra="allow")

    model: str | None = None
    context_length: Annotated[int, Field(gt=0, strict=True)]
    depth_percent: Annotated[float, Field(ge=0, le=100)]
    # a finite number 0..10 written as a number (gkamradt's judge scores 1-10, exact match 0/1):
    # Infinity / 1e308 / "10" are refused, never read as a perfect score
    score: Annotated[float, Field(ge=0, le=10, strict=True, allow_inf_nan=False)] | None
    error: str | None = None
    tokenizer: str | None = None
    needle: str | None = None
    model_response: str | None = None
    version: Annotated[int, Field(strict=True)] = 1

    @model_validator(mode="after")
    def _null_score_needs_error(self) -> "NiahTest":
        if self.score is None and not (self.error or "").strip():
            raise ValueError("score is null and there is no 'error' saying why the test was not evaluated")
        return self


def tokenizer_key(tokenizer: str | None) -> str:
    """Run-key suffix for a recorded tokenizer (runs counted with different tokenizers never merge)."""
    return f":tokenizer={tokenizer}" if tokenizer else ""


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
        field = ".".join(str(p) for p in err["loc"]) or "score"
        prefix = f"{where}, " if where else ""
        raise src.error(f"{prefix}field '{field}'", f"{err['msg']} (got {err.get('input')!r:.60})") from None


#: measured needle depth this many percentage points from the requested one is flagged
DEPTH_TOLERANCE = 5.0


def measured_depth(test: NiahTest) -> float | None:
    """Where the needle sits in a saved context (a ``context`` field, as forks that keep the prompt
    write it): ``100 × (characters before the needle) / (characters of the context without it)``;
    None without a context or when the needle is not found in it verbatim."""
    context = (test.model_extra or {}).get("context")
    if not isinstance(context, str) or not test.needle or test.needle not in context:
        return None
    rest = len(context) - len(test.needle)
    return 100.0 * context.index(test.needle) / rest if rest > 0 else 0.0


def trial_extra(test: NiahTest) -> dict | None:
    """``extra`` of a trial: not evaluated (``not_evaluated``, ``error``) and, for a saved context,
    ``measured_depth_percent`` plus ``depth_flag`` when it is more than :data:`DEPTH_TOLERANCE`
    points from the requested depth; None when there is nothing to say."""
    out = {"not_evaluated": True, "error": test.error} if test.score is None else {}
    depth = measured_depth(test)
    if depth is not None:
        out["measured_depth_percent"] = round(depth, 2)
        if abs(depth - test.depth_percent) > DEPTH_TOLERANCE:
            out["depth_flag"] = f"needle found at {depth:.1f}% of the context, {test.depth_percent:g}% requested"
    return out or None


def not_evaluated_note(tests: list[NiahTest]) -> list[str]:
    """Preview notes counting the tests that were not evaluated and those whose saved context puts
    the needle far from the requested depth (empty list when none)."""
    notes = []
    errors = [t for t in tests if t.score is None]
    if errors:
        texts = sorted({t.error for t in errors})
        notes.append(f"{len(errors)} test(s) not evaluated (score null; error: {'; '.join(texts[:3])}"
                     + (" ..." if len(texts) > 3 else "") + "): stored as not evaluated, left out of means and curves")
    far = [t for t in tests if (d := measured_depth(t)) is not None and abs(d - t.depth_percent) > DEPTH_TOLERANCE]
    if far:
        notes.append(f"{len(far)} test(s) whose saved context has the needle more than {DEPTH_TOLERANCE:g} points "
                     f"from the requested depth (e.g. {trial_extra(far[0])['depth_flag']}): flagged on the trial")
    return notes


def trials_frame(tests: list[NiahTest], source_file: str) -> pd.DataFrame:
    """Rows for ``niah_trials`` (columns of ``storage.importers.parsed.NIAH_COLUMNS``); a test not
    evaluated has ``score_raw`` None and its error in ``extra`` (:func:`trial_extra`)."""
    return pd.DataFrame(
        {
            "context_length": [t.context_length for t in tests],
            "depth_percent": [float(t.depth_percent) for t in tests],
            "score_raw": [None if t.score is None else float(t.score) for t in tests],
            "extra": [trial_extra(t) for t in tests],
            "needle": [t.needle for t in tests],
            "response": [t.model_response for t in tests],
            "version": [t.version for t in tests],
            "source_file": source_file,
        }
    )
