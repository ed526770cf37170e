"""F12: BABILong ``babilong_evals/<org>/<model>/<task>_<length>_<prompt_cfg>.csv`` + same-stem ``.json``.

``<prompt_cfg>`` is ``instruction_{yes|no}_examples_{yes|no}_post_prompt_{yes|no}``, followed in the
files of BABILong's current ``scripts/run_model_on_babilong.py`` by ``_chat_template_{yes|no}`` and
``_system_prompt_{yes|no}`` (the script names the file after every key of its prompt config).

CSV columns: an index column (header ``""`` or ``Unnamed: 0``), ``target``, ``output`` (may be
empty or span lines), ``question``. The JSON is the prompt configuration (``prompt``,
``generate_kwargs``) and may exist without its CSV. ``<length>`` is the nominal length label of
the BABILong split (``0k`` = the bAbI facts alone, ``1k``..``128k``, ``512k``, ``1M``, ``10M``;
k = 1e3, M = 1e6). The files carry no score: each row is scored with BABILong's
``compare_answers`` (``analysis.scoring.babilong``); accuracy per file = 100 x share correct.
One run = one model folder and one prompt configuration; the JSONs go into the run's config.
"""
from __future__ import annotations

import json
import re

from analysis.scoring.babilong import TASK_LABELS, compare_answers
from storage.importers.parsed import ParsedFile
from storage.importers.prediction_layout import FolderModel, samples_frame, task_scores_frame
from storage.importers.source import SourceFile

FORMAT = "babilong"
LABEL = "BABILong predictions CSV + prompt JSON (booydar/babilong)"
PRIORITY = 20
#: the path contributes the model folder (and the file name the task; storage.identity)
PATH_FOLDERS = 3

STEM_RE = re.compile(
    r"^(?P<task>qa\d+)_(?P<length>\d+[kM])_(?P<cfg>instruction_(?:yes|no)_examples_(?:yes|no)_post_prompt_(?:yes|no)"
    r"(?:_chat_template_(?:yes|no))?(?:_system_prompt_(?:yes|no))?)$")
#: the file-name pattern as shown in errors (as code, so Markdown keeps its underscores)
STEM_PATTERN = ("`<task>_<length>_instruction_{yes|no}_examples_{yes|no}_post_prompt_{yes|no}"
                "[_chat_template_{yes|no}][_system_prompt_{yes|no}]`")
INDEX_HEADERS = ("", "Unnamed: 0")
COLUMNS = ("target", "output", "question")
SCORER = "babilong compare_answers (babilong/metrics.py TASK_LABELS)"
TOKENIZER = "nominal length of the BABILong split (not counted with the tested model's tokenizer)"


def detect(src: SourceFile) -> bool:
    """A CSV with ``target, output, question`` columns, or a prompt JSON with a BABILong file stem."""
    if src.suffix == ".csv":
        header = src.head(4096).split("\n", 1)[0].strip().split(",")
        return all(c in header for c in COLUMNS) and (bool(STEM_RE.match(src.stem)) or header[0] in INDEX_HEADERS)
    if src.suffix == ".json" and STEM_RE.match(src.stem):
        head = src.head(4096)
        return '"prompt"' in head and '"generate_kwargs"' in head
    return False


def length_value(label: str) -> float:
    """``"4k"`` -> 4000.0, ``"1M"`` -> 1e6 (BABILong's nominal split lengths)."""
    return float(label[:-1]) * (1e3 if label[-1] == "k" else 1e6)


def _model(src: SourceFile) -> FolderModel:
    parts = src.parts
    if len(parts) >= 3 and parts[-3] == "babilong_evals":
        model = f"{parts[-2]}/{parts[-1]}"
        return FolderModel(model, {"model": f"{model} (folders <org>/<model> under babilong_evals/)"})
    if parts:
        return FolderModel(parts[-1], {"model": f"{parts[-1]} (folder name; BABILong writes babilong_evals/<org>/<model>/)"})
    return FolderModel(None, {"model": "not in the path (BABILong writes babilong_evals/<org>/<model>/): name the model"})


def _stem(src: SourceFile) -> re.Match:
    m = STEM_RE.match(src.stem)
    if m is None:
        raise src.error("file name", f"expected {STEM_PATTERN}, e.g. `qa1_4k_instruction_yes_examples_yes_post_prompt_yes"
                                     "_chat_template_no` (task, length and prompt setting are only in the file name)")
    return m


def parse(src: SourceFile) -> list[ParsedFile]:
    """The CSV: scored samples and one accuracy row; the JSON: the prompt config only.

    Raises:
        FormatError: a file name without task/length/prompt setting, missing columns, a row with
            the wrong number of cells, no rows, or a JSON without ``prompt`` / ``generate_kwargs``.
    """
    m = _stem(src)
    task, label, cfg = m.group("task"), m.group("length"), m.group("cfg")
    where = _model(src)
    common = dict(
        format=FORMAT, run_key=f"babilong:{src.folder}:{cfg}", benchmark="babilong", score_scale="pct_0_100",
        length_unit="tokens", tokenizer=TOKENIZER, model=where.model, model_source=where.source,
        evaluator=SCORER, inferred={**where.inferred, "prompt setting": f"{cfg} (file name)"}, notes=list(where.notes),
    )
    if src.suffix == ".json":
        obj = src.json()
        if not isinstance(obj, dict) or not isinstance(obj.get("prompt"), dict) or "generate_kwargs" not in obj:
            raise src.error("field 'prompt'", "a BABILong config JSON has a 'prompt' object and 'generate_kwargs'")
        return [ParsedFile(**common, config={"prompt_config": cfg, "prompts": {task: obj}})]

    rows = [r for r in src.csv_rows() if r]
    if len(rows) < 2:
        raise src.error(None, "no prediction rows (only a header)")
    header = rows[0]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise src.error("line 1", f"missing column(s) {', '.join(missing)}")
    col = {c: header.index(c) for c in COLUMNS}
    index_col = 0 if header[0] in INDEX_HEADERS else None
    labels = TASK_LABELS.get(task)
    samples, correct = [], []
    for i, row in enumerate(rows[1:]):
        if len(row) != len(header):
            raise src.error(f"row {i + 1}", f"{len(row)} cells, the header has {len(header)}")
        target, output, question = (row[col[c]] for c in COLUMNS)
        score = None
        if labels is not None:
            score = 1.0 if compare_answers(target, output, question, labels) else 0.0
            correct.append(score)
        samples.append({
            "task": task, "row_index": i, "sample_id": row[index_col] if index_col is not None else None,
            "prediction": output, "reference": json.dumps(target), "length_value": length_value(label),
            "length_label": label, "score_raw": score, "scale": "binary" if labels else None,
            "scorer": "babilong.compare_answers" if labels else None, "extra": {"question": question},
        })
    notes = []
    if labels is None:
        notes.append(f"{task}: BABILong defines no answer labels for this task (metrics.py TASK_LABELS), "
                     "so its predictions are stored unscored")
    empty = sum(s["prediction"] == "" for s in samples)
    if empty:
        notes.append(f"{src.name}: {empty} empty outputs (scored wrong)")
    scores = task_scores_frame([{
        "task": task, "length_value": length_value(label), "length_label": label, "metric": "accuracy",
        "scale": "pct_0_100", "value_raw": 100.0 * sum(correct) / len(correct), "n_samples": len(correct),
    }]) if correct else None
    common["notes"] += notes
    return [ParsedFile(**common, config={"prompt_config": cfg, "scorer": SCORER,
                                         "scorer_source": "booydar/babilong babilong/metrics.py"},
                       samples=samples_frame(samples), task_scores=scores)]
