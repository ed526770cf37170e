"""HELMET output JSON and its ``.json.score`` (princeton-nlp/HELMET ``eval.py``; documented from code only).

``eval.py`` writes ``<output_dir>/<dataset>_<tag>_<test_name>_in<input_len>_size<n>_shots<k>_samp<bool>
max<gen>min<min>t<temp>p<top_p>_chat<bool>_<seed>.json`` with ``{args, data, metrics,
averaged_metrics, throughput, memory_usage}`` and ``<same>.json.score`` = ``averaged_metrics``
only. Averaged metrics are the per-sample metrics' mean x 100, except keys containing ``_len``
(mean input/output lengths in tokens, kept in ``extra``, not stored as scores). The default
``output_dir`` is ``output/<basename of model_name_or_path>``, so a ``.score`` file's model is its
folder name. See docs/result_formats.md §15.
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile, require

FORMAT = "helmet"
LABEL = "HELMET output JSON / .json.score (princeton-nlp/HELMET eval.py)"
PRIORITY = 20

NAME_RE = re.compile(
    r"^(?P<prefix>.+)_in(?P<input_len>\d+)_size(?P<size>-?\d+|None)_shots(?P<shots>\d+)_samp(?P<samp>True|False)"
    r"max(?P<gen>\d+)min(?P<min>\d+)t(?P<t>[\d.]+)p(?P<p>[\d.]+)_chat(?P<chat>True|False)_(?P<seed>\d+)\.json(?:\.score)?$")
#: ``<dataset>_<tag>_<test_name>`` with HELMET's default tag ``eval`` (``eval_pop<k>`` for popqa)
PREFIX_RE = re.compile(r"^(?P<dataset>.+?)_(?P<tag>eval(?:_pop\d+)?)_(?P<test>.+)$")
TOKENIZER = "evaluated model's tokenizer (HELMET truncates inputs to input_max_length tokens)"


def detect(src: SourceFile) -> bool:
    """``*.json.score`` holding a JSON object, or a ``.json`` object starting with ``args`` whose
    tail has ``averaged_metrics``."""
    head = src.head(4096).lstrip()
    if not head.startswith("{"):
        return False
    if src.name.endswith(".json.score"):
        return True
    return src.suffix == ".json" and '"args"' in head[:200] and b'"averaged_metrics"' in src.tail_bytes(262144)


def parse(src: SourceFile) -> list[ParsedFile]:
    """Task scores from ``averaged_metrics`` (0-100) at the file name's input length; samples
    from ``data`` (full output only).

    Raises:
        FormatError: a file name without ``_in<input_len>_``, a non-numeric averaged metric
            (names the key), ``data`` not a list of objects, or ``args.input_max_length``
            disagreeing with the file name.
    """
    m = NAME_RE.match(src.name)
    if not m:
        raise src.error("file name", "expected HELMET's <dataset>_<tag>_<test>_in<input_len>_size<n>_shots<k>_..._<seed>.json")
    input_len = int(m.group("input_len"))
    obj = src.json()
    if not isinstance(obj, dict):
        raise src.error(None, f"expected a JSON object, found {type(obj).__name__}")
    is_score = src.name.endswith(".json.score")
    averaged = obj if is_score else require(src, obj, "averaged_metrics", dict)
    args = {} if is_score else require(src, obj, "args", dict)
    inferred: dict[str, str] = {"context length": f"{input_len} tokens (file name _in{input_len}_; {TOKENIZER})"}
    notes: list[str] = []

    dataset = args.get("datasets") if isinstance(args.get("datasets"), str) else None
    if dataset:
        inferred["task"] = f"{dataset} (field args.datasets)"
    else:
        pm = PREFIX_RE.match(m.group("prefix"))
        dataset = pm.group("dataset") if pm else m.group("prefix")
        inferred["task"] = f"{dataset} (file name)" + ("" if pm else "; no default tag '_eval_' found, whole prefix used")
    if args.get("input_max_length") not in (None, input_len):
        raise src.error("field 'args.input_max_length'", f"{args['input_max_length']} disagrees with the file name (_in{input_len}_)")

    model = args.get("model_name_or_path") if isinstance(args.get("model_name_or_path"), str) else None
    if model:
        source = "field"
        inferred["model"] = f"{model} (field args.model_name_or_path)"
    elif src.parts:
        model, source = src.parts[-1], "folder"
        inferred["model"] = f"{model} (folder name: HELMET's default output_dir is output/<model>)"
    else:
        source = None
        notes.append("no model in a .score file outside its output/<model>/ folder: name the model")

    data = None if is_score else obj.get("data")
    if data is not None and (not isinstance(data, list) or not all(isinstance(d, dict) for d in data)):
        raise src.error("field 'data'", "expected a list of objects")
    lengths = {k: v for k, v in averaged.items() if "_len" in k}
    extra = {**{f"mean_{k}": v for k, v in lengths.items()}, "file_name_settings": m.groupdict()}
    if not is_score:
        extra.update(throughput_samples_per_s=obj.get("throughput"), memory_usage_bytes=obj.get("memory_usage"))
    records = []
    for key, value in averaged.items():
        if "_len" in key:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise src.error(f"field 'averaged_metrics.{key}'" if not is_score else f"field '{key}'",
                            f"metric value is not a number: {value!r:.60}")
        records.append({"task": dataset, "metric": key, "length_value": input_len, "length_label": str(input_len),
                        "scale": "pct_0_100", "value_raw": float(value),
                        "n_samples": len(data) if data is not None else None, "extra": extra})
    if not records:
        raise src.error("averaged_metrics", "no score metric (only *_len keys)")
    metric_keys = [r["metric"] for r in records]
    samples = None if data is None else _samples(dataset, input_len, data, metric_keys)
    return [ParsedFile(
        format=FORMAT,
        # one output folder per model (HELMET default); a file without folders keys by its model
        run_key=f"{FORMAT}:{src.folder}" if src.parts else f"{FORMAT}:{model or src.path}",
        benchmark="helmet",
        score_scale="pct_0_100",
        length_unit="tokens",
        tokenizer=TOKENIZER,
        model=model,
        model_source=source,
        evaluator="HELMET eval.py post_process (per-dataset metrics)",
        inferred=inferred,
        notes=notes,
        task_scores=pd.DataFrame(records),
        samples=samples,
    )]


def _samples(dataset: str, input_len: int, data: list[dict], metric_keys: list[str]) -> pd.DataFrame:
    """One sample per ``data`` item: the model ``output``, reference ``answer``, per-sample
    metrics (0-1) in ``extra``; ``score_raw`` only when the dataset has a single metric."""
    single = metric_keys[0] if len(metric_keys) == 1 else None
    rows: list[dict[str, Any]] = []
    for i, item in enumerate(data):
        rows.append({
            "task": dataset, "row_index": i,
            "sample_id": None if item.get("id", item.get("qid")) is None else str(item.get("id", item.get("qid"))),
            "prediction": item.get("output"), "reference": item.get("answer"),
            "length_value": item.get("input_len"), "length_label": str(input_len),
            "score_raw": _number(item.get(single)) if single else None, "scale": "frac_0_1" if single else None,
            "extra": {"metrics": {k: item.get(k) for k in metric_keys}, "parsed_output": item.get("parsed_output"),
                      "output_len": item.get("output_len")},
        })
    return pd.DataFrame(rows)


def _number(value: Any) -> float | None:
    """A per-sample metric as a float (booleans as 0/1); None when it is not a number."""
    return float(value) if isinstance(value, (int, float)) else None
