"""Command line: ``python -m analysis.probes.traceback --model M --context FILE --question Q
[--answer A] --method tracllm --k 5 [--segment paragraph|sentence|words100] [--out FILE.json]
[--store FILE_OR_DUCKLAKE_URL | --db FILE]``.

``--context`` is a text file (segmented by ``--segment``) or a JSON file holding a list of passage
strings (used as given). Prints the cost estimate, then the answer and the top-K passages;
``--out`` writes the result document, ``--db`` stores it (see ``storage/traceback.py``).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from analysis.probes.traceback.run import METHODS, TracebackConfig, run_traceback
from analysis.probes.traceback.segment import LEVELS, segment


def read_context(path: Path) -> str | list[str]:
    """Text of ``path``, or its list of passages if it is a JSON list of strings.

    Raises:
        ValueError: a .json file that is not a list of strings.
    """
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if not isinstance(data, list) or not all(isinstance(p, str) for p in data):
            raise ValueError(f"{path}: a JSON context must be a list of passage strings")
        return data
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m analysis.probes.traceback", description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="smollm2 | gemma3-270m | model folder | .gguf file | hub id")
    ap.add_argument("--context", required=True, type=Path, help="text file, or JSON list of passages")
    ap.add_argument("--question", required=True)
    ap.add_argument("--answer", help="answer to trace (default: generate greedily)")
    ap.add_argument("--method", default="tracllm", choices=list(METHODS))
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--segment", default="paragraph", choices=list(LEVELS))
    ap.add_argument("--permutations", type=int, default=5, help="Shapley permutations N")
    ap.add_argument("--ablations", type=int, default=64, help="ContextCite random ablations")
    ap.add_argument("--heads", help="AttnTrace heads as 'layer:head,layer:head' (default all)")
    ap.add_argument("--batch-size", type=int, default=1)
    ap.add_argument("--budget", type=int, help="refuse to run more forward passes than this")
    ap.add_argument("--no-faithfulness", action="store_true", help="skip the top-K vs random-K removal check")
    ap.add_argument("--device", help="cuda | mps | cpu (default: best available)")
    ap.add_argument("--out", type=Path, help="write the result JSON here")
    ap.add_argument("--db", type=Path, help="store the result in this DuckDB file")
    ap.add_argument("--store", help="store the result in this store (a .duckdb file or a team store's DuckLake URL)")
    ap.add_argument("--data-path", help="team store: Parquet data folder or bucket (default: $LONGSCOPE_DATA_PATH)")
    args = ap.parse_args(argv)

    try:
        context = read_context(args.context)
        heads = None
        if args.heads:
            heads = [tuple(int(x) for x in h.split(":")) for h in args.heads.split(",")]
        cfg = TracebackConfig(method=args.method, k=args.k, segmentation=args.segment,
                              n_permutations=args.permutations, n_ablations=args.ablations, heads=heads,
                              batch_size=args.batch_size, max_forward_passes=args.budget,
                              faithfulness=not args.no_faithfulness)
        n = len(segment(context, args.segment))
        print(f"{n} passages; {args.method} needs at most {cfg.estimate(n)} forward passes", file=sys.stderr)
        from analysis.probes.models import load

        loaded = load(args.model, device=args.device)
        result = run_traceback(loaded.model, loaded.tokenizer, context, args.question, answer=args.answer,
                               config=cfg, model_name=args.model)
    except (OSError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    doc = result.to_json()
    print(f"answer ({result.answer_source}): {result.answer}")
    for r, i in enumerate(result.top_k, 1):
        print(f"{r}. [{i}] {result.scores[i]:+.3f}  {result.passages[i][:100]}")
    print(f"{result.forward_passes} forward passes, {result.seconds:.1f} s", file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    if args.db or args.store:
        from storage.db import store_from_args
        from storage.traceback import save_traceback

        store = store_from_args(args)
        tid = save_traceback(store, doc, context_hash=result.context_hash)
        print(f"stored as traceback {tid} in {store.path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
