"""F3: a JSON **list** of per-test NIAH objects (forks of gkamradt's original script).

Each item carries the F1 field set minus ``file_name``: ``model``, ``context_length`` (tokens),
``depth_percent``, ``version``, ``needle``, ``model_response``, ``score`` (judge 1-10). One file can
hold two runs of the same grid (``version`` 1, then 2): they stay in one run, the repeats kept as
trials (see docs/result_formats.md §3; no real file of this format was found).
"""
from __future__ import annotations

from storage.importers.niah_record import not_evaluated_note, tokenizer_key, trials_frame, validate_test
from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

FORMAT = "niah_list"
LABEL = "NIAH JSON list of per-test objects (gkamradt forks)"
PRIORITY = 10

KEYS = ('"context_length"', '"depth_percent"', '"score"', '"model"')


def detect(src: SourceFile) -> bool:
    """A ``.json`` file holding a list whose first object has the F3 keys."""
    head = src.head(8192).lstrip()
    return src.suffix == ".json" and head.startswith("[") and all(k in head for k in KEYS)


def parse(src: SourceFile) -> list[ParsedFile]:
    """One run per model (and recorded tokenizer) named in the file (normally one), every item a
    trial; items with ``"score": null`` and an ``error`` are trials not evaluated.

    Raises:
        FormatError: not a non-empty list, or an item with a missing / wrong-typed field or an
            empty ``model`` (names the item, 1-based, and the field).
    """
    items = src.json()
    if not isinstance(items, list) or not items:
        raise src.error(None, "expected a non-empty JSON list of test objects")
    by_model: dict[tuple[str, str | None], list] = {}
    for i, obj in enumerate(items, start=1):
        test = validate_test(src, obj, where=f"item {i}")
        if not test.model:
            raise src.error(f"item {i}, field 'model'", "missing or empty")
        by_model.setdefault((test.model, test.tokenizer), []).append(test)
    return [
        ParsedFile(
            format=FORMAT,
            run_key=f"{FORMAT}:{src.path}:{model}{tokenizer_key(tokenizer)}",
            benchmark="niah",
            score_scale="judge_1_10",
            length_unit="tokens",
            tokenizer=tokenizer or "tested model's provider tokenizer (not recorded)",
            notes=not_evaluated_note(tests),
            model=model,
            model_source="field",
            evaluator="LLM judge (gkamradt rubric 1-10)",
            inferred={"score scale": "judge 1-10 (gkamradt evaluator)"},
            config={"versions": sorted({t.version for t in tests})},
            niah_trials=trials_frame(tests, src.name),
        )
        for (model, tokenizer), tests in by_model.items()
    ]
