"""F17: HELMET website leaderboard CSV (princeton-nlp/HELMET ``gh-pages`` ``data/agg_results.csv``).

Header ``Model, Context Window (K), # Params (B), Model type, Recall, RAG, ICL, Cite, Re-rank, LongQA,
Summ, Average``: one row per model, HELMET's seven category averages (0-100, one decimal) and their
mean. The evaluation length is **not in the file**: the project page's caption says 128K input
tokens, so that is the documented default, shown in the upload preview where the user can change it
(:func:`set_evaluation_length`). ``Context Window (K)`` is the model's *claimed* window (metadata,
never the test length). Model names are display names (``Llama-3.1-8B-Inst``), not Hugging Face ids:
the preview's Model field maps them. Columns are matched by name; unknown columns go to ``extra``.
See docs/result_formats.md §19 (F17).
"""
from __future__ import annotations

import pandas as pd

from analysis.lengths import format_length
from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

FORMAT = "helmet_leaderboard"
LABEL = "HELMET website leaderboard CSV (categories x models, one input length)"
PRIORITY = 30

CATEGORIES = ["Recall", "RAG", "ICL", "Cite", "Re-rank", "LongQA", "Summ"]
METADATA = {"Context Window (K)": "claimed_context_window_k", "# Params (B)": "params_b", "Model type": "model_type"}
MODEL_TYPES = {"♯": "instruction-tuned", "♭": "base"}
#: the HELMET project page's caption: "results at 128K input tokens" (HELMET's input_max_length 131072)
DEFAULT_LENGTH = 131072
TOKENIZER = "evaluated model's tokenizer (HELMET truncates inputs to input_max_length tokens)"


def detect(src: SourceFile) -> bool:
    """CSV whose header starts with ``Model`` and names at least five of the seven categories."""
    if src.suffix != ".csv":
        return False
    header = [h.strip() for h in src.head(4096).splitlines()[0].split(",")] if src.head(4096) else []
    return bool(header) and header[0] == "Model" and len(set(header) & set(CATEGORIES)) >= 5


def parse(src: SourceFile) -> list[ParsedFile]:
    """One run per model row: a task score per category at :data:`DEFAULT_LENGTH` tokens.

    Raises:
        FormatError: a missing category column (names it), an empty model cell, or a category
            cell that is neither a number nor empty (names line and column).
    """
    df = src.dataframe(dtype=str)
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in CATEGORIES if c not in df.columns]
    if missing:
        raise src.error(f"column '{missing[0]}'", f"missing (HELMET categories: {', '.join(CATEGORIES)})")
    known = {"Model", "Average", *CATEGORIES, *METADATA}
    unknown = [c for c in df.columns if c not in known]
    out = []
    for i, row in enumerate(df.to_dict("records"), start=2):
        model = (row.get("Model") or "").strip()
        if not model:
            raise src.error(f"line {i}, column 'Model'", "empty model name")
        records = []
        for cat in CATEGORIES:
            cell = (row[cat] or "").strip()
            if not cell:
                continue
            records.append({"task": cat, "metric": "score", "length_value": float(DEFAULT_LENGTH), "length_label": "128K",
                            "scale": "pct_0_100", "value_raw": _number(src, cell, i, cat)})
        meta = {key: (row.get(col) or "").strip() for col, key in METADATA.items() if col in row}
        if "model_type" in meta:
            meta["model_type"] = MODEL_TYPES.get(meta["model_type"], meta["model_type"])
        average = (row.get("Average") or "").strip()
        extra = {**meta, "published_average": _number(src, average, i, "Average") if average else None,
                 **{c: row[c] for c in unknown}}
        for r in records:
            r["extra"] = extra
        out.append(ParsedFile(
            format=FORMAT,
            run_key=f"{FORMAT}:{src.path}:{model}",
            benchmark="helmet",
            score_scale="pct_0_100",
            length_unit="tokens",
            tokenizer=TOKENIZER,
            model=model,
            model_source="field",
            evaluator="HELMET category averages (project website table)",
            config={"evaluation_length": {"tokens": DEFAULT_LENGTH, "source": "documented default"}, **meta},
            inferred={"model": f"{model} (column Model, line {i}: a display name, not a Hugging Face id; map it)",
                      "length": "128K input tokens: documented default (HELMET website caption), not in the file; "
                                "change it below. 'Context Window (K)' is the claimed window, not the test length",
                      "scale": "0-100 for every category column (documented)"},
            notes=[f"unknown columns kept in extra: {', '.join(unknown)}"] if unknown else [],
            task_scores=pd.DataFrame(records),
        ))
    if not out:
        raise src.error(None, "no model row")
    return out


def set_evaluation_length(part: ParsedFile, tokens: int) -> None:
    """Set the evaluation length (input tokens) of a parsed leaderboard run, as the user gave it.

    Raises:
        ValueError: ``tokens`` not a positive integer, or ``part`` not from this importer.
    """
    if part.format != FORMAT:
        raise ValueError(f"not a {FORMAT} run: {part.format}")
    if int(tokens) != tokens or tokens <= 0:
        raise ValueError(f"evaluation length must be a positive number of tokens, got {tokens!r}")
    part.task_scores = part.task_scores.assign(length_value=float(tokens), length_label=format_length(tokens))
    source = "documented default" if tokens == DEFAULT_LENGTH else "given by the user"
    part.config["evaluation_length"] = {"tokens": int(tokens), "source": source}
    part.inferred["length"] = f"{format_length(tokens)} input tokens ({source}; not in the file)"


def _number(src: SourceFile, cell: str, line: int, column: str) -> float:
    try:
        return float(cell)
    except ValueError:
        raise src.error(f"line {line}, column '{column}'", f"not a number: {cell!r:.40}") from None
