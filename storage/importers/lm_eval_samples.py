"""lm-evaluation-harness per-sample logs ``samples_<task>_<date>.jsonl`` (``--log_samples``, v0.4+).

``lm_eval/evaluator.py`` writes one object per document and filter::

    {"doc_id": int, "doc": {...}, "target": ..., "arguments": [...], "resps": [...],
     "filtered_resps": [...], "filter": "none", "metrics": ["acc", ...],
     "doc_hash": str, "prompt_hash": str, "target_hash": str, "acc": 1.0, ...}

the per-sample metric values sit at the top level under the names listed in ``metrics`` (older
versions have no ``metrics`` list: every other top-level number is a metric). The file sits beside
``results_<date>.json`` in ``<output_path>/<model name with / -> __>/``, so the model is the folder
name and the samples join the results' run (``storage.importers.lm_eval``). Lengths are read where
the document has them: ``doc.length`` (tokens; lm-eval's ``ruler`` tasks) and ``doc.max_length``
(the sequence length the sample was built for).

Each sample's score is its first metric (0-1 unless the values say otherwise, guessed per metric
from the values, ``storage.scales.guess_fraction_or_percent``); every metric is kept in ``extra``.
"""
from __future__ import annotations

import json
import re

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.prediction_layout import model_from_folder
from storage.importers.source import SourceFile, require
from storage.scales import guess_rows

FORMAT = "lm_eval_samples"
LABEL = "lm-evaluation-harness per-sample log samples_<task>_<date>.jsonl (--log_samples)"
PRIORITY = 15
#: the path contributes the model folder (and the file name the task; storage.identity)
PATH_FOLDERS = 1

NAME_RE = re.compile(r"^samples_(.+)_(\d{4}-\d{2}-\d{2}T[\d.\-]+)$")
#: top-level keys of a logged sample that are not metric values
FIELDS = {"doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "filter", "metrics",
          "doc_hash", "prompt_hash", "target_hash"}
LOWER_IS_BETTER_WORDS = ("perplexity", "bits_per_byte")


def detect(src: SourceFile) -> bool:
    """A ``.jsonl`` whose first object has ``doc_id``, ``arguments`` and ``filtered_resps``."""
    if src.suffix != ".jsonl":
        return False
    first = src.first_json_line()
    return first is not None and all(k in first for k in ("doc_id", "arguments", "filtered_resps"))


def _metrics(obj: dict) -> dict[str, float | None]:
    """``{metric: value}`` of one sample; a non-number value (e.g. perplexity's (loglik, words)
    pair, aggregated only over the whole task) is None."""
    names = obj["metrics"] if isinstance(obj.get("metrics"), list) else [k for k in obj if k not in FIELDS]
    out = {}
    for name in names:
        value = obj.get(name)
        if isinstance(value, bool):
            value = float(value)
        out[name] = float(value) if isinstance(value, (int, float)) else None
    return out


def _length(doc: dict, key: str, src: SourceFile, line: int) -> int | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise src.error(f"line {line}, field 'doc.{key}'", f"expected an integer token count, found {value!r:.40}")
    return value


def parse(src: SourceFile) -> list[ParsedFile]:
    """One sample per line; ``score_raw`` = the first metric's value, all metrics in ``extra``.

    Raises:
        FormatError: bad JSON, a line without ``doc_id`` (integer), a ``doc`` that is not an
            object, a non-integer ``doc.length`` / ``doc.max_length``, or no line (names the line).
    """
    m = NAME_RE.match(src.stem)
    task = m.group(1) if m else src.stem
    records, metric_names = [], {}
    for i, obj in enumerate(src.jsonl(), start=1):
        doc_id = require(src, obj, "doc_id", int, f"line {i}, ")
        doc = obj.get("doc") if obj.get("doc") is not None else {}
        if not isinstance(doc, dict):
            raise src.error(f"line {i}, field 'doc'", f"expected an object, found {type(doc).__name__}")
        metrics = _metrics(obj)
        first = next(iter(metrics), None)
        metric_names.update(dict.fromkeys(metrics))
        filtered = obj.get("filtered_resps")
        pred = filtered[0] if isinstance(filtered, list) and filtered and isinstance(filtered[0], str) else None
        length, max_length = _length(doc, "length", src, i), _length(doc, "max_length", src, i)
        records.append({
            "task": task, "row_index": len(records), "sample_id": str(doc_id), "prediction": pred,
            "reference": json.dumps(obj.get("target"), ensure_ascii=False, default=str),
            "length_value": length if length is not None else max_length,
            "length_label": None if max_length is None else str(max_length),
            "score_raw": metrics.get(first) if first else None,
            "metric": first,
            "extra": {"metrics": metrics, "filter": obj.get("filter"), "doc_hash": obj.get("doc_hash"),
                      "prompt_hash": obj.get("prompt_hash")},
        })
    if not records:
        raise src.error(None, "no samples in the file")
    samples = pd.DataFrame(records)
    samples["scale"] = None
    samples["scorer"] = None
    lower = samples["metric"].fillna("").str.contains("|".join(LOWER_IS_BETTER_WORDS))
    samples.loc[lower, "scale"] = "perplexity"
    guesses = [guess_rows(samples, "score_raw", "frac_0_1", f"{src.name} metric {name!r}",
                          mask=(samples["metric"] == name) & ~lower & samples["score_raw"].notna())
               for name in dict.fromkeys(samples.loc[~lower & samples["score_raw"].notna(), "metric"])]
    folder = model_from_folder(src, "<output_path>/<model with / as __>/samples_<task>_<date>.jsonl")
    model = folder.model.replace("__", "/") if folder.model else None
    has_length = samples["length_value"].notna().any()
    notes = list(folder.notes)
    if samples["score_raw"].isna().any():
        notes.append(f"{int(samples['score_raw'].isna().sum())} sample(s) without a per-sample number metric: stored unscored")
    return [ParsedFile(
        format=FORMAT,
        run_key=f"lm_eval:{src.folder}:{model or src.path}",
        benchmark="ruler" if has_length else "lm_eval",
        score_scale=guesses[0].scale if guesses else "frac_0_1",
        scale_guesses=guesses,
        length_unit="tokens" if has_length else None,
        tokenizer="evaluated model's tokenizer (lm-eval counts doc lengths with the model's tokenizer)" if has_length else None,
        model=model,
        model_source=folder.source,
        evaluator="lm-evaluation-harness (per-sample metrics as logged)",
        config={"lm_eval_samples": {task: list(metric_names)}},
        inferred={**({"model": f"{model} (folder name, '__' read as '/')"} if model else folder.inferred),
                  "task": f"{task} (file name samples_<task>_<date>.jsonl)" if m else f"{task} (file name)"},
        notes=notes,
        samples=samples.drop(columns=["metric"]),
    )]
