"""F15: EleutherAI lm-evaluation-harness results JSON, v0.3 and v0.4+.

- v0.3 (2023): ``{results: {task: {metric: x, metric_stderr: x}}, versions, config: {model_args:
  "pretrained=<hf id>,...", num_fewshot, ...}}``. The model is only in ``config.model_args`` and
  can differ from the file name (``Yarn-Llama-2-7b-64k-*.json`` -> ``NousResearch/LLaMA-2-7B-YaRN-64K``).
- v0.4+: adds ``n-shot``, ``n-samples``, ``higher_is_better``, ``model_name``; metric keys are
  ``"<metric>,<filter>"`` and stderr keys ``"<metric>_stderr,<filter>"`` (``"N/A"`` when unknown).
  For the ``ruler`` tasks the metric name is the sequence length (``"4096,none"``), 0-1, and ``-1``
  marks a length that was not run (``aggregate_metrics`` sentinel): those are skipped, not stored.
  LongBench tasks are ``longbench_<dataset>`` with metric ``score`` (0-1).

Values are 0-1 (``frac_0_1``) except lower-is-better metrics (perplexity, bits per byte), stored
on the ``perplexity`` scale (not normalised). A fork writing percents is recognised per metric
column from the values (``storage.scales.guess_fraction_or_percent``). The model's ``max_length``
(``model_args`` or ``config``) is kept in the run config: runs that differ in it are not pooled. See docs/result_formats.md §13.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile, detect_bytes, require
from storage.scales import guess_rows

FORMAT = "lm_eval"
LABEL = "lm-evaluation-harness results JSON (v0.3 / v0.4)"
PRIORITY = 20

LOWER_IS_BETTER_WORDS = ("perplexity", "bits_per_byte")
RULER_TOKENIZER = "evaluated model's tokenizer (lm-eval ruler tasks count with the model's tokenizer)"


def detect(src: SourceFile) -> bool:
    """A JSON object with ``results`` near the start and ``versions`` in its first or last
    ``detect_bytes()`` (v0.4 writes ``versions`` after the task configs, near the end)."""
    if src.suffix != ".json":
        return False
    head = src.head(4096).lstrip()
    if not (head.startswith("{") and '"results"' in head):
        return False
    limit = detect_bytes()
    return b'"versions"' in src.head_bytes(limit) or b'"versions"' in src.tail_bytes(limit)


def parse(src: SourceFile) -> list[ParsedFile]:
    """One task score per (task, metric[, filter][, length]); stderr kept in ``extra``.

    Raises:
        FormatError: ``results`` not an object of objects, a metric value that is not a number
            (names the task and metric key), or neither ``n-shot`` (v0.4) nor a
            ``config.model_args`` string (v0.3).
    """
    obj = src.json()
    if not isinstance(obj, dict):
        raise src.error(None, f"expected a JSON object, found {type(obj).__name__}")
    results = require(src, obj, "results", dict)
    versions = obj.get("versions") if isinstance(obj.get("versions"), dict) else {}
    config = obj.get("config") if isinstance(obj.get("config"), dict) else {}
    if "n-shot" in obj:
        version = "0.4"
    elif isinstance(config.get("model_args"), str):
        version = "0.3"
    else:
        raise src.error("field 'config.model_args'", "neither 'n-shot' (v0.4) nor a model_args string (v0.3) found")
    n_shot = obj.get("n-shot") if isinstance(obj.get("n-shot"), dict) else {}
    n_samples = obj.get("n-samples") if isinstance(obj.get("n-samples"), dict) else {}
    higher = obj.get("higher_is_better") if isinstance(obj.get("higher_is_better"), dict) else {}
    groups = set(obj.get("groups") or {}) | set(obj.get("group_subtasks") or {})

    records, not_run = [], 0
    for task, metrics in results.items():
        if not isinstance(metrics, dict):
            raise src.error(f"field 'results.{task}'", f"expected an object of metrics, found {type(metrics).__name__}")
        stderr = {k.replace("_stderr", "", 1): v for k, v in metrics.items() if "_stderr" in k.partition(",")[0]}
        for key, value in metrics.items():
            name, _, filt = key.partition(",")
            if key == "alias" or name.endswith("_stderr"):
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise src.error(f"field 'results.{task}.{key}'", f"metric value is not a number: {value!r:.60}")
            if value != value:  # NaN: the harness could not compute it
                continue
            is_length = name.isdigit()
            if is_length and value == -1:
                not_run += 1
                continue
            hib = (higher.get(task) or {}).get(name) if isinstance(higher.get(task), dict) else None
            lower_better = hib is False or (hib is None and any(w in name for w in LOWER_IS_BETTER_WORDS))
            ns = n_samples.get(task)
            records.append({
                "task": task,
                "metric": "score" if is_length else (name if filt in ("", "none") else f"{name} [{filt}]"),
                "length_value": int(name) if is_length else None,
                "length_label": name if is_length else None,
                "scale": "perplexity" if lower_better else "frac_0_1",
                "value_raw": float(value),
                "n_samples": ns.get("effective") if isinstance(ns, dict) else None,
                "extra": _extra(key, filt, stderr.get(key), versions.get(task),
                                n_shot.get(task, config.get("num_fewshot")), task in groups),
            })
    if not records:
        raise src.error("field 'results'", "no metric values")
    model, how = _model(obj, config)
    inferred = {}
    if model:
        inferred["model"] = f"{model} ({how})"
        if _short(model) not in src.stem.lower():
            inferred["model"] += f"; the file name {src.name!r} says otherwise: the field wins"
    notes = []
    if not_run:
        notes.append(f"{not_run} length metric(s) reported -1 (length not run) were skipped")
    if model is None:
        notes.append("no pretrained=/model_name in the file: name the model")
    scores = pd.DataFrame(records)
    bounded = scores["scale"] != "perplexity"
    guesses = [guess_rows(scores, "value_raw", "frac_0_1", f"{src.name} metric {metric!r}",
                          mask=bounded & (scores["metric"] == metric))
               for metric in dict.fromkeys(scores.loc[bounded, "metric"])]
    has_length = scores["length_value"].notna().any()
    tasks = list(results)
    benchmark = ("ruler" if has_length else
                 "longbench" if all(t.startswith("longbench") for t in tasks) else "lm_eval")
    return [ParsedFile(
        format=FORMAT,
        run_key=f"{FORMAT}:{src.folder}:{model or src.path}",
        benchmark=benchmark,
        score_scale=guesses[0].scale if guesses else "perplexity",
        scale_guesses=guesses,
        length_unit="tokens" if has_length else None,
        tokenizer=RULER_TOKENIZER if has_length else None,
        model=model,
        model_source="field" if model else None,
        evaluator=f"lm-evaluation-harness v{version}",
        config={"lm_eval_version": version, "lm_eval_model": config.get("model"),
                "model_args": config.get("model_args"), "max_length": _max_length(config)},
        inferred=inferred,
        notes=notes,
        task_scores=scores,
    )]


def _extra(key: str, filt: str, stderr: Any, version: Any, n_shot: Any, group: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "version": version, "n_shot": n_shot}
    if filt:
        out["filter"] = filt
    if stderr is not None:
        out["stderr"] = stderr if isinstance(stderr, (int, float)) and not isinstance(stderr, bool) else str(stderr)
    if group:
        out["group"] = True
    return out


def _model(obj: dict, config: dict) -> tuple[str | None, str]:
    """Model id from ``model_name`` (v0.4) or ``pretrained=``/``model=``/``engine=`` in ``model_args``."""
    if isinstance(obj.get("model_name"), str) and obj["model_name"]:
        return obj["model_name"], "field model_name"
    args = config.get("model_args")
    if isinstance(args, str):
        args = dict(p.split("=", 1) for p in args.split(",") if "=" in p)
    if isinstance(args, dict):
        for key in ("pretrained", "model", "engine"):
            if isinstance(args.get(key), str) and args[key]:
                return args[key], f"config.model_args {key}="
    return None, ""


def _max_length(config: dict) -> int | None:
    """The model's ``max_length`` (tokens) from ``config.max_length`` or ``max_length=`` in ``model_args``."""
    value = config.get("max_length")
    args = config.get("model_args")
    if value is None and isinstance(args, str):
        value = dict(p.split("=", 1) for p in args.split(",") if "=" in p).get("max_length")
    elif value is None and isinstance(args, dict):
        value = args.get("max_length")
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _short(model: str) -> str:
    """``NousResearch/Yarn-Mistral-7b-64k`` -> ``yarn-mistral-7b-64k`` (for the file-name comparison)."""
    return model.rstrip("/").rsplit("/", 1)[-1].lower()
