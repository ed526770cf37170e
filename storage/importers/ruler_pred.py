"""RULER per-task predictions ``pred/<task>.jsonl`` (documented from code only: ``scripts/pred/call_api.py``).

One object per sample: ``{index, pred, input, outputs: [str], others: {...}, truncation, length}``.
Each sample is scored here with RULER's own rule (``analysis.scoring.ruler``): ``string_match_all`` for
``niah_*``/``vt``/``cwe``/``fwe``, ``string_match_part`` for ``qa_*``, x 100. The prompt
(``input``) is not stored, but the chat template it was built with (RULER ``--model_template_type``,
``scripts/data/template.py``) is read from its markers and kept in the run config (``chat_template``).
The task is the file name; model and length come from the path.
"""
from __future__ import annotations

import pandas as pd

from storage.importers.parsed import ParsedFile
from storage.importers.ruler_layout import read_path, ruler_parsed
from analysis.scoring.ruler import METRICS, metric_for_task, postprocess_pred
from storage.importers.source import SourceFile, require

#: marker in a prompt -> the RULER template type (scripts/data/template.py) that writes it
CHAT_MARKERS = {
    "<|start_header_id|>": "meta-llama3 chat template",
    "<|im_start|>": "ChatML chat template (e.g. Qwen)",
    "<start_of_turn>": "gemma chat template",
    "<|user|>": "phi / zephyr chat template",
    "[INST]": "meta-chat [INST] chat template (llama-2 / mistral)",
}

FORMAT = "ruler_pred"
LABEL = "RULER per-task predictions pred/<task>.jsonl (NVIDIA RULER call_api.py)"
PRIORITY = 20
#: the path contributes model / benchmark / max_seq_length (storage.identity)
PATH_FOLDERS = 4


def prompt_form(inputs: list) -> str | None:
    """The chat template the prompts were built with, from their markers (:data:`CHAT_MARKERS`);
    ``"base (no chat-template markers)"`` for plain prompts; None when no prompt is in the file."""
    texts = [t for t in inputs if isinstance(t, str) and t]
    if not texts:
        return None
    return next((form for marker, form in CHAT_MARKERS.items() if marker in texts[0]), "base (no chat-template markers)")


def detect(src: SourceFile) -> bool:
    """A ``.jsonl`` whose first line has the keys ``index``, ``pred`` and ``outputs``."""
    if src.suffix != ".jsonl":
        return False
    first = src.first_line()  # up to its newline, however long (a RULER line holds the whole prompt)
    return all(f'"{k}"' in first for k in ("index", "pred", "outputs"))


def parse(src: SourceFile) -> list[ParsedFile]:
    """One scored sample per line: ``length_value`` is the sample's prompt length (tokens),
    ``length_label`` the folder's max_seq_length, ``score_raw`` 0..100 per sample.

    Raises:
        FormatError: bad JSON, or a line whose ``pred`` is not a string, ``outputs`` not a
            non-empty list of strings or ``index`` not an integer (names the line and field).
    """
    task = src.stem
    metric = metric_for_task(task)
    records = []
    objs = src.jsonl()
    for i, obj in enumerate(objs, start=1):
        where = f"line {i}, "
        index = require(src, obj, "index", int, where)
        pred = require(src, obj, "pred", str, where)
        refs = require(src, obj, "outputs", list, where)
        if not refs or not all(isinstance(r, str) for r in refs):
            raise src.error(f"line {i}, field 'outputs'", "expected a non-empty list of strings")
        length = obj.get("length")
        if length is not None and (isinstance(length, bool) or not isinstance(length, int)):
            raise src.error(f"line {i}, field 'length'", f"expected an integer token count, found {length!r:.40}")
        others = obj.get("others") if isinstance(obj.get("others"), dict) else {}
        records.append({
            "task": task,
            "row_index": len(records),
            "sample_id": str(others.get("id", index)),
            "prediction": pred,
            "reference": refs,
            "length_value": length,
            "score_raw": METRICS[metric](postprocess_pred(pred), refs) if metric else None,
            "scale": "pct_0_100" if metric else None,
            "scorer": f"RULER {metric} x100" if metric else None,
            "extra": {"index": index, "truncation": obj.get("truncation"), "others": others},
        })
    if not records:
        raise src.error(None, "no samples in the file")
    form = prompt_form([objs[0].get("input")])
    where = read_path(src)
    over = [r for r in records if where.seq_length and r["length_value"] is not None and r["length_value"] > where.seq_length]
    for r in over:  # RULER's prompt budget is max_seq_length minus the answer's tokens: over it = over the window
        r["extra"]["over_window"] = {"length": r["length_value"], "window": where.seq_length}
    samples = pd.DataFrame(records).assign(length_label=None if where.seq_length is None else str(where.seq_length))
    parsed = ruler_parsed(src, FORMAT, where, samples=samples)
    if over:
        parsed.notes.append(f"{src.name}: {len(over)} of {len(records)} samples have a prompt longer than the "
                            f"max_seq_length {where.seq_length:,} of their folder: flagged 'input exceeds the model "
                            "window' and left out of curves and effective length")
    parsed.inferred["task"] = f"{task} (file name)"
    if form:
        parsed.config["chat_template"] = form
        parsed.inferred["prompt form"] = f"{form} (markers in the first prompt's 'input')"
    if metric is None:
        parsed.notes.append(f"task {task!r} is not a default RULER task: samples stored without a score")
    return [parsed]
