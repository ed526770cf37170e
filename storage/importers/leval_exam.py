"""F16: L-Eval closed-ended predictions ``Predictions/exam_eval/<model>/<task>.pred.jsonl``.

Lines: ``{"query", "gt", "prompt" (instruction only), "<name>_pred", "evaluation": "exam"}``; the
prediction key is dynamic - the first key of the first line containing ``_pred``, as
``auto_eval.py`` finds it. No score in the files: coursera / quality / tpo (options) and
topic_retrieval_longchat are scored with L-Eval's exact match (``analysis.scoring.leval``); the
topic task also gets its first / second / third-topic sub-scores (rows ``index % 3``), and its
``exact_match`` is their mean, as auto_eval.py prints it. Other tasks are stored unscored.
"""
from __future__ import annotations

import json

from analysis.scoring import leval
from storage.importers.parsed import ParsedFile
from storage.importers.prediction_layout import model_from_folder, samples_frame, task_scores_frame
from storage.importers.source import SourceFile, require

FORMAT = "leval_exam"
LABEL = "L-Eval exam predictions (OpenLMLab/LEval)"
PRIORITY = 20
#: the path contributes the model folder (and the file name the task; storage.identity)
PATH_FOLDERS = 2

SUFFIX = ".pred.jsonl"
RULE_NOTE = "100 x mean exact match (auto_eval.py + em.py; the harness rounds to 4 decimals)"


def _pred_key(obj: dict) -> str | None:
    return next((k for k in obj if "_pred" in k), None)


def detect(src: SourceFile) -> bool:
    """JSONL whose first line has ``query``, ``gt``, ``evaluation`` and a ``*_pred`` key."""
    if src.suffix != ".jsonl":
        return False
    first = src.first_json_line()
    return first is not None and all(k in first for k in ("query", "gt", "evaluation")) and _pred_key(first) is not None


def parse(src: SourceFile) -> list[ParsedFile]:
    """Samples scored 0 / 0.25 / 1 and the task's exact match (0-100).

    Raises:
        FormatError: a line without the prediction key, ``gt`` or ``evaluation``, or with
            non-string values (names the line and field).
    """
    lines = src.jsonl()
    if not lines:
        raise src.error(None, "no prediction lines")
    key = _pred_key(lines[0])
    if key is None:
        raise src.error("line 1", "no '*_pred' field (the prediction key)")
    task = src.name[: -len(SUFFIX)] if src.name.endswith(SUFFIX) else src.stem
    scored_task = task in leval.SCORED_TASKS
    samples, by_metric = [], {}
    skipped = 0
    for i, obj in enumerate(lines):
        where = f"line {i + 1}, "
        pred = require(src, obj, key, str, where)
        gt = require(src, obj, "gt", str, where)
        evaluation = require(src, obj, "evaluation", str, where)
        score = None
        if scored_task and evaluation == "exam":
            score = leval.score_sample(task, pred, gt)
            by_metric.setdefault("exact_match", []).append(score)
            if task in leval.TOPIC_TASKS:
                by_metric.setdefault(f"exact_match_topic_{leval.topic_index(i)}", []).append(score)
        elif scored_task:
            skipped += 1
        samples.append({
            "task": task, "row_index": i, "prediction": pred, "reference": json.dumps(gt, ensure_ascii=False),
            "score_raw": score, "scale": "frac_0_1" if score is not None else None,
            "scorer": "leval.exact_match" if score is not None else None,
            "extra": {"query": obj.get("query"), "evaluation": evaluation,
                      **({"topic": leval.topic_index(i)} if task in leval.TOPIC_TASKS else {})},
        })
    rows = []
    for metric, vals in by_metric.items():
        mean = 100.0 * sum(vals) / len(vals)
        rows.append({"task": task, "metric": metric, "scale": "pct_0_100", "value_raw": mean, "n_samples": len(vals),
                     "extra": {"rule": RULE_NOTE}})
    if task in leval.TOPIC_TASKS and rows:
        subs = [r["value_raw"] for r in rows if r["metric"].startswith("exact_match_topic_")]
        overall = next(r for r in rows if r["metric"] == "exact_match")
        overall["value_raw"] = sum(subs) / len(subs)
        overall["extra"] = {"rule": "mean of the first / second / third-topic exact match (auto_eval.py)"}
    notes = []
    if not scored_task:
        notes.append(f"{task}: no L-Eval rule implemented here (scored: {', '.join(sorted(leval.SCORED_TASKS))}); "
                     "predictions stored unscored")
    if skipped:
        notes.append(f"{task}: {skipped} lines with evaluation other than 'exam' stored unscored")
    where = model_from_folder(src, "Predictions/exam_eval/<model>/<task>.pred.jsonl", ("exam_eval",))
    return [ParsedFile(
        format=FORMAT,
        run_key=f"leval:{src.folder}",
        benchmark="leval",
        score_scale="pct_0_100",
        length_unit=None,
        model=where.model,
        model_source=where.source,
        evaluator="L-Eval exact match (Evaluation/auto_eval.py + em.py)",
        config={"scorers": {task: "leval.exact_match" if scored_task else None}, "prediction_keys": {task: key},
                "scorer_source": "OpenLMLab/LEval Evaluation/auto_eval.py + em.py"},
        inferred={**where.inferred, "task": f"{task} (file name)", "prediction field": key},
        notes=where.notes + notes,
        samples=samples_frame(samples),
        task_scores=task_scores_frame(rows) if rows else None,
    )]
