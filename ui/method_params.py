"""Widgets for a traceback method's own parameters, drawn from its ``Params`` model (the registry
in ``analysis/probes/traceback/methods/registry.py``), so a new method needs no page change.

Each field gives one widget labelled with its ``title`` and helped by its ``description``: an
``int`` / ``float`` a number input within its ``ge`` / ``le`` bounds, a ``bool`` a checkbox, a tuple
of ``Literal`` values a multiselect. Fields of other types (``heads``) are left to the caller,
which passes their values in ``given``.
"""
from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

import streamlit as st
from pydantic import BaseModel
from pydantic.fields import FieldInfo


def _bounds(field: FieldInfo) -> tuple[Any, Any]:
    lo = hi = None
    for m in field.metadata:
        lo = getattr(m, "ge", None) if getattr(m, "ge", None) is not None else lo
        hi = getattr(m, "le", None) if getattr(m, "le", None) is not None else hi
    return lo, hi


def params_form(method: Any, given: dict[str, Any] | None = None) -> BaseModel:
    """Draw ``method``'s parameters in columns; returns its validated ``Params``.

    ``given``: values for fields drawn elsewhere (unknown to this form). A widget is known by its
    label, bounds and help, so methods sharing a parameter (Shapley's N) share its setting.

    Raises:
        pydantic.ValidationError (a ValueError): a value the method refuses (e.g. no score function).
    """
    given = dict(given or {})
    fields = {n: f for n, f in method.Params.model_fields.items() if n not in given and _drawable(f)}
    if not fields:
        st.caption(f"{method.label}: no parameters.")
        return method.params(given)
    values: dict[str, Any] = {}
    cols = st.columns(min(4, len(fields)))
    for i, (name, field) in enumerate(fields.items()):
        col, label = cols[i % len(cols)], field.title or name
        default = field.get_default(call_default_factory=True)
        if field.annotation is bool:
            values[name] = col.checkbox(label, value=default, help=field.description)
        elif field.annotation in (int, float):
            lo, hi = _bounds(field)
            cast = field.annotation
            values[name] = col.number_input(label, None if lo is None else cast(lo), None if hi is None else cast(hi),
                                            cast(default), help=field.description)
        else:
            options = list(get_args(get_args(field.annotation)[0]))
            values[name] = tuple(col.multiselect(label, options, default=list(default), help=field.description))
    return method.params({**values, **given})


def _drawable(field: FieldInfo) -> bool:
    ann = field.annotation
    if ann in (bool, int, float):
        return True
    return get_origin(ann) is tuple and get_origin(get_args(ann)[0]) is Literal
