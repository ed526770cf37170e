"""What a traceback method is, in captum's shape: a name, a label, its own ``Params``, a cost
``estimate(n, params)`` in forward passes, and ``attribute(value_fn, params)``.

A method scores every passage (higher = more responsible for the answer) through the shared value
function v(S) = Σ log p(answer | prompt(S)) (:class:`..value.ValueFunction`, which also holds the
model, the prompt builder, the passages, the answer ids and the forward-pass budget). Adding a
method = one module defining a :class:`TracebackMethod` subclass + one line in :mod:`.registry`
(and its name in ``analysis.vocabulary.TracebackMethodName``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class NoParams(BaseModel):
    """Parameters of a method that has none."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Attribution:
    """A method's output.

    Attributes:
        scores: one per passage, [n passages]; NaN = not scored (TracLLM prunes).
        top_k: the method's own top-K (best first) when it chooses one (TracLLM's search); None =
            rank the scores.
        forward_passes: passes the method ran when the value function does not count them
            (captum, attention); None = the value function's count.
    """

    scores: list[float]
    top_k: list[int] | None = None
    forward_passes: int | None = None


class TracebackMethod:
    """One traceback method (subclass per method; instances are stateless singletons).

    ``Params`` is a frozen pydantic model whose fields carry ``title`` (the page's label),
    ``description`` (help text and ``--help``) and bounds (``ge`` / ``le``): the page and the command
    line render them from it.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    Params: ClassVar[type[BaseModel]] = NoParams
    #: False when :meth:`estimate` is a loose worst case and the run may start over the budget (the
    #: forward-pass budget then stops it when it really runs out): TracLLM's informed search
    refuse_over_budget: ClassVar[bool] = True

    def params(self, values: dict[str, Any] | BaseModel | None = None) -> BaseModel:
        """``values`` (a dict, or already this method's ``Params``) validated as :attr:`Params`.

        Raises:
            pydantic.ValidationError: a field is unknown to this method or out of its bounds.
        """
        if isinstance(values, self.Params):
            return values
        return self.Params(**dict(values or {}))

    def estimate(self, n: int, params: BaseModel, *, k: int = 5) -> int:
        """Upper bound on forward passes over ``n`` passages (memoisation only lowers it)."""
        raise NotImplementedError

    def attribute(self, value_fn: Any, params: BaseModel, *, k: int = 5, seed: int = 0) -> Attribution:
        """Score the value function's passages (``k`` = how many top passages are wanted)."""
        raise NotImplementedError
