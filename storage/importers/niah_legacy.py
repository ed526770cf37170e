"""F1: gkamradt's original per-test NIAH JSON (``token_len_<L>_depth_<D>_results[_2].json``).

One test per file, judge score 1-10, no timestamp fields. The model name is in the ``model``
field. Files of one folder form one run; ``version`` 2 files are repeats (kept as trials).
"""
from __future__ import annotations

import re

from storage.importers.niah_record import not_evaluated_note, tokenizer_key, trials_frame, validate_test
from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

FORMAT = "niah_legacy"
LABEL = "NIAH per-test JSON, original gkamradt script (2023)"
PRIORITY = 10

NAME_RE = re.compile(r"^token_len_(\d+)_depth_(\d+)_results(?:_(\d+))?\.json$")
KEYS = ('"context_length"', '"depth_percent"', '"score"', '"model_response"')


def detect(src: SourceFile) -> bool:
    """File name pattern, or a JSON object with the F1 keys and no ``test_timestamp_utc``."""
    if src.suffix != ".json":
        return False
    head = src.head(4096)
    if not head.lstrip().startswith("{"):
        return False
    if NAME_RE.match(src.name) and '"score"' in head:
        return True
    return all(k in head for k in KEYS) and '"test_timestamp_utc"' not in head and '"test_duration_seconds"' not in head


def parse(src: SourceFile) -> list[ParsedFile]:
    """One trial; the file name, when it follows the harness pattern, must agree with the fields.

    Raises:
        FormatError: bad JSON or fields, or a file name that contradicts the fields.
    """
    test = validate_test(src, src.json())
    m = NAME_RE.match(src.name)
    if m and int(m.group(1)) != test.context_length:
        raise src.error("field 'context_length'", f"{test.context_length} disagrees with the file name ({m.group(1)})")
    if not test.model:
        raise src.error("field 'model'", "missing or empty")
    return [
        ParsedFile(
            format=FORMAT,
            run_key=f"{FORMAT}:{src.folder}:{test.model}{tokenizer_key(test.tokenizer)}",
            benchmark="niah",
            score_scale="judge_1_10",
            length_unit="tokens",
            tokenizer=test.tokenizer or "tested model's provider tokenizer (not recorded)",
            notes=not_evaluated_note([test]),
            model=test.model,
            model_source="field",
            evaluator="LLM judge (gkamradt rubric 1-10)",
            inferred={"score scale": "judge 1-10 (original gkamradt evaluator)"},
            niah_trials=trials_frame([test], src.name),
        )
    ]
