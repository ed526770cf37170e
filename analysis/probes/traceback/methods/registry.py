"""Every traceback method, by name: adding one = its module + one line here (and its name in
``analysis.vocabulary.TracebackMethodName``, which a test keeps equal to this registry)."""
from __future__ import annotations

from analysis.probes.traceback.methods.attntrace import AttnTrace
from analysis.probes.traceback.methods.base import TracebackMethod
from analysis.probes.traceback.methods.captum_ref import CaptumFeatureAblation, CaptumShapley
from analysis.probes.traceback.methods.contextcite import ContextCite
from analysis.probes.traceback.methods.denoised_shapley import DenoisedShapley
from analysis.probes.traceback.methods.loo import LeaveOneOut
from analysis.probes.traceback.methods.shapley import Shapley
from analysis.probes.traceback.methods.stc import SingleTextContribution
from analysis.probes.traceback.methods.tracllm import TracLLM
from analysis.vocabulary import TracebackMethodName, check

#: name -> method, in the order the page lists them (TracLLM first: the default)
METHODS: dict[str, TracebackMethod] = {m.name: m for m in (
    TracLLM(),
    LeaveOneOut(),
    SingleTextContribution(),
    Shapley(),
    DenoisedShapley(),
    ContextCite(),
    AttnTrace(),
    CaptumFeatureAblation(),
    CaptumShapley(),
)}


def get_method(name: str) -> TracebackMethod:
    """The method called ``name``.

    Raises:
        ValueError: ``name`` is not a traceback method (the message lists them).
    """
    return METHODS[check(name, TracebackMethodName, "traceback method")]
