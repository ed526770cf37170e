"""Command-line flags derived from a job's options model, so the command line offers exactly the
fields the page fills (``tests/probes/test_probe_options.py`` compares them).

Each field ``some_name`` becomes ``--some-name`` with the field's description as help: ``bool``
fields are switches (``--name`` when the default is off, ``--no-name`` when it is on), lists take
one or more values, ``Literal`` fields their choices, ``X | None`` an optional ``X``. A field of
another type (a haystack, a needle) needs an override with a ``type`` (read at parse time) or a
``convert`` (applied after parsing, e.g. a name looked up in a table, so ``choices`` still work).
"""
from __future__ import annotations

import argparse
import types
from typing import Any, Callable, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo


def _strip_optional(ann: Any) -> Any:
    if get_origin(ann) in (Union, types.UnionType):
        rest = [a for a in get_args(ann) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return ann


def _help(field: FieldInfo, default: Any) -> str:
    text = field.description or ""
    if default is True:  # a --no-... switch
        return f"turn off: {text}"
    if default not in (None, False, [], {}) and not isinstance(default, BaseModel):
        shown = " ".join(map(str, default)) if isinstance(default, (list, tuple)) else default
        text += f" (default: {shown})"
    return text


def add_options(parser: argparse.ArgumentParser, model: type[BaseModel], *, skip: tuple[str, ...] = (),
                overrides: dict[str, dict[str, Any]] | None = None) -> None:
    """Add a flag per field of ``model`` (but ``skip``) to ``parser``; ``overrides[field]`` holds
    extra ``add_argument`` keywords, plus ``flags`` (the option strings) and ``convert``.

    Raises:
        TypeError: a field of a type this function cannot map and no ``type`` / ``choices`` given.
    """
    for name, field in model.model_fields.items():
        if name not in skip:
            add_field(parser, name, field, (overrides or {}).get(name), owner=model.__name__)


def add_field(parser: argparse.ArgumentParser, name: str, field: FieldInfo, override: dict[str, Any] | None = None,
              *, unset: bool = False, owner: str = "") -> None:
    """Add the flag of one field (see :func:`add_options`). ``unset``: the flag's default is None
    (the field's default then applies where the value is used; a ``bool`` takes ``--name`` /
    ``--no-name`` by its default), for fields shared by several models with their own defaults."""
    spec = dict(override or {})
    spec.pop("convert", None)
    flag = "--" + name.replace("_", "-")
    default = None if field.is_required() else field.get_default(call_default_factory=True)
    ann = _strip_optional(field.annotation)
    kw: dict[str, Any] = {"dest": name}
    if ann is bool:
        flags = [f"--no-{name.replace('_', '-')}"] if default else [flag]
        kw.update({"action": "store_const", "const": not default, "default": None} if unset
                  else {"action": "store_false" if default else "store_true"})
    else:
        flags = [flag]
        elem = ann
        if get_origin(ann) in (list, tuple):
            kw["nargs"] = "+"
            elem = get_args(ann)[0]
        if get_origin(elem) is Literal:
            kw["choices"] = list(get_args(elem))
        elif elem in (int, float, str):
            kw["type"] = elem
        elif "type" not in spec and "choices" not in spec:
            raise TypeError(f"{owner}.{name}: give a 'type' or 'choices' override for {ann!r}")
        kw["default"] = None if unset else default
        if field.is_required():
            kw["required"] = True
    kw["help"] = _help(field, None if spec.get("required") else spec.get("default", default))
    flags = spec.pop("flags", flags)
    kw.update(spec)
    parser.add_argument(*flags, **kw)


def options_from(args: argparse.Namespace, model: type[BaseModel], *,
                 overrides: dict[str, dict[str, Any]] | None = None, **extra: Any) -> BaseModel:
    """``model`` built from the parsed flags (each override's ``convert`` applied) and ``extra``.

    Raises:
        pydantic.ValidationError: a value out of the field's bounds (the message names the field).
    """
    overrides = overrides or {}
    values = {}
    for name in model.model_fields:
        if name in extra or not hasattr(args, name):
            continue
        value = getattr(args, name)
        convert: Callable | None = overrides.get(name, {}).get("convert")
        if convert is not None and value is not None:
            value = [convert(v) for v in value] if isinstance(value, list) else convert(value)
        if value is not None or not model.model_fields[name].is_required():
            values[name] = value
    return model(**values, **extra)

