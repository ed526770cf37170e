"""F22: LongGenBench results CSV (mozhu621/LongGenBench ``Evalution/results/accuracy_results.csv``;
documented from the repository, no file shipped).

Header ``Model, Completion Rate, Accuracy Once, Accuracy Range, Accuracy Periodic, Average Accuracy``.
``Model`` fuses the model and the maximum **generation** length: ``<model>_maxlen16000`` or, for API
models, ``<model>_16K``; it is split and the length stored as output tokens (unit ``output_tokens``).
Columns mix scales in one row: ``Completion Rate`` is 0-100, the accuracies 0-1. The scale is decided
per column (documented columns: as documented, checked against the values; other columns: 0-1 when
every value is within 0-1, else 0-100) and shown in the preview. ``Average Accuracy`` (the mean of the
three accuracies) is kept in ``extra``, not stored as a fourth task. One run per model.
See docs/result_formats.md §19 (F22).
"""
from __future__ import annotations

import re

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

FORMAT = "longgenbench"
LABEL = "LongGenBench accuracy_results.csv (model + generation length fused; mixed 0-100 / 0-1)"
PRIORITY = 30

HEADER = ["Model", "Completion Rate", "Accuracy Once", "Accuracy Range", "Accuracy Periodic"]
#: documented column -> scale
DOCUMENTED = {"Completion Rate": "pct_0_100", "Accuracy Once": "frac_0_1", "Accuracy Range": "frac_0_1",
              "Accuracy Periodic": "frac_0_1"}
AVERAGE = "Average Accuracy"
MODEL_RE = re.compile(r"^(?P<model>.+?)_(?:maxlen(?P<tokens>\d+)|(?P<k>\d+)[kK])$")


def detect(src: SourceFile) -> bool:
    """CSV whose header starts ``Model,Completion Rate,Accuracy Once``."""
    header = [h.strip() for h in src.head(1024).split("\n", 1)[0].split(",")]
    return src.suffix == ".csv" and header[:3] == HEADER[:3]


def split_model(cell: str) -> tuple[str, int]:
    """``Qwen2-7B_maxlen16000`` -> ('Qwen2-7B', 16000); ``GPT_4o_mini_16K`` -> ('GPT_4o_mini', 16000).

    Raises:
        ValueError: no ``_maxlen<N>`` or ``_<N>K`` suffix.
    """
    m = MODEL_RE.match(cell.strip())
    if not m:
        raise ValueError(f"{cell!r} does not end in _maxlen<tokens> or _<N>K")
    return m["model"], int(m["tokens"]) if m["tokens"] else int(m["k"]) * 1000


def column_scales(df: pd.DataFrame, columns: list[str]) -> dict[str, tuple[str, str]]:
    """Scale of each value column with the reason: documented, or decided from its values."""
    out = {}
    for c in columns:
        values = pd.to_numeric(df[c], errors="coerce").dropna()
        top = float(values.max()) if len(values) else 0.0
        if c in DOCUMENTED:
            out[c] = (DOCUMENTED[c], f"documented ({'0-100' if DOCUMENTED[c] == 'pct_0_100' else '0-1'}); max {top:g}")
        else:
            scale = "frac_0_1" if values.between(0, 1).all() else "pct_0_100"
            out[c] = (scale, f"decided from the values: max {top:g}")
    return out


def parse(src: SourceFile) -> list[ParsedFile]:
    """One run per model, one task score per (value column, generation length).

    Raises:
        FormatError: a missing documented column, a Model cell without a length suffix, a
            non-numeric cell, or a documented 0-1 column with a value above 1 (names line and column).
    """
    df = src.dataframe(dtype=str)
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in HEADER if c not in df.columns]
    if missing:
        raise src.error(f"column '{missing[0]}'", "missing")
    value_cols = [c for c in df.columns if c not in ("Model", AVERAGE)]
    for c in value_cols + ([AVERAGE] if AVERAGE in df else []):
        for i, cell in enumerate(df[c], start=2):
            if cell.strip():
                try:
                    float(cell)
                except ValueError:
                    raise src.error(f"line {i}, column '{c}'", f"not a number: {cell!r:.40}") from None
    scales = column_scales(df, value_cols)
    for c, (scale, _) in scales.items():
        if scale == "frac_0_1" and (pd.to_numeric(df[c], errors="coerce") > 1).any():
            i = int((pd.to_numeric(df[c], errors="coerce") > 1).to_numpy().nonzero()[0][0]) + 2
            raise src.error(f"line {i}, column '{c}'", f"{df[c].iloc[i - 2]} is above 1 in a 0-1 column: not rescaled")
    runs: dict[str, dict] = {}
    for i, row in enumerate(df.to_dict("records"), start=2):
        try:
            model, tokens = split_model(row["Model"])
        except ValueError as exc:
            raise src.error(f"line {i}, column 'Model'", str(exc)) from None
        run = runs.setdefault(model, {"records": [], "lines": []})
        run["lines"].append(f"{row['Model']} -> {model} + {tokens:,} output tokens (line {i})")
        extra = {AVERAGE: float(row[AVERAGE]) if row.get(AVERAGE, "").strip() else None, "model_cell": row["Model"]}
        for c in value_cols:
            if row[c].strip():
                run["records"].append({"task": c, "metric": c.lower().replace(" ", "_"), "length_value": float(tokens),
                                       "length_label": f"{tokens:,}", "scale": scales[c][0],
                                       "value_raw": float(row[c]), "extra": extra})
    scale_text = "; ".join(f"{c}: {'0-100' if s == 'pct_0_100' else '0-1'} ({why})" for c, (s, why) in scales.items())
    return [ParsedFile(
        format=FORMAT, run_key=f"{FORMAT}:{src.path}:{model}", benchmark="longgenbench",
        score_scale="frac_0_1", length_unit="output_tokens",
        tokenizer="maximum generation length as configured (max_new_tokens)", model=model, model_source="field",
        evaluator="LongGenBench checks (once / range / periodic)",
        inferred={"model": "; ".join(r["lines"]) + " (Model column split)",
                  "length": "maximum generation length in output tokens (from the Model cell), not an input length",
                  "scale per column": scale_text},
        task_scores=pd.DataFrame(r["records"]),
    ) for model, r in runs.items()]
