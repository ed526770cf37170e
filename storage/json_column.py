"""JSON columns (``runs.config``, ``probe_runs.config``, ``extra``, ...): one encoder and one
decoder for every table, so NaN handling and empty values are the same everywhere."""
from __future__ import annotations

import json
from typing import Any


def to_json(value: Any) -> str | None:
    """JSON text for a JSON column; text is passed through as already encoded.

    NaN (anywhere inside dicts and lists) becomes ``null``: DuckDB's JSON type rejects a bare
    ``NaN``. Objects JSON cannot represent are written as their ``str()``. ``None`` / NaN -> None.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        return value
    return json.dumps(_no_nan(value), default=str)


def from_json(value: Any, empty: Any = None) -> Any:
    """The decoded value of a JSON column cell: text is parsed, an already-decoded value is
    returned as is, and a missing value (None, NaN, empty text) gives ``empty``.

    Raises:
        json.JSONDecodeError: the text is not JSON.
    """
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return empty
    if isinstance(value, (str, bytes)):
        return json.loads(value)
    return value


def _no_nan(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value
