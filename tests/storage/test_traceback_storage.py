"""Stored traceback results: save, list, load back as the CLI document, compare, delete."""
from __future__ import annotations

import pandas as pd


def _doc(method, scores, top_k, passes):
    return {
        "answer": "7341", "question": "What is the code?", "model": "smollm2", "method": method,
        "answer_source": "generated",
        "passages": [{"index": i, "text": f"p{i}", "score": s} for i, s in enumerate(scores)],
        "top_k": top_k, "forward_passes": passes, "seconds": 1.5,
        "config": {"k": 2, "segmentation": "paragraph", "n_permutations": 5},
        "faithfulness": {"logprob_full": -0.5, "logprob_without_top": -9.0},
    }


def test_save_load_roundtrip_and_compare(store):
    from storage.traceback import compare_scores, delete_traceback, list_tracebacks, load_traceback, save_traceback

    loo = _doc("loo", [0.2, 15.2, -0.1], [1, 0], 4)
    tr = _doc("tracllm", [None, 2.0, 0.5], [1, 2], 23)
    a = save_traceback(store, loo, context_hash="h1")
    b = save_traceback(store, tr, context_hash="h1", label="first try")
    back = load_traceback(store, a)
    for key in ("answer", "passages", "top_k", "forward_passes", "seconds", "method", "model", "config", "faithfulness"):
        assert back[key] == loo[key]
    assert load_traceback(store, b)["passages"][0]["score"] is None  # pruned passage stays unscored

    listing = list_tracebacks(store)
    assert listing["traceback_id"].tolist() == [b, a]
    assert listing.set_index("traceback_id").loc[a, "top1"] == "p1"  # rank 1 = highest score 15.2
    assert listing.set_index("traceback_id").loc[b, "label"] == "first try"

    wide = compare_scores(store, [a, b]).set_index("passage_index")
    assert wide.loc[1, f"{a}: loo"] == 15.2 and wide.loc[2, f"{b}: tracllm"] == 0.5
    assert wide.loc[0, f"rank {a}"] == 2 and pd.isna(wide.loc[0, f"rank {b}"])

    delete_traceback(store, a)
    assert list_tracebacks(store)["traceback_id"].tolist() == [b]
