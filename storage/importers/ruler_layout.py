"""Where NVIDIA RULER keeps model, benchmark and sequence length: only in the output path.

``scripts/run.sh`` writes ``benchmark_root/<MODEL_NAME>/<BENCHMARK>/<MAX_SEQ_LENGTH>/pred/`` (see
docs/result_formats.md §6). Every RULER file of one ``pred/`` folder belongs to one run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from storage.importers.parsed import ParsedFile
from storage.importers.source import SourceFile

#: who counted RULER's tokens: the data scripts tokenise with the evaluated model's tokenizer
TOKENIZER = "evaluated model's tokenizer (RULER prepare.py --tokenizer_path)"


@dataclass
class RulerPath:
    """Model / benchmark / sequence length read from a RULER output path.

    Attributes:
        model: ``<MODEL_NAME>`` folder, or None when the path does not follow the layout.
        benchmark: ``<BENCHMARK>`` folder (e.g. ``synthetic``), or None.
        seq_length: ``<MAX_SEQ_LENGTH>`` in tokens of the model's tokenizer, or None.
        inferred: ``{what: how}`` for the preview; notes: what is missing.
    """

    model: str | None
    benchmark: str | None
    seq_length: int | None
    inferred: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_path(src: SourceFile) -> RulerPath:
    """Parse ``.../<model>/<benchmark>/<int>/pred/<file>``; say what is missing when it does not match."""
    parts = src.parts
    layout = "RULER layout .../<model>/<benchmark>/<max_seq_length>/pred/"
    if len(parts) >= 4 and parts[-1] == "pred" and parts[-2].isdigit():
        model, bench, length = parts[-4], parts[-3], int(parts[-2])
        return RulerPath(model, bench, length, inferred={
            "model": f"{model} (folder name; RULER writes the model only in the path)",
            "benchmark": f"{bench} (folder name)",
            "sequence length": f"{length} tokens (folder name = max_seq_length; {TOKENIZER})",
        })
    missing = []
    if not parts or parts[-1] != "pred":
        missing.append("the file is not inside a 'pred' folder")
    elif len(parts) < 2 or not parts[-2].isdigit():
        missing.append("the folder above 'pred' is not an integer sequence length")
    else:
        missing.append("there are no <model>/<benchmark> folders above the length")
    note = (f"path {src.folder!r} does not follow the {layout}: {'; '.join(missing)}. "
            "Model unknown (name it) and sequence length left empty.")
    return RulerPath(None, None, None, inferred={"model": "not in the path: name the model"}, notes=[note])


def ruler_parsed(src: SourceFile, fmt: str, where: RulerPath, **rows) -> ParsedFile:
    """A :class:`ParsedFile` for one RULER file; the run is the ``pred/`` folder (all its files merge)."""
    return ParsedFile(
        format=fmt,
        run_key=f"ruler:{src.folder}",
        benchmark="ruler",
        score_scale="pct_0_100",
        length_unit="tokens",
        tokenizer=TOKENIZER,
        model=where.model,
        model_source="folder" if where.model else None,
        evaluator="RULER string_match_all / string_match_part (scripts/eval/synthetic/constants.py)",
        config={"ruler_benchmark": where.benchmark, "max_seq_length": where.seq_length},
        inferred=dict(where.inferred),
        notes=list(where.notes),
        **rows,
    )
