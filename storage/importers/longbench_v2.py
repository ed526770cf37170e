"""F11: LongBench v2 ``results/<model>[_cot|_no_context|_rag_N].jsonl`` - one judged question per line.

Fields used: ``_id``, ``domain``, ``sub_domain``, ``difficulty`` (easy | hard), ``length`` (the
categorical short | medium | long), ``answer`` (A-D), ``response`` (model text), ``pred`` (A-D or
null), ``judge`` (bool, ``pred == answer``). ``context`` (first 1,000 characters) is not stored.
The harness's own judge is the per-question score; accuracies overall, by difficulty and by
length follow ``result.py`` (``analysis.scoring.longbench_v2``). Empty groups get no row.
"""
from __future__ import annotations

import json
import re

from analysis.scoring import longbench_v2 as v2
from storage.importers.parsed import ParsedFile
from storage.importers.prediction_layout import samples_frame, task_scores_frame
from storage.importers.source import SourceFile, require

FORMAT = "longbench_v2"
LABEL = "LongBench v2 results JSONL (THUDM/LongBench pred.py)"
PRIORITY = 20

KEYS = ("_id", "difficulty", "length", "answer", "pred", "judge")
#: ``pred.py`` appends the setting to the model name in the file name
VARIANT_RE = re.compile(r"^(?P<model>.+?)(?P<variant>_cot|_no_context|_rag_\d+)?$")
TASK = "all"


def detect(src: SourceFile) -> bool:
    """JSONL whose first line has ``_id, difficulty, length, answer, pred, judge`` (docs/result_formats.md §16)."""
    if src.suffix != ".jsonl":
        return False
    first = src.first_json_line()
    return first is not None and all(k in first for k in KEYS)


def parse(src: SourceFile) -> list[ParsedFile]:
    """Samples (task ``all``, judge as 0/1) and accuracies: overall (task ``all``), by length
    (task ``all`` with ``length_label``) and by difficulty (tasks ``difficulty=easy|hard``).

    Raises:
        FormatError: a line without the fields, ``judge`` not a boolean, ``pred`` neither a string
            nor null, or ``difficulty`` / ``length`` outside the harness's values (names the line).
    """
    samples, graded = [], []
    for i, obj in enumerate(src.jsonl()):
        where = f"line {i + 1}, "
        qid = require(src, obj, "_id", str, where)
        difficulty = require(src, obj, "difficulty", str, where)
        length = require(src, obj, "length", str, where)
        answer = require(src, obj, "answer", str, where)
        pred = require(src, obj, "pred", (str, type(None)), where)
        judge = require(src, obj, "judge", bool, where)
        if difficulty not in v2.DIFFICULTIES:
            raise src.error(f"line {i + 1}, field 'difficulty'", f"expected one of {v2.DIFFICULTIES}, found {difficulty!r}")
        if length not in v2.LENGTHS:
            raise src.error(f"line {i + 1}, field 'length'", f"expected one of {v2.LENGTHS}, found {length!r}")
        response = obj.get("response")
        score = v2.question_score(judge, pred)
        graded.append((difficulty, length, score))
        samples.append({
            "task": TASK, "row_index": i, "sample_id": qid,
            "prediction": response if isinstance(response, str) else pred,
            "reference": json.dumps(answer), "length_label": length, "score_raw": score, "scale": "bool",
            "extra": {k: obj.get(k) for k in ("pred", "difficulty", "domain", "sub_domain", "truncated") if k in obj},
        })
    if not samples:
        raise src.error(None, "no question lines")
    rows = []
    for (group, value), (acc, n) in v2.grouped_accuracy(graded).items():
        row = {"task": TASK, "metric": "accuracy", "scale": "pct_0_100", "value_raw": acc, "n_samples": n,
               "extra": {"group": group, "rule": "100 x share of judge == true (result.py; it prints 1 decimal)"}}
        if group == "length":
            row["length_label"] = value
        elif group == "difficulty":
            row["task"] = f"difficulty={value}"
        rows.append(row)
    absent = [g for g in v2.LENGTHS if not any(s["length_label"] == g for s in samples)]
    m = VARIANT_RE.match(src.stem)
    model, variant = m.group("model"), (m.group("variant") or "").lstrip("_") or None
    inferred = {"model": f"{model} (file name; LongBench v2 writes results/<model>.jsonl)"}
    if variant:
        inferred["setting"] = f"{variant} (file name suffix)"
    notes = [f"no {', '.join(absent)} questions in the file: no accuracy for that length"] if absent else []
    n_null = sum(s["extra"].get("pred") is None for s in samples)
    if n_null:
        notes.append(f"{n_null} questions have no extracted answer (pred null): counted wrong, as result.py does")
    return [ParsedFile(
        format=FORMAT,
        run_key=f"longbench_v2:{src.path}",
        benchmark="longbench_v2",
        score_scale="pct_0_100",
        length_unit="bucket",
        model=model,
        model_source="file name",
        evaluator="LongBench v2 judge (pred == answer; result.py accuracy)",
        config={"setting": variant or "default", "scorer": "judge field of the file (pred == answer)",
                "scorer_source": "THUDM/LongBench result.py"},
        inferred=inferred,
        notes=notes,
        samples=samples_frame(samples),
        task_scores=task_scores_frame(rows),
    )]
