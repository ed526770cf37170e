"""F18: HELMET study CSVs: a KV-cache compression study run with HELMET (joie-zhang/HELMET ``results/``).

``helmet_results/helmet_{performance,memory_usage,throughput}.csv`` and
``longproc_results/longproc_{...}.csv``: every file starts with the key columns ``technique,
context_length, model, cache_size``, then one column per task. One row is one run: a model under one
KV-cache method (``technique``: baseline, INT4, INT8, snapkv, pyramidkv, streamingllm, duoattn, ...)
with one setting (``cache_size``) at one length, so the run identity is all four key columns; the
three files of a folder merge into that run by the key (never by position: their columns differ).

* ``*_performance.csv``: HELMET's averaged metrics, unrounded, 0-100 (values below 1 are real
  near-zero scores, not fractions);
* ``*_memory_usage.csv``: peak GPU memory in GB and ``*_throughput.csv``: samples per second, stored
  as measures (scales ``gigabytes`` / ``samples_per_s``), never averaged with the scores;
* ``context_length``: ``16k``/``32k`` input tokens in ``helmet_*`` files; in ``longproc_*`` files
  ``2k``/``5k``/``8k`` is LongProc's *output* length setting (unit ``output_tokens``);
* empty cell = not run (skipped, never 0).

See docs/result_formats.md §19 (F18).
"""
from __future__ import annotations

import re

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

FORMAT = "helmet_study"
LABEL = "HELMET KV-cache study CSV (technique x length x model x cache setting)"
PRIORITY = 30

KEYS = ["technique", "context_length", "model", "cache_size"]
#: file-name word -> (metric, scale)
QUANTITIES = {"performance": ("score", "pct_0_100"), "memory_usage": ("peak_memory_gb", "gigabytes"),
              "throughput": ("throughput", "samples_per_s")}
LENGTH_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kK]?)$")
TOKENIZER = "evaluated model's tokenizer (HELMET truncates inputs to input_max_length tokens)"


def detect(src: SourceFile) -> bool:
    """CSV whose header starts ``technique,context_length,model,cache_size``."""
    return src.suffix == ".csv" and src.head(512).lstrip().startswith(",".join(KEYS))


def parse(src: SourceFile) -> list[ParsedFile]:
    """One :class:`ParsedFile` per row (run key = folder + suite + the four key columns).

    Raises:
        FormatError: no quantity word in the file name, a missing key column, a duplicated key,
            an unreadable ``context_length`` label or a non-numeric cell (names line and column).
    """
    quantity = next((q for q in QUANTITIES if q in src.stem), None)
    if quantity is None:
        raise src.error("file name", f"cannot tell the quantity: the name contains none of {', '.join(QUANTITIES)}")
    metric, scale = QUANTITIES[quantity]
    suite = "longproc" if src.stem.startswith("longproc") else "helmet"
    df = src.dataframe(dtype=str)
    missing = [k for k in KEYS if k not in df.columns]
    if missing:
        raise src.error(f"column '{missing[0]}'", "missing (key columns: " + ", ".join(KEYS) + ")")
    tasks = [c for c in df.columns if c not in KEYS]
    dup = df.duplicated(KEYS, keep=False)
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][1]) + 2
        raise src.error(f"line {i}", "duplicated key (technique, context_length, model, cache_size): rows would merge")
    length_unit = "output_tokens" if suite == "longproc" else "tokens"
    kind = ("LongProc output length setting (output tokens, k = 1024)" if suite == "longproc"
            else "HELMET input length (tokens, k = 1024)")
    out = []
    for i, row in enumerate(df.to_dict("records"), start=2):
        key = {k: (row[k] or "").strip() for k in KEYS}
        for k, v in key.items():
            if not v:
                raise src.error(f"line {i}, column '{k}'", "empty key cell")
        m = LENGTH_RE.match(key["context_length"])
        if not m:
            raise src.error(f"line {i}, column 'context_length'", f"length label {key['context_length']!r} is not like 16k")
        length = float(m.group(1)) * (1024 if m.group(2) else 1)
        records = []
        for task in tasks:
            cell = (row[task] or "").strip()
            if not cell:
                continue
            try:
                value = float(cell)
            except ValueError:
                raise src.error(f"line {i}, column '{task}'", f"not a number: {cell!r:.40}") from None
            records.append({"task": task, "metric": metric, "length_value": length, "length_label": key["context_length"],
                            "scale": scale, "value_raw": value})
        label = f"{key['model']} · {key['technique']} {key['cache_size']} · {key['context_length']}"
        out.append(ParsedFile(
            format=FORMAT,
            run_key=f"{FORMAT}:{src.folder}:{suite}:" + ":".join(key.values()),
            benchmark=suite,
            score_scale="pct_0_100",
            length_unit=length_unit,
            tokenizer=TOKENIZER,
            model=key["model"],
            model_source="field",
            label=label,
            evaluator="HELMET eval.py averaged metrics" if suite == "helmet" else "LongProc metrics (via HELMET)",
            config={"kv_cache_method": key["technique"], "kv_cache_setting": key["cache_size"],
                    "length_kind": kind},
            inferred={"model": f"{key['model']} (column model, line {i})",
                      "KV-cache method": f"{key['technique']} / {key['cache_size']} (columns technique, cache_size)",
                      "length": f"{key['context_length']}: {kind} (column context_length)",
                      f"{quantity}": f"{metric} on scale {scale} (file name {src.name!r})"},
            notes=[f"{len(tasks) - len(records)} of {len(tasks)} tasks not run (empty cells)"] if len(records) < len(tasks) else [],
            task_scores=pd.DataFrame(records, columns=["task", "metric", "length_value", "length_label", "scale", "value_raw"]),
        ))
    if not out:
        raise src.error(None, "no data row")
    return out
