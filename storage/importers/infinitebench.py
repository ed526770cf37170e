"""F13: InfiniteBench ``results/<model>/preds_<task>.jsonl`` - one prediction per line, no score.

Lines are ``{"id", "prediction", "ground_truth"}`` or (some files) ``{"id", "pred", "label"}``;
the label is a scalar in some files and a list in others. No context length is stored. Tasks
with a rule in ``analysis.scoring.infinitebench`` (passkey, number_string, kv_retrieval,
longbook_choice_eng, math_find) are scored as ``src/compute_scores.py`` does; the others are
stored unscored with a note.
"""
from __future__ import annotations

import json
import re

from analysis.scoring.infinitebench import README_NAMES, RULES
from storage.importers.parsed import ParsedFile
from storage.importers.prediction_layout import model_from_folder, samples_frame, task_scores_frame
from storage.importers.source import SourceFile

FORMAT = "infinitebench"
LABEL = "InfiniteBench predictions (OpenBMB/InfiniteBench)"
PRIORITY = 20
#: the path contributes the model folder (and the file name the task; storage.identity)
PATH_FOLDERS = 2

NAME_RE = re.compile(r"^preds_(?P<task>.+)\.jsonl$")
#: (prediction key, label key) pairs the harness reads (``get_preds`` / ``get_labels``)
KEY_PAIRS = (("prediction", "ground_truth"), ("pred", "label"))


def _keys(obj: dict) -> tuple[str, str] | None:
    return next(((p, g) for p, g in KEY_PAIRS if p in obj and g in obj), None)


def detect(src: SourceFile) -> bool:
    """``preds_<task>.jsonl`` whose first line has ``id`` and a prediction/label key pair."""
    if src.suffix != ".jsonl" or not NAME_RE.match(src.name):
        return False
    first = src.first_json_line()
    return first is not None and "id" in first and _keys(first) is not None


def parse(src: SourceFile) -> list[ParsedFile]:
    """Samples (scored 0/1 where the task has a rule) and the task's accuracy (0-100).

    Raises:
        FormatError: no lines, a line without a prediction/label pair or with a non-string
            prediction, or a label the task's rule cannot read (names the line).
    """
    task = NAME_RE.match(src.name).group("task")
    rule = RULES.get(task)
    samples, correct = [], []
    for i, obj in enumerate(src.jsonl()):
        keys = _keys(obj)
        if keys is None:
            raise src.error(f"line {i + 1}", "expected 'prediction' and 'ground_truth' (or 'pred' and 'label')")
        pred, label = obj[keys[0]], obj[keys[1]]
        if not isinstance(pred, str):
            raise src.error(f"line {i + 1}, field '{keys[0]}'", f"expected a string, found {type(pred).__name__}")
        score = None
        if rule is not None:
            try:
                score = 1.0 if rule(pred, label) else 0.0
            except TypeError as exc:
                raise src.error(f"line {i + 1}, field '{keys[1]}'", str(exc)) from None
            correct.append(score)
        samples.append({
            "task": task, "row_index": i, "sample_id": None if obj.get("id") is None else str(obj["id"]),
            "prediction": pred, "reference": json.dumps(label, ensure_ascii=False), "score_raw": score,
            "scale": "binary" if rule else None, "scorer": f"infinitebench.{task}" if rule else None,
        })
    if not samples:
        raise src.error(None, "no prediction lines")
    notes = [] if rule else [f"{task}: no InfiniteBench rule implemented here (scored tasks: {', '.join(RULES)}); "
                             "predictions stored unscored"]
    where = model_from_folder(src, "results/<model>/preds_<task>.jsonl", ("results",))
    scores = task_scores_frame([{
        "task": task, "metric": "accuracy", "scale": "pct_0_100", "value_raw": 100.0 * sum(correct) / len(correct),
        "n_samples": len(correct), "extra": {"readme_name": README_NAMES.get(task)},
    }]) if correct else None
    return [ParsedFile(
        format=FORMAT,
        run_key=f"infinitebench:{src.folder}",
        benchmark="infinitebench",
        score_scale="pct_0_100",
        length_unit=None,
        model=where.model,
        model_source=where.source,
        evaluator="InfiniteBench compute_scores.py get_score_one_<task>",
        config={"scorers": {task: f"infinitebench.{task}" if rule else None},
                "scorer_source": "OpenBMB/InfiniteBench src/compute_scores.py"},
        inferred={**where.inferred, "task": f"{task} (file name preds_<task>.jsonl)"},
        notes=where.notes + notes,
        samples=samples_frame(samples),
        task_scores=scores,
    )]
