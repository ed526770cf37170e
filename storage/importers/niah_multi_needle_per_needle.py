"""Per-needle multi-needle NIAH CSV, a LangSmith export (gkamradt ``viz/multi-needle-datasets/*_per_needle.csv``).

One row per needle of a multi-needle test: ``needle`` (the sentence), ``needle point`` (the
ingredient it names), ``insertion %`` (depth of this needle, 0-100), ``context size`` (tokens),
``retrieved_needles_check`` (1 if the answer named this needle, else 0), ``total_needles`` (needles
in the test), ``run name`` (``<context>-<first-needle depth>--<model>--multi-needle-eval-...--<hash>``),
``run_url`` and ``retrieved_needles`` (the test's retrieved count, repeated on each of its rows).
A leading unnamed pandas index column is ignored.

Every row is a trial scored 0/1 at its own needle's depth, so a heatmap shows retrieval per needle
position (the per-run export, ``niah_multi_needle``, keeps only the first needle's depth). Runs: one
per (model, total needles), as for the per-run export; the model is read from the run name.
"""
from __future__ import annotations

import re

import pandas as pd

from storage.importers.niah_multi_needle import numeric_column
from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

FORMAT = "niah_multi_needle_per_needle"
LABEL = "NIAH multi-needle per-needle CSV (LangSmith export, gkamradt)"
PRIORITY = 10

NUMERIC = {"insertion %": "float", "context size": "int", "retrieved_needles_check": "int", "total_needles": "int"}
REQUIRED = ["needle", "run name", *NUMERIC]
#: ``120000-5--gpt-4-0125-preview--multi-needle-eval-pizza-3--0ae4``
RUN_NAME_RE = re.compile(r"^(?P<context>\d+)-(?P<depth>\d+(?:\.\d+)?)--(?P<model>.+?)--multi-needle-eval-")


def detect(src: SourceFile) -> bool:
    """A CSV whose header names ``retrieved_needles_check`` and ``run name``."""
    first = src.head(4096).split("\n", 1)[0]
    return src.suffix == ".csv" and "retrieved_needles_check" in first and "run name" in first


def parse(src: SourceFile) -> list[ParsedFile]:
    """One run per (model, total needles); every needle row a 0/1 trial at its insertion depth.

    Raises:
        FormatError: a missing column, a non-numeric value, a check other than 0/1, a depth outside
            0-100, or a run name without ``<context>-<depth>--<model>--multi-needle-eval-`` (names the
            row, 1-based, and the column).
    """
    df = src.dataframe(dtype=str)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise src.error(f"column '{missing[0]}'", f"missing (header has: {', '.join(map(str, df.columns))[:200]})")
    num = {c: numeric_column(src, df, c, kind) for c, kind in NUMERIC.items()}
    for col, ok in (("retrieved_needles_check", num["retrieved_needles_check"].isin([0, 1])),
                    ("insertion %", num["insertion %"].between(0, 100)), ("total_needles", num["total_needles"] >= 1)):
        if not ok.all():
            i = int((~ok).to_numpy().argmax())
            raise src.error(f"row {i + 1}, column '{col}'", f"{num[col].iloc[i]} is not allowed "
                            f"({'0 or 1' if col == 'retrieved_needles_check' else '0..100' if col == 'insertion %' else '>= 1'})")
    names = [RUN_NAME_RE.match(n) for n in df["run name"]]
    if not all(names):
        i = next(k for k, m in enumerate(names) if m is None)
        raise src.error(f"row {i + 1}, column 'run name'", f"expected <context>-<depth>--<model>--multi-needle-eval-..., "
                                                          f"found {df['run name'].iloc[i]!r:.80}")
    models = pd.Series([m.group("model") for m in names], index=df.index)
    retrieved = pd.to_numeric(df["retrieved_needles"], errors="coerce") if "retrieved_needles" in df else None
    trials = pd.DataFrame({
        "context_length": num["context size"],
        "depth_percent": num["insertion %"],
        "score_raw": num["retrieved_needles_check"].astype("float64"),
        "needle": df["needle"].str.strip(),
        "source_file": src.name,
        "extra": [{"run_name": df["run name"].iloc[i], "needle_point": df["needle point"].iloc[i] if "needle point" in df else None,
                   "run_url": df["run_url"].iloc[i] if "run_url" in df else None,
                   "first_needle_depth": float(m.group("depth")), "total_needles": int(num["total_needles"].iloc[i]),
                   "retrieved_needles": None if retrieved is None else float(retrieved.iloc[i])}
                  for i, m in enumerate(names)],
    })
    parsed = []
    for (model, total), rows in trials.groupby([models, num["total_needles"]], sort=True):
        per_test = df.loc[rows.index].groupby("run name")
        notes = [f"{name}: {len(g)} needle rows for {total} needles" for name, g in per_test if len(g) != total]
        if retrieved is not None:
            checks = num["retrieved_needles_check"].loc[rows.index].groupby(df.loc[rows.index, "run name"]).sum()
            counts = retrieved.loc[rows.index].groupby(df.loc[rows.index, "run name"]).first()
            notes += [f"{name}: retrieved_needles {counts[name]:g} but {checks[name]} needle rows checked"
                      for name in checks.index if checks[name] != counts[name]]
        parsed.append(ParsedFile(
            format=FORMAT,
            run_key=f"{FORMAT}:{src.path}:{model}:{total}",
            benchmark="niah_multi_needle",
            score_scale="binary",
            length_unit="tokens",
            tokenizer="tested model's provider tokenizer (not recorded)",
            model=model,
            model_source="field",
            evaluator="LangSmith multi-needle evaluator (retrieved_needles_check per needle)",
            config={"total_needles": int(total), "unit": "one trial per needle"},
            inferred={"model": f"{model} (from the 'run name' column)",
                      "score": "retrieved_needles_check: 1 when the answer named this needle",
                      "depth percent": "insertion % of this needle (not of the test's first needle)"},
            notes=notes,
            niah_trials=rows.reset_index(drop=True),
        ))
    return parsed
