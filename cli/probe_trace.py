"""Context traceback: which passages of a context made the model give its answer (``jobs/traceback.py``).

Example::

    longscope probe trace --model smollm2 --context FILE --question Q [--answer A] --method tracllm --k 5 \\
        [--segment paragraph|sentence|words100] [--out FILE.json] [--db FILE | --store URL]

``--context`` is a text file (segmented by ``--segment``) or a JSON file holding a list of passage
strings (used as given). Each method's own parameters have flags (the methods using one are named
in its help); a flag the chosen method does not have is ignored with a note. Prints the cost
estimate, then the answer and the top-K passages; ``--out`` writes the result document, ``--db``
stores it.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from analysis.probes.traceback.methods.registry import METHODS, get_method
from analysis.probes.traceback.segment import segment
from cli.options import add_field, add_options, options_from
from jobs.traceback import TracebackOptions, run
from storage.db import store_from_args

HELP = "context traceback: score the context's passages by how much the answer depends on them"


def read_context(path: str | Path) -> str | list[str]:
    """Text of ``path``, or its list of passages if it is a JSON list of strings.

    Raises:
        ValueError: a .json file that is not a list of strings (the message names the file).
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if not isinstance(data, list) or not all(isinstance(p, str) for p in data):
            raise ValueError(f"{path}: a JSON context must be a list of passage strings")
        return data
    return text


def parse_heads(text: str) -> list[tuple[int, int]]:
    """``'layer:head,layer:head'`` (0-based) as pairs."""
    return [tuple(int(x) for x in h.split(":")) for h in text.split(",")]


OVERRIDES = {"context": {"type": Path, "metavar": "FILE", "help": "text file, or JSON list of passages"},
             "segmentation": {"flags": ["--segment"]},
             "max_forward_passes": {"flags": ["--budget"], "metavar": "N"},
             "model": {"required": True}}
#: the method parameters' flags: the old spellings kept as aliases
PARAM_OVERRIDES = {"n_permutations": {"flags": ["--n-permutations", "--permutations"]},
                   "n_ablations": {"flags": ["--n-ablations", "--ablations"]},
                   "heads": {"type": parse_heads, "nargs": None, "metavar": "L:H,L:H"}}


def method_params() -> dict[str, list[str]]:
    """``{parameter: methods having it}`` over the registry (a parameter shared by methods must
    have the same type in each).

    Raises:
        TypeError: two methods give one parameter name different types.
    """
    owners: dict[str, list[str]] = {}
    seen: dict[str, Any] = {}
    for m in METHODS.values():
        for name, field in m.Params.model_fields.items():
            if seen.setdefault(name, field.annotation) != field.annotation:
                raise TypeError(f"parameter {name!r} has different types in {owners[name]} and {m.name}")
            owners.setdefault(name, []).append(m.name)
    return owners


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The traceback's options (:class:`TracebackOptions`), each method's parameters, and where the
    result goes."""
    add_options(ap, TracebackOptions, skip=("params",), overrides=OVERRIDES)
    group = ap.add_argument_group("method parameters", "each applies to the methods named in its help; "
                                                       "the method's default when not given")
    for name, owners in method_params().items():
        field = next(m.Params.model_fields[name] for m in METHODS.values() if name in m.Params.model_fields)
        what = f"turn off: {field.description}" if field.default is True else field.description
        add_field(group, name, field, {**PARAM_OVERRIDES.get(name, {}), "help": f"{what} [{', '.join(owners)}]"},
                  unset=True)
    ap.add_argument("--out", type=Path, metavar="FILE.json", help="write the result JSON here")
    ap.add_argument("--db", type=Path, metavar="FILE", help="store the result in this DuckDB file")
    ap.add_argument("--store", help="store the result in this store (a .duckdb file or a team store's DuckLake URL)")
    ap.add_argument("--data-path", help="team store: Parquet data folder or bucket (default: $LONGSCOPE_DATA_PATH)")


def options(args: argparse.Namespace) -> TracebackOptions:
    """The parsed flags as the job's options (method parameters the method lacks are reported on
    stderr and dropped).

    Raises:
        OSError / ValueError: the context file cannot be read.
    """
    fields = get_method(args.method).Params.model_fields
    params = {}
    for name in method_params():
        value = getattr(args, name)
        if value is None:
            continue
        if name in fields:
            params[name] = value
        else:
            print(f"note: --{name.replace('_', '-')} is not a parameter of {args.method} (ignored)", file=sys.stderr)
    return options_from(args, TracebackOptions, context=read_context(args.context), params=params)


def main(args: argparse.Namespace) -> int:
    """Trace; prints the estimate (stderr), the answer and the top-K passages. Returns the exit status."""
    try:
        opts = options(args)
        n = len(segment(opts.context, opts.segmentation))
        print(f"{n} passages; {opts.method} needs at most {opts.config().estimate(n)} forward passes", file=sys.stderr)
        doc = run(opts, store_from_args(args) if (args.db or args.store) else None)
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"answer ({doc['answer_source']}): {doc['answer']}")
    for r, i in enumerate(doc["top_k"], 1):
        p = doc["passages"][i]
        print(f"{r}. [{i}] {p['score']:+.3f}  {p['text'][:100]}")
    print(f"{doc['forward_passes']} forward passes, {doc['seconds']:.1f} s", file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps({k: v for k, v in doc.items() if k != "traceback_id"}, indent=2),
                            encoding="utf-8")
    if "traceback_id" in doc:
        print(f"stored as traceback {doc['traceback_id']} in {args.db}", file=sys.stderr)
    return 0
