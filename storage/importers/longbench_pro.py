"""F21: LongBench Pro summary JSON (caskcsg/longcontext ``LongBench-Pro/output/<model>/<mode>_context-<max
input tokens>_bon-<n>_summary.json``; documented from the repository, no file shipped).

One file = one model x mode (``thinking`` / ``nonthinking``) x maximum input length (longer inputs
truncated in the middle); the model is only the folder name. Scores are 0-1. Stored as task scores:

* task ``overall``: ``average_overall_metric`` (metric ``average``), each
  ``inference_iteration_<k>_overall_metric`` (metric ``iteration_<k>``), ``BoN-<k>.overall_metric``
  (metric ``bon_<k>``) and ``pass@<k>`` (metric ``pass@<k>``);
* the length buckets of ``average_token_length_metric`` (``8k`` ... ``256k``: the questions' length
  class, a label; stored with k = 1024 so they can share a tokens axis) as task ``overall`` at that
  length, and likewise each ``BoN-<k>.token_length``;
* the other breakdowns (difficulty, contextual requirement, primary task, language) as tasks named
  ``<breakdown>: <key>`` (metric ``average``, and ``bon_<k>``).

Unknown top-level keys are kept in ``config['extra']``. Check: ``average_overall_metric`` equals the
mean of the iteration metrics. See docs/result_formats.md §19 (F21).
"""
from __future__ import annotations

import re

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile, require

FORMAT = "longbench_pro"
LABEL = "LongBench Pro summary JSON (overall, length buckets, breakdowns, BoN / pass@k)"
PRIORITY = 25

NAME_RE = re.compile(r"^(?P<mode>thinking|nonthinking)_context-(?P<context>\d+)_bon-(?P<bon>\d+)_summary\.json$")
BREAKDOWNS = {"average_contextual_requirement_metric": ("contextual_requirement", "contextual requirement"),
              "average_difficulty_metric": ("difficulty", "difficulty"),
              "average_primary_task_metric": ("primary_task", "task"),
              "average_language_metric": ("language", "language")}
BUCKET_RE = re.compile(r"^(\d+)([kKmM])$")
ITERATION_RE = re.compile(r"inference_iteration_\d+_overall_metric")
BON_RE = re.compile(r"BoN-\d+")
PASS_RE = re.compile(r"pass@\d+")
COUNTS = ("date", "total_questions_num", "inference_iterations", "total_samples_num", "fail_samples_num",
          "inference_inconsistent_samples_num")


def detect(src: SourceFile) -> bool:
    """JSON object with ``average_overall_metric`` and ``average_token_length_metric``."""
    head = src.head(65536)
    return src.suffix == ".json" and head.lstrip().startswith("{") and \
        '"average_overall_metric"' in head and '"average_token_length_metric"' in head


def parse(src: SourceFile) -> list[ParsedFile]:
    """One run per file (model from the folder, mode and max input length from the file name).

    Raises:
        FormatError: a missing ``average_overall_metric`` / ``average_token_length_metric``, a
            non-numeric score (names the key), a bucket label that is not like ``8k``, or a value
            outside 0-1.
    """
    obj = src.json()
    if not isinstance(obj, dict):
        raise src.error(None, f"expected a JSON object, found {type(obj).__name__}")
    records: list[tuple] = []  # (task, metric, value, bucket label, key path for errors)

    def add(task, metric, value, key, label=None):
        if type(value) not in (float, int) or not 0 <= value <= 1:
            _bad_value(src, ".".join(key), value)
        records.append((task, metric, float(value), label, key))

    add("overall", "average", require(src, obj, "average_overall_metric", (int, float)), ("average_overall_metric",))
    for bucket, v in require(src, obj, "average_token_length_metric", dict).items():
        add("overall", "average", v, ("average_token_length_metric", bucket), bucket)
    for key, (name, title) in BREAKDOWNS.items():
        for sub, v in (obj.get(key) or {}).items():
            add(f"{title}: {sub}", "average", v, (key, sub))
    iterations = sorted(k for k in obj if ITERATION_RE.fullmatch(k))
    for k in iterations:
        add("overall", f"iteration_{k.split('_')[2]}", obj[k], (k,))
    for k in sorted(k for k in obj if BON_RE.fullmatch(k)):
        bon, n = obj[k], k.split("-")[1]
        if not isinstance(bon, dict):
            raise src.error(f"field '{k}'", "expected an object")
        metric = f"bon_{n}"
        add("overall", metric, require(src, bon, "overall_metric", (int, float), f"{k}."), (k, "overall_metric"))
        for bucket, v in (bon.get("token_length") or {}).items():
            add("overall", metric, v, (k, "token_length", bucket), bucket)
        for key, (name, title) in BREAKDOWNS.items():
            for sub, v in (bon.get(name) or {}).items():
                add(f"{title}: {sub}", metric, v, (k, name, sub))
    for k in sorted(k for k in obj if PASS_RE.fullmatch(k)):
        add("overall", k, obj[k], (k,))
    buckets = {}
    for r in records:
        if r[3] is not None and r[3] not in buckets:
            buckets[r[3]] = _bucket(src, r[3], ".".join(r[4]))
    tasks, metrics, values, labels, _ = zip(*records)
    scores = pd.DataFrame({"task": tasks, "metric": metrics, "scale": "frac_0_1", "value_raw": values,
                           "length_label": labels, "length_value": [buckets.get(lab) for lab in labels]})

    m = NAME_RE.match(src.name)
    inferred, notes = {}, []
    config = {k: obj[k] for k in COUNTS if k in obj}
    known = {"average_overall_metric", "average_token_length_metric", *BREAKDOWNS, *iterations, *COUNTS}
    extra = {k: v for k, v in obj.items() if k not in known and not (BON_RE.fullmatch(k) or PASS_RE.fullmatch(k))}
    if extra:
        config["extra"] = extra
        notes.append(f"unknown keys kept in config: {', '.join(extra)}")
    if m:
        config.update(mode=m["mode"], max_input_tokens=int(m["context"]), best_of_n=int(m["bon"]))
        inferred["mode"] = f"{m['mode']} (file name)"
        inferred["max input length"] = f"{int(m['context']):,} tokens, longer inputs truncated in the middle (file name)"
    else:
        notes.append("file name is not <mode>_context-<tokens>_bon-<n>_summary.json: mode and max input length unknown")
    inferred["length"] = ("buckets 8k ... 256k of average_token_length_metric: the questions' length class "
                          "(label; k = 1024), not measured token counts")
    inferred["scale"] = "0-1 for every score (documented; checked)"
    model, source = (src.parts[-1], "folder") if src.parts else (None, None)
    if model:
        inferred["model"] = f"{model} (folder name: LongBench Pro writes output/<model>/)"
    else:
        notes.append("no model: LongBench Pro keeps it only in the folder name; name the model")
    if iterations:
        mean = sum(obj[k] for k in iterations) / len(iterations)
        if abs(mean - obj["average_overall_metric"]) > 1e-6:
            notes.append(f"average_overall_metric {obj['average_overall_metric']:.6f} is not the mean of the "
                         f"iterations ({mean:.6f})")
    if obj.get("fail_samples_num"):
        notes.append(f"{obj['fail_samples_num']} samples failed to generate")
    mode = m["mode"] if m else "unknown-mode"
    return [ParsedFile(
        format=FORMAT,
        run_key=f"{FORMAT}:{src.folder}:{src.name}" if src.parts else f"{FORMAT}:{src.path}",
        benchmark="longbench_pro", score_scale="frac_0_1", length_unit="tokens",
        tokenizer="LongBench Pro length classes (dataset labels, not counted by one tokenizer)",
        model=model, model_source=source,
        label=f"{model} · {mode}" + (f" · {int(m['context']) // 1000}k input" if m else "") if model else None,
        evaluator="LongBench Pro task metrics (mean over inference iterations)",
        config=config, inferred=inferred, notes=notes,
        task_scores=scores,
    )]


def _bad_value(src: SourceFile, key: str, value) -> None:
    """Raise the error for a score that is not a number in 0-1."""
    if type(value) not in (float, int):
        raise src.error(f"field '{key}'", f"expected a number, found {value!r:.40}")
    raise src.error(f"field '{key}'", f"{value} is outside 0-1 (LongBench Pro scores are fractions)")


def _bucket(src: SourceFile, label: str, key: str) -> float:
    m = BUCKET_RE.match(label.strip())
    if not m:
        raise src.error(f"field '{key}'", f"length bucket {label!r} is not like 8k or 1M")
    return float(m.group(1)) * (1024 if m.group(2).lower() == "k" else 1024 ** 2)
