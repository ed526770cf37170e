"""F14: wide "model x length" CSV (jquesnelle/yarn ``eval/perplexity.py`` / ``eval/passkey.py --output-file``).

Header: an empty first cell, then evaluation lengths in tokens (each model's own tokenizer). Each
row: a model id, then one value per length: Proof-pile **perplexity** (lower is better) or
**passkey accuracy** 0-1; ``govreport.csv`` holds GovReport perplexity at one length (32,768). The metric is
only in the file name. Rows may be shorter than the header
(lengths not evaluated) and cells may be empty: both are skipped, never stored as 0. Each model row
is its own run. See docs/result_formats.md §12.
"""
from __future__ import annotations

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

FORMAT = "wide_model_length_csv"
LABEL = "Wide model x length CSV (YaRN Proof-pile / GovReport perplexity, passkey)"
PRIORITY = 40

#: file-name word -> (task, metric, scale)
METRIC_BY_NAME = {"proofpile": ("proofpile", "perplexity", "perplexity"),
                  "govreport": ("govreport", "perplexity", "perplexity"),
                  "passkey": ("passkey", "accuracy", "frac_0_1")}
TOKENIZER = "each evaluated model's tokenizer (YaRN eval scripts tokenise with the model's tokenizer)"


def detect(src: SourceFile) -> bool:
    """CSV with an empty first header cell, integer header labels and a non-numeric first cell
    on the second line."""
    if src.suffix != ".csv":
        return False
    lines = src.head(65536).splitlines()
    if len(lines) < 2:
        return False
    header = lines[0].split(",")
    first = lines[1].split(",", 1)[0]
    return header[0] == "" and len(header) > 1 and all(h.strip().isdigit() for h in header[1:]) and not _is_number(first)


def parse(src: SourceFile) -> list[ParsedFile]:
    """One :class:`ParsedFile` per model row, one task score per non-empty cell.

    Raises:
        FormatError: no ``proofpile``/``govreport``/``passkey`` in the file name (names the file name), a header
            label that is not an integer, a row longer than the header, an empty model cell or a
            non-numeric value (names the line and length).
    """
    lower = src.name.lower()
    kind = next((v for k, v in METRIC_BY_NAME.items() if k in lower), None)
    if kind is None:
        raise src.error("file name", f"cannot tell the metric: the name contains none of {', '.join(METRIC_BY_NAME)}")
    task, metric, scale = kind
    rows = src.csv_rows()
    header = rows[0]
    lengths = []
    for j, label in enumerate(header[1:], start=2):
        if not label.strip().isdigit():
            raise src.error(f"line 1, column {j}", f"length label {label!r} is not an integer")
        lengths.append(int(label))
    out = []
    for i, row in enumerate(rows[1:], start=2):
        if not row or not any(c.strip() for c in row):
            continue
        model = row[0].strip()
        if not model:
            raise src.error(f"line {i}", "empty model cell")
        if len(row) > len(header):
            raise src.error(f"line {i}", f"{len(row)} cells but the header has {len(header)}")
        records = []
        for length, cell in zip(lengths, row[1:]):
            if not cell.strip():
                continue
            if not _is_number(cell):
                raise src.error(f"line {i}, length {length}", f"value {cell!r:.40} is not a number")
            records.append({"task": task, "metric": metric, "length_value": length, "length_label": str(length),
                            "scale": scale, "value_raw": float(cell)})
        if not records:
            continue
        notes = []
        if len(records) < len(lengths):
            notes.append(f"{model}: {len(lengths) - len(records)} of {len(lengths)} lengths not evaluated (short row or empty cells)")
        out.append(ParsedFile(
            format=FORMAT,
            run_key=f"{FORMAT}:{src.path}:{model}",
            benchmark=task,
            score_scale=scale,
            length_unit="tokens",
            tokenizer=TOKENIZER,
            model=model,
            model_source="field",
            evaluator="YaRN eval/perplexity.py (sliding window)" if metric == "perplexity" else "YaRN eval/passkey.py",
            inferred={"model": f"{model} (first cell of line {i})",
                      "metric": f"{metric} (file name {src.name!r} contains {task!r})"},
            notes=notes,
            task_scores=pd.DataFrame(records),
        ))
    if not out:
        raise src.error(None, "no model row with a value")
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
