"""F9/F10: LongBench prediction files ``pred/<model>/<dataset>.jsonl`` (LongBench-E: ``pred_e/...``).

One line per sample: ``{"pred": str, "answers": [str], "all_classes": null | [str], "length": int}``,
``length`` in words for English and characters for Chinese datasets; no sample id (line order =
dataset order). The harness wrote no per-sample score: LongScope scores each line with
LongBench's rule for the dataset (``analysis.scoring.longbench``) and stores the dataset score
(100 x mean) as ``<rule>_recomputed`` - per length bucket for LongBench-E - next to the
``result.json`` numbers of the same folder, which join the same run.
"""
from __future__ import annotations

import json

from analysis.scoring import longbench as lb
from analysis.scoring.longbench_maxlen import MODEL2MAXLEN, truncated_to
from storage.importers.longbench_result import SCORER
from storage.importers.parsed import ParsedFile
from storage.importers.prediction_layout import model_from_folder, samples_frame, task_scores_frame
from storage.importers.source import SourceFile, require

FORMAT = "longbench_pred"
LABEL = "LongBench / LongBench-E predictions (THUDM/LongBench pred.py)"
PRIORITY = 20
#: the path contributes the model folder (and the file name the task; storage.identity)
PATH_FOLDERS = 2

KEYS = ("pred", "answers", "all_classes", "length")


def detect(src: SourceFile) -> bool:
    """JSONL whose first line has ``pred``, ``answers``, ``all_classes`` and ``length`` (docs/result_formats.md §16)."""
    if src.suffix != ".jsonl":
        return False
    first = src.first_json_line()
    return first is not None and all(k in first for k in KEYS)


def _is_e(src: SourceFile) -> bool:
    return len(src.parts) >= 2 and src.parts[-2] == "pred_e"


def parse(src: SourceFile) -> list[ParsedFile]:
    """Samples scored by the dataset's rule; one task score (LongBench-E: one per non-empty bucket).

    Raises:
        FormatError: a line without the fields or with wrong types, or a reference the rule cannot
            read (e.g. no ``Paragraph N`` in a retrieval answer), naming the line.
    """
    e = _is_e(src)
    dataset = src.stem
    rule = lb.rule_for(dataset)
    samples, scores_by_label = [], {}
    for i, obj in enumerate(src.jsonl()):
        where = f"line {i + 1}, "
        pred = require(src, obj, "pred", str, where)
        answers = require(src, obj, "answers", list, where)
        if not answers or not all(isinstance(a, str) for a in answers):
            raise src.error(f"line {i + 1}, field 'answers'", "expected a non-empty list of strings")
        classes = require(src, obj, "all_classes", (list, type(None)), where)
        length = require(src, obj, "length", (int, float), where)
        label = lb.length_bucket(length) if e else None
        score = None
        if rule is not None:
            try:
                score = lb.score_sample(dataset, pred, answers, classes)
            except ValueError as exc:
                raise src.error(f"line {i + 1}", f"cannot score with {rule}: {exc}") from None
            scores_by_label.setdefault(label, []).append(score)
        samples.append({
            "task": dataset, "row_index": i, "prediction": pred, "reference": json.dumps(answers, ensure_ascii=False),
            "length_value": float(length), "length_label": label, "score_raw": score,
            "scale": "frac_0_1" if rule else None, "scorer": f"longbench.{rule}" if rule else None,
            "extra": {"all_classes": classes} if classes is not None else None,
        })
    if not samples:
        raise src.error(None, "no prediction lines")
    notes = []
    if rule is None:
        notes.append(f"{src.name}: {dataset!r} is not a LongBench dataset, so there is no rule to score it: "
                     "predictions stored unscored")
    task_rows = [
        {"task": dataset, "length_label": label, "metric": f"{rule}_recomputed", "scale": "pct_0_100",
         "value_raw": lb.dataset_score(vals), "n_samples": len(vals),
         "extra": {"source": f"recomputed by LongScope from {src.name} with LongBench's {rule} "
                             "(the harness rounds to 2 decimals)"}}
        for label, vals in sorted(scores_by_label.items(), key=lambda kv: lb.BUCKETS.index(kv[0]) if kv[0] else -1)
    ]
    layout = "pred_e/<model>/<dataset>.jsonl" if e else "pred/<model>/<dataset>.jsonl"
    where = model_from_folder(src, layout, ("pred_e",) if e else ("pred",))
    cut = [truncated_to(where.model, s["length_value"]) for s in samples]
    for s, n in zip(samples, cut):
        if n is not None:
            s["extra"] = {**(s["extra"] or {}), "truncated_to": n}
    if any(n is not None for n in cut):
        notes.append(f"{src.name}: {sum(n is not None for n in cut)} of {len(samples)} samples are longer than "
                     f"{where.model}'s LongBench prompt budget ({MODEL2MAXLEN[where.model]:,} tokens): LongBench "
                     "cut them in the middle; marked 'truncated' (left out of length curves unless you keep them)")
    return [ParsedFile(
        format=FORMAT,
        run_key=f"{'longbench_e' if e else 'longbench'}:{src.folder}",
        benchmark="longbench_e" if e else "longbench",
        score_scale="pct_0_100",
        length_unit="words" if e else "words_or_characters",
        model=where.model,
        model_source=where.source,
        evaluator=SCORER,
        config={"scorers": {dataset: f"longbench.{rule}" if rule else None},
                "scoring_libraries": "rouge==1.0.1 (ROUGE-L), jieba==0.42.1 (Chinese words), difflib (code_sim)"},
        inferred={**where.inferred,
                  "variant": "LongBench-E (folder pred_e)" if e else "LongBench v1 (not in a pred_e folder)",
                  "length": "the 'length' field: words (English datasets), characters (Chinese datasets)"},
        notes=where.notes + notes,
        samples=samples_frame(samples),
        task_scores=task_scores_frame(task_rows) if task_rows else None,
    )]
