"""File identity = content hash + what the path contributes; a changed file at a stored path is a re-run."""
from __future__ import annotations

import json

from storage.ingest import DUPLICATE, READY, commit, prepare
from storage.importers.source import SourceFile


def _summary(score: float) -> bytes:
    """A RULER ``summary.csv`` as evaluate.py writes it, one task."""
    return f"0,1\nTasks,niah_single_1\nScore,{score}\nNulls,0/500\n".encode()


def _scores(store) -> list[tuple]:
    return store.cursor().execute(
        "SELECT r.run_key, t.length_value, t.value_raw FROM task_scores t JOIN runs r USING (run_id) ORDER BY 1, 2"
    ).fetchall()


def test_identical_ruler_summaries_at_two_lengths_are_both_stored(store):
    same = _summary(92.4)
    srcs = [SourceFile(f"/r/llama/synthetic/{n}/pred/summary.csv", same) for n in (4096, 8192)]
    plan = prepare(srcs, store)
    assert [o.status for o in plan.files] == [READY, READY]
    written = commit(plan, store)
    assert len(written) == 2
    assert _scores(store) == [("ruler:/r/llama/synthetic/4096/pred", 4096.0, 92.4),
                              ("ruler:/r/llama/synthetic/8192/pred", 8192.0, 92.4)]
    files = store.cursor().execute("SELECT file_id, sha256, path_facts FROM files ORDER BY path").fetchall()
    assert len(files) == 2 and files[0][1] == files[1][1] == srcs[0].sha256
    assert files[0][0] != files[1][0]
    assert json.loads(files[0][2]) == {"folders": "llama/synthetic/4096/pred", "file": "summary.csv"}


def test_same_file_same_path_again_adds_nothing(store):
    src = SourceFile("/r/llama/synthetic/4096/pred/summary.csv", _summary(92.4))
    commit(prepare([src], store), store)
    plan = prepare([SourceFile(src.path, src.data)], store)
    assert plan.files[0].status == DUPLICATE and "already ingested" in plan.files[0].message
    assert commit(plan, store) == {}
    assert len(_scores(store)) == 1


def test_longbench_pred_and_pred_e_copies_are_both_stored(store):
    line = json.dumps({"pred": "Paris", "answers": ["Paris"], "all_classes": None, "length": 5000}) + "\n"
    srcs = [SourceFile("/lb/pred/m/hotpotqa.jsonl", line.encode()),
            SourceFile("/lb/pred_e/m/hotpotqa_e.jsonl", line.encode())]
    plan = prepare(srcs, store)
    assert [o.status for o in plan.files] == [READY, READY]
    commit(plan, store)
    # one sample each, scored qa_f1 = 1.0; LongBench-E buckets 5000 words into 4-8k
    rows = store.cursor().execute(
        "SELECT r.benchmark, s.task, s.length_label, s.score_raw FROM samples s JOIN runs r USING (run_id) ORDER BY 1"
    ).fetchall()
    assert rows == [("longbench", "hotpotqa", None, 1.0), ("longbench_e", "hotpotqa_e", "4-8k", 1.0)]


def test_rerun_in_the_same_folder_is_a_new_version_not_averaged(store):
    path = "/r/llama/synthetic/4096/pred/summary.csv"
    first = commit(prepare([SourceFile(path, _summary(92.4))], store), store)
    plan = prepare([SourceFile(path, _summary(99.8))], store)
    (run,) = plan.runs.values()
    assert run.existing_run_id is None and run.rerun_of == first["ruler:/r/llama/synthetic/4096/pred"]
    assert run.version == 2 and "re-run" in run.inferred["run version"]
    commit(plan, store)
    # two runs of one task score each: 92.4 and 99.8, never one run averaging to 96.1
    assert _scores(store) == [("ruler:/r/llama/synthetic/4096/pred", 4096.0, 92.4),
                              ("ruler:/r/llama/synthetic/4096/pred#v2", 4096.0, 99.8)]
    means = store.cursor().execute("SELECT run_id, avg(value_raw) FROM task_scores GROUP BY 1 ORDER BY 1").fetchall()
    assert [m for _, m in means] == [92.4, 99.8]
    config = json.loads(store.cursor().execute("SELECT config FROM runs WHERE run_key LIKE '%#v2'").fetchone()[0])
    assert config["run_version"] == {"version": 2, "rerun_of": run.rerun_of, "changed_files": [path]}
    # a third version after that one, and a new file beside it appends to the latest version
    plan = prepare([SourceFile(path, _summary(50.0))], store)
    assert next(iter(plan.runs)) == "ruler:/r/llama/synthetic/4096/pred#v3"
    extra = SourceFile("/r/llama/synthetic/4096/pred/summary-vt.csv", b"0,1\nTasks,vt\nScore,80.0\nNulls,0/500\n")
    plan = prepare([extra], store)
    assert next(iter(plan.runs.values())).existing_run_id == config["run_version"]["rerun_of"] + 1


def test_file_stored_before_path_facts_were_recorded_is_still_known(store):
    src = SourceFile("/r/llama/synthetic/4096/pred/summary.csv", _summary(92.4))
    commit(prepare([src], store), store)
    cur = store.cursor()
    # what migration 0009 leaves for a file stored before it: file_id = sha256, path_facts NULL
    cur.execute("UPDATE files SET file_id = sha256, path_facts = NULL")
    assert prepare([SourceFile(src.path, src.data)], store).files[0].status == DUPLICATE
    moved = prepare([SourceFile("/r/llama/synthetic/8192/pred/summary.csv", src.data)], store)
    assert moved.files[0].status == READY
