"""The project's closed vocabularies as ``Literal`` aliases, validated in one place.

In the style of TransformerLens ``head_detector.py`` (``HeadName = Literal[...]`` beside a
checked tuple of its values): each alias names the allowed strings for type checkers and
pickers, and :func:`check` turns a wrong value into a ``ValueError`` naming the field.
"""
from __future__ import annotations

from typing import Any, Literal, get_args

#: how a raw score is read (``storage/scales.py`` holds each one's normalisation SQL)
ScoreScale = Literal["judge_1_10", "binary", "bool", "pct_0_100", "frac_0_1", "perplexity", "gigabytes",
                     "samples_per_s"]
#: kinds of stored probe runs (``probe_runs.kind``)
ProbeKind = Literal["retrieval_heads", "masking"]
#: traceback methods (``analysis/probes/traceback/methods/registry.py`` holds one object per name)
TracebackMethodName = Literal["tracllm", "loo", "stc", "shapley", "denoised_shapley", "contextcite", "attntrace",
                              "captum_fa", "captum_shapley"]
#: how a traceback context is cut into passages (``analysis/probes/traceback/segment.py``)
Segmentation = Literal["paragraph", "sentence", "words100"]
#: how a masked attention head is silenced (``analysis/probes/head_mask.py``)
MaskMode = Literal["zero", "uniform"]
#: life of a probe job in the queue (``jobs/queue.py``)
JobState = Literal["queued", "running", "done", "failed", "cancelled"]

SCORE_SCALES: tuple[str, ...] = get_args(ScoreScale)
PROBE_KINDS: tuple[str, ...] = get_args(ProbeKind)
TRACEBACK_METHOD_NAMES: tuple[str, ...] = get_args(TracebackMethodName)
SEGMENTATIONS: tuple[str, ...] = get_args(Segmentation)
MASK_MODES: tuple[str, ...] = get_args(MaskMode)
JOB_STATES: tuple[str, ...] = get_args(JobState)


def check(value: Any, vocabulary: Any, field: str) -> str:
    """Return ``value`` if it is one of the ``Literal`` alias ``vocabulary``'s strings.

    Raises:
        ValueError: naming ``field``, the value and the allowed values.
    """
    allowed = get_args(vocabulary)
    if value not in allowed:
        raise ValueError(f"{field}: {value!r} is not one of {', '.join(allowed)}")
    return value
