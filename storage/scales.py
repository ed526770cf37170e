"""Score scales: how a raw score is read and normalised to 0..1.

Raw values are always stored as written by the harness (``score_raw`` / ``value_raw``); the
normalised column is derived from the scale with the SQL expressions below.
"""
from __future__ import annotations

#: scale id -> (description, SQL expression over ``{x}`` giving the normalised value)
SCALES: dict[str, tuple[str, str]] = {
    "judge_1_10": ("LLM judge score 1-10 (gkamradt rubric 1/3/5/7/10); 0..1 = (x - 1) / 9",
                   "greatest(0.0, least(1.0, ({x} - 1) / 9.0))"),
    "binary": ("exact-match 0/1", "{x}"),
    "bool": ("boolean judge (true = correct)", "{x}"),
    "pct_0_100": ("percent 0-100; 0..1 = x / 100", "{x} / 100.0"),
    "frac_0_1": ("fraction 0-1", "{x}"),
    "perplexity": ("perplexity (lower is better; not normalised)", "{x}"),
    "gigabytes": ("a measure, not a score: peak GPU memory in GB (1e9 bytes); not normalised", "{x}"),
    "samples_per_s": ("a measure, not a score: throughput in samples per second; not normalised", "{x}"),
}

#: scale id -> short readable name (for pickers and legends)
LABELS: dict[str, str] = {"judge_1_10": "judge 1-10", "binary": "binary 0/1", "bool": "boolean",
                          "pct_0_100": "percent 0-100", "frac_0_1": "fraction 0-1", "perplexity": "perplexity",
                          "gigabytes": "memory GB", "samples_per_s": "samples per second"}

#: scales whose normalised value is a 0..1 "higher is better" score
BOUNDED_SCALES = {"judge_1_10", "binary", "bool", "pct_0_100", "frac_0_1"}
#: scales of measures (memory, throughput) stored beside scores but never averaged with them
MEASURE_SCALES = {"gigabytes", "samples_per_s"}


def metric_kind_sql(scale_column: str) -> str:
    """SQL giving ``'perplexity'``, ``'measure'`` (:data:`MEASURE_SCALES`) or ``'score'`` for a scale column."""
    measures = ", ".join(f"'{m}'" for m in sorted(MEASURE_SCALES))
    return (f"CASE WHEN {scale_column} = 'perplexity' THEN 'perplexity' "
            f"WHEN {scale_column} IN ({measures}) THEN 'measure' ELSE 'score' END")


def normalise_sql(scale_column: str, value_column: str) -> str:
    """SQL ``CASE`` expression normalising ``value_column`` by the scale named in ``scale_column``."""
    whens = " ".join(
        f"WHEN {scale_column} = '{name}' THEN {expr.format(x=value_column)}"
        for name, (_, expr) in SCALES.items()
    )
    return f"CASE {whens} ELSE NULL END"


def normalise(value: float | None, scale: str) -> float | None:
    """Python twin of :func:`normalise_sql` for one value (``None`` stays ``None``).

    Raises:
        KeyError: unknown scale.
    """
    if value is None:
        return None
    x = float(value)
    if scale == "judge_1_10":
        return max(0.0, min(1.0, (x - 1) / 9.0))
    if scale == "pct_0_100":
        return x / 100.0
    if scale in SCALES:
        return x
    raise KeyError(f"unknown score scale {scale!r}; known: {', '.join(SCALES)}")
