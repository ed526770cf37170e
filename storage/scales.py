"""Score scales: how a raw score is read and normalised to 0..1.

Raw values are always stored as written by the harness (``score_raw`` / ``value_raw``); the
normalised column is derived from the scale with the SQL expressions below.
"""
from __future__ import annotations

from dataclasses import dataclass

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
    """SQL ``CASE`` expression normalising ``value_column`` by the scale named in ``scale_column``
    (NULL stays NULL: DuckDB's ``greatest``/``least`` skip NULLs, which would turn a test that was
    not evaluated into a score)."""
    whens = f"WHEN {value_column} IS NULL THEN NULL " + " ".join(
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


#: column flagging ``task_scores`` / ``samples`` rows whose scale was guessed from the values (not
#: fixed by the file or by LongScope's own scoring): the upload preview's override applies to them
GUESSED = "scale_guessed"


@dataclass
class ScaleGuess:
    """The scale guessed for one file's column of scores, with the evidence shown in the preview.

    Attributes:
        column: what the values are (e.g. ``"result.json (all datasets)"``, ``"acc"``).
        scale: ``pct_0_100`` or ``frac_0_1`` (or the harness convention when the values cannot tell).
        convention: the scale the harness writes by default.
        evidence: e.g. ``"21 values, all within 0..1 (max 0.45)"``.
        flag: why the values would be implausible on the other scale, or that they are
            ambiguous; None when there is nothing to say.
        ambiguous: True when the values fit both scales (e.g. only 0 and 1): the convention is kept.
    """

    column: str
    scale: str
    convention: str
    evidence: str
    flag: str | None = None
    ambiguous: bool = False


def guess_fraction_or_percent(values, convention: str, column: str) -> ScaleGuess:
    """Decide whether ``values`` are fractions (0..1) or percents (0..100).

    Rule: any value above 1 -> percent (a fraction cannot exceed 1); every value within 0..1 and
    at least one strictly between 0 and 1 -> fraction (on 0..100 every score would be at most 1%,
    implausible for a task score); only 0s and 1s, or no values -> the harness's ``convention``
    (ambiguous). Values below 0 or above 100 fit neither scale: the convention is kept, flagged.

    Args:
        values: the raw numbers (NaN / None ignored).
        convention: ``pct_0_100`` or ``frac_0_1``, what the harness writes by default.
        column: name of the values for the evidence text.

    Raises:
        ValueError: ``convention`` is not ``pct_0_100`` / ``frac_0_1``.
    """
    if convention not in ("pct_0_100", "frac_0_1"):
        raise ValueError(f"convention must be pct_0_100 or frac_0_1, got {convention!r}")
    vals = [float(v) for v in values if v is not None and v == v]
    if not vals:
        return ScaleGuess(column, convention, convention, "no values: the harness's scale is kept", ambiguous=True)
    lo, hi, n = min(vals), max(vals), len(vals)
    span = f"{n} value{'s' if n != 1 else ''} from {lo:g} to {hi:g}"
    if lo < 0 or hi > 100:
        return ScaleGuess(column, convention, convention, span,
                          "values outside 0..100 fit neither a fraction nor a percent: check the file")
    if hi > 1:
        return ScaleGuess(column, "pct_0_100", convention, f"{span}: a value above 1 is a percent",
                          f"on 0..1 a score of {hi:g} is impossible")
    if any(0 < v < 1 for v in vals):
        flag = f"on 0..100 every score would be at most {hi:g}%: implausible"
        return ScaleGuess(column, "frac_0_1", convention, f"{span}: all within 0..1", flag)
    return ScaleGuess(column, convention, convention, f"{span}: only 0 and 1, which fit both scales",
                      f"ambiguous: kept the harness's {SCALES[convention][0].split(';')[0]}", ambiguous=True)


def check_override(values, scale: str) -> str | None:
    """Why raw ``values`` cannot be on ``scale`` (e.g. 45.2 on ``frac_0_1``), or None when they can."""
    vals = [float(v) for v in values if v is not None and v == v]
    if not vals:
        return None
    lo, hi = min(vals), max(vals)
    bounds = {"frac_0_1": (0, 1), "pct_0_100": (0, 100), "binary": (0, 1), "bool": (0, 1), "judge_1_10": (0, 10)}
    if scale in bounds and (lo < bounds[scale][0] or hi > bounds[scale][1]):
        return f"values from {lo:g} to {hi:g} do not fit {scale} ({bounds[scale][0]}..{bounds[scale][1]})"
    return None


def guess_rows(rows, value_column: str, convention: str, column: str, mask=None) -> ScaleGuess:
    """Guess the scale of ``rows[value_column]`` (a pandas frame; ``mask`` selects the rows, default
    all), write it to their ``scale`` column and flag them :data:`GUESSED`; returns the guess."""
    sel = slice(None) if mask is None else mask
    guess = guess_fraction_or_percent(rows.loc[sel, value_column], convention, column)
    rows.loc[sel, "scale"] = guess.scale
    rows.loc[sel, GUESSED] = True
    return guess


def rescale_guessed(rows, scale: str | None):
    """``rows`` (a pandas frame) with the ``scale`` of every :data:`GUESSED` row set to ``scale``
    (the user's override); unchanged when ``scale`` is None or no row was guessed."""
    if scale and GUESSED in rows:
        rows.loc[rows[GUESSED].eq(True), "scale"] = scale
    return rows


#: evaluator names (folder ``eval=...`` or an ``evaluator`` field) that write exact-match 0/1 scores
BINARY_EVALUATORS = {"number", "string_match", "stringmatch", "exact_match", "substring", "contains"}
#: evaluator names that write the gkamradt LLM-judge 1-10 rubric
JUDGE_EVALUATORS = {"openai", "langchain", "anthropic", "judge", "gpt-4", "gpt4", "llm"}


@dataclass
class JudgeOrBinary:
    """The scale of a ``needlehaystack`` run: ``scale`` (None = the user must choose) and why."""

    scale: str | None
    evidence: str


def judge_or_binary(values, evaluator: str | None) -> JudgeOrBinary:
    """Scale of a ``needlehaystack`` package run (gkamradt 0.1.x; result_formats.md §4).

    The package's evaluators are LLM judges scoring 1-10 (rubric 1/3/5/7/10), so that is kept
    unless the file says otherwise: an evaluator named in the file or folder (``eval=number`` is
    TushaarGVS's exact-match 0/1 evaluator). Without one, a run of only 0s and 1s with a 0 in it is
    genuinely ambiguous (a 0 is impossible on the 1-10 rubric, yet the harness defines the judge):
    ``scale`` is None and the user must choose. A run of only 1s stays judge 1-10 (= 0%).
    """
    name = (evaluator or "").strip().lower()
    if name in BINARY_EVALUATORS:
        return JudgeOrBinary("binary", f"evaluator {evaluator!r} writes exact-match 0/1")
    if name in JUDGE_EVALUATORS:
        return JudgeOrBinary("judge_1_10", f"evaluator {evaluator!r} is an LLM judge 1-10")
    vals = {float(v) for v in values if v is not None and v == v}
    said = f"unknown evaluator {evaluator!r}; " if name else "no evaluator in the file; "
    if vals and vals <= {0.0, 1.0} and 0.0 in vals:
        return JudgeOrBinary(None, said + "only 0s and 1s: binary 0/1, or a 1-10 judge with 0s? Choose the scale")
    return JudgeOrBinary("judge_1_10", said + "the package's judge 1-10 is kept"
                         + (" (every score is 1 = 0%)" if vals == {1.0} else ""))
