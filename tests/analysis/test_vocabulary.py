"""The Literal vocabularies (``analysis/vocabulary.py``) agree with the code that acts on them,
and :func:`check` names the field of a wrong value."""
from __future__ import annotations

import pytest

from analysis import vocabulary as v


def test_each_vocabulary_matches_its_implementation():
    from analysis.probes.traceback.methods.registry import METHODS
    from analysis.probes.traceback.segment import LEVELS
    from storage.scales import SCALES

    assert tuple(METHODS) == v.TRACEBACK_METHOD_NAMES            # one registry line per name, same order
    assert all(name == m.name for name, m in METHODS.items())
    assert set(SCALES) == set(v.SCORE_SCALES)                      # every scale has its normalisation SQL
    assert LEVELS == v.SEGMENTATIONS
    assert v.MASK_MODES == ("zero", "uniform") and v.JOB_STATES[0] == "queued"


def test_check_names_the_field_and_the_allowed_values():
    assert v.check("zero", v.MaskMode, "mask mode") == "zero"
    with pytest.raises(ValueError, match=r"mask mode: 'half' is not one of zero, uniform"):
        v.check("half", v.MaskMode, "mask mode")


def test_probe_kinds_are_the_kinds_storage_writes():
    import inspect

    from storage import probes

    src = inspect.getsource(probes)
    assert all(f'"{kind}"' in src for kind in v.PROBE_KINDS)


def test_job_queue_and_mask_use_the_vocabularies():
    import typing

    from jobs.queue import Job

    assert typing.get_type_hints(Job)["status"] == v.JobState
    from analysis.probes.head_mask import mask_heads

    with pytest.raises(ValueError, match="mask mode: 'half'"):
        with mask_heads(object(), [], mode="half"):
            pass
