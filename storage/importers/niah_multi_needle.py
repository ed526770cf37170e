"""F5: multi-needle NIAH run CSV, a LangSmith export (gkamradt ``viz/multi-needle-datasets``).

One row per test: ``context length`` (tokens), ``depth %`` (depth of the **first** needle; the others
are spread towards the end, see ``insertion_percentages``), ``total needles`` (1, 3 or 10),
``retrieved needles`` and ``fract per turn`` = retrieved / total (the retrieval score, 0-1).
``needles`` and ``insertion_percentages`` are Python list literals (single quotes), read with
:func:`ast.literal_eval`. Stale pandas index columns (``""``, ``Unnamed: 0``...) are ignored.

Runs: one per (model, total needles) in a file (benchmark ``niah_multi_needle``, the needle count
in the run key and config), since retrieving 1 and 10 needles are different tasks; repeated tests
of a cell are trials (see docs/result_formats.md §5).
"""
from __future__ import annotations

import ast

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

FORMAT = "niah_multi_needle"
LABEL = "NIAH multi-needle run CSV (LangSmith export, gkamradt)"
PRIORITY = 10

NUMERIC = {"depth %": "float", "context length": "int", "retrieved needles": "float",
           "total needles": "int", "fract per turn": "float"}
REQUIRED = ["model name", *NUMERIC, "needles", "insertion_percentages"]


def detect(src: SourceFile) -> bool:
    """A CSV whose header names ``run_name`` and ``total needles``."""
    first = src.head(4096).split("\n", 1)[0]
    return src.suffix == ".csv" and "run_name" in first and "total needles" in first


def numeric_column(src: SourceFile, df: pd.DataFrame, col: str, kind: str) -> pd.Series:
    """``df[col]`` as numbers. Raises FormatError naming the first bad row (1-based) and column."""
    values = pd.to_numeric(df[col].replace("", None), errors="coerce")
    bad = values.isna() | ((values % 1 != 0) if kind == "int" else False)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise src.error(f"row {i + 1}, column '{col}'", f"expected {'an integer' if kind == 'int' else 'a number'}, "
                                                         f"found {df[col].iloc[i]!r:.60}")
    return values.astype("int64") if kind == "int" else values.astype("float64")


def _literal_list(src: SourceFile, df: pd.DataFrame, col: str, item: type | tuple) -> list[list]:
    """Python list literals of ``col``. Raises FormatError naming the first bad row and column."""
    out = []
    for i, text in enumerate(df[col], start=1):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError):
            value = None
        if not isinstance(value, list) or not all(isinstance(v, item) and not isinstance(v, bool) for v in value):
            raise src.error(f"row {i}, column '{col}'", f"expected a Python list literal, found {text!r:.60}")
        out.append(value)
    return out


def parse(src: SourceFile) -> list[ParsedFile]:
    """One run per (model name, total needles), every row a trial.

    Raises:
        FormatError: a missing column, a non-numeric value, a list column that is not a Python
            list literal, an empty model name, depth outside 0-100, or ``fract per turn`` not in
            0..1 (names the row, 1-based, and the column).
    """
    df = src.dataframe(dtype=str)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise src.error(f"column '{missing[0]}'", f"missing (header has: {', '.join(map(str, df.columns))[:200]})")
    num = {c: numeric_column(src, df, c, kind) for c, kind in NUMERIC.items()}
    for col, lo, hi in (("depth %", 0, 100), ("fract per turn", 0, 1)):
        out = ~num[col].between(lo, hi)
        if out.any():
            i = int(out.to_numpy().argmax())
            raise src.error(f"row {i + 1}, column '{col}'", f"{num[col].iloc[i]} is outside {lo}..{hi}")
    empty = df["model name"].str.strip() == ""
    if empty.any():
        raise src.error(f"row {int(empty.to_numpy().argmax()) + 1}, column 'model name'", "empty")
    needles = _literal_list(src, df, "needles", str)
    positions = _literal_list(src, df, "insertion_percentages", (int, float))
    trials = pd.DataFrame(
        {
            "context_length": num["context length"],
            "depth_percent": num["depth %"],
            "score_raw": num["fract per turn"],
            "needle": ["\n".join(n.strip() for n in ns) for ns in needles],
            "response": df["answer"] if "answer" in df else None,
            "source_file": src.name,
            "extra": [
                {"needles": ns, "insertion_percentages": ps, "retrieved_needles": r, "total_needles": t,
                 **{k: df[k].iloc[i] for k in ("run_name", "run_url") if k in df}}
                for i, (ns, ps, r, t) in enumerate(zip(needles, positions, num["retrieved needles"], num["total needles"]))
            ],
        }
    )
    parsed = []
    for (model, total), rows in trials.groupby([df["model name"], num["total needles"]], sort=True):
        parsed.append(
            ParsedFile(
                format=FORMAT,
                run_key=f"{FORMAT}:{src.path}:{model}:{total}",
                benchmark="niah_multi_needle",
                score_scale="frac_0_1",
                length_unit="tokens",
                tokenizer="tested model's provider tokenizer (not recorded)",
                model=model,
                model_source="field",
                evaluator="LangSmith multi-needle evaluator (retrieved / total needles)",
                config={"total_needles": int(total)},
                inferred={
                    "score": "fract per turn = retrieved / total needles (0-1)",
                    "depth percent": "depth of the first needle; the others are in extra.insertion_percentages",
                },
                niah_trials=rows.reset_index(drop=True),
            )
        )
    return parsed
