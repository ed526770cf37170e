"""F4: the ``needlehaystack`` package's per-test JSON (``<model>_len_<L>_depth_<D>_results.json``).

Written by gkamradt's package 0.1.x (``llm_needle_haystack_tester.py``) and its forks: one test per
file, the F1 fields plus ``test_duration_seconds`` and ``test_timestamp_utc``
(``"%Y-%m-%d %H:%M:%S%z"``). The score scale depends on the evaluator (judge 1-10 or exact-match
0/1, see docs/result_formats.md §4): the package's judge 1-10 unless an ``evaluator`` field or an
``eval=`` folder says otherwise; where the scores cannot tell, the user chooses
(:data:`~storage.importers.parsed.JUDGE_OR_BINARY`, ``storage.scales.judge_or_binary``).

Files of one folder form one run. The ``model`` field is as typed on the command line and may be
abbreviated (``2b-it``); when a folder is named like ``model=recurrentgemma-2b-it_eval=number``
(TushaarGVS), the folder's model id and evaluator are used and the field value is kept in the
run's config.
"""
from __future__ import annotations

import re
from datetime import datetime

from storage.importers.niah_record import (NiahTest, not_evaluated_note, tokenizer_key, trial_extra,
                                           trials_frame, validate_test)
from storage.importers.parsed import JUDGE_OR_BINARY, ParsedFile
from storage.importers.source import SourceFile

FORMAT = "niah_package"
LABEL = "NIAH per-test JSON, needlehaystack package (gkamradt 0.1.x and forks)"
PRIORITY = 11

NAME_RE = re.compile(r"^(.+)_len_(\d+)_depth_(\d+)_results\.json$")
LEGACY_NAME_RE = re.compile(r"^token_len_\d+_depth_\d+_results(?:_\d+)?\.json$")
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S%z"
#: ``key=value`` parts of a folder name joined by ``_`` (e.g. ``model=recurrentgemma-2b-it_eval=number``)
FOLDER_KEY_RE = re.compile(r"_(?=[A-Za-z]\w*=)")


def detect(src: SourceFile) -> bool:
    """The package's file name pattern, or a JSON object with the F4 timing keys."""
    if src.suffix != ".json":
        return False
    head = src.head(4096).lstrip()
    if not head.startswith("{"):
        return False
    if NAME_RE.match(src.name) and not LEGACY_NAME_RE.match(src.name):
        return True
    return all(k in head for k in ('"context_length"', '"depth_percent"', '"score"')) and (
        '"test_timestamp_utc"' in head or '"test_duration_seconds"' in head
    )


def folder_settings(src: SourceFile) -> tuple[str, dict[str, str]]:
    """The innermost folder of ``src`` named ``k=v_k=v...`` and its settings, or ``("", {})``."""
    for folder in reversed(src.parts):
        if "=" in folder:
            pairs = [p.split("=", 1) for p in FOLDER_KEY_RE.split(folder)]
            if all(len(p) == 2 and p[0] and p[1] for p in pairs):
                return folder, dict(pairs)
    return "", {}


def _check_name(src: SourceFile, test: NiahTest) -> None:
    """The file name's ``<L>`` and ``<D> = int(depth_percent * 100)`` must match the fields."""
    m = NAME_RE.match(src.name)
    if not m:
        return
    if int(m.group(2)) != test.context_length:
        raise src.error("field 'context_length'", f"{test.context_length} disagrees with the file name ({m.group(2)})")
    if abs(int(m.group(3)) - test.depth_percent * 100) >= 1.0 + 1e-6:
        raise src.error("field 'depth_percent'", f"{test.depth_percent} disagrees with the file name ({m.group(3)})")


def _extra(src: SourceFile, test: NiahTest) -> dict:
    """Per-trial timing: ISO-8601 timestamp and duration in seconds, where the file has them.

    Raises:
        FormatError: ``test_timestamp_utc`` not in the package's ``%Y-%m-%d %H:%M:%S%z`` format.
    """
    extra = {}
    fields = test.model_extra or {}
    stamp = fields.get("test_timestamp_utc")
    if stamp is not None:
        try:
            extra["test_timestamp_utc"] = datetime.strptime(str(stamp), TIMESTAMP_FORMAT).isoformat()
        except ValueError:
            raise src.error("field 'test_timestamp_utc'", f"expected '{TIMESTAMP_FORMAT}', got {stamp!r:.60}") from None
    duration = fields.get("test_duration_seconds")
    if duration is not None:
        if isinstance(duration, bool) or not isinstance(duration, (int, float)):
            raise src.error("field 'test_duration_seconds'", f"expected a number, got {duration!r:.60}")
        extra["test_duration_seconds"] = float(duration)
    return extra


def parse(src: SourceFile) -> list[ParsedFile]:
    """One trial; model from the ``model=`` folder when there is one, else from the field.

    Raises:
        FormatError: bad JSON or fields (names the field), a file name that contradicts the
            fields, or a timestamp in another format.
    """
    test = validate_test(src, src.json())
    if not test.model:
        raise src.error("field 'model'", "missing or empty")
    _check_name(src, test)
    trials = trials_frame([test], src.name)
    trials["extra"] = [{**_extra(src, test), **(trial_extra(test) or {})}]
    folder, settings = folder_settings(src)
    config = {"model_field": test.model}
    inferred = {}
    notes = not_evaluated_note([test])
    model, source = test.model, "field"
    if settings.get("model"):
        model, source = settings["model"], "folder"
        inferred["model"] = (f"{model} (from the folder name '{folder}'; the files' model field says "
                             f"'{test.model}')")
        if test.model not in model:
            notes.append(f"the folder's model '{model}' does not contain the field's model '{test.model}'")
    if settings:
        config["folder_settings"] = settings
    field_evaluator = (test.model_extra or {}).get("evaluator")
    evaluator = field_evaluator if isinstance(field_evaluator, str) and field_evaluator else settings.get("eval")
    if evaluator:
        inferred["evaluator"] = (f"{evaluator} (field 'evaluator')" if evaluator == field_evaluator
                                 else f"{evaluator} (from the folder name '{folder}')")
    return [
        ParsedFile(
            format=FORMAT,
            run_key=f"{FORMAT}:{src.folder}:{model}{tokenizer_key(test.tokenizer)}",
            benchmark="niah",
            score_scale=JUDGE_OR_BINARY,
            length_unit="tokens",
            tokenizer=test.tokenizer or "tested model's tokenizer (not recorded)",
            model=model,
            model_source=source,
            evaluator=evaluator,
            config=config,
            inferred=inferred,
            notes=notes,
            niah_trials=trials,
        )
    ]
