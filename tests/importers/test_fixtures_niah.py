"""Every importer on its committed fixture (no ../shared needed): detection, and the NIAH formats' values.

Expected numbers are computed by hand from the fixture files (tests/importers/fixtures/, see SOURCE.md).
"""
from __future__ import annotations

import json

import pytest

from storage.importers import registry
from storage.importers.source import FormatError, SourceFile
from tests.importers.conftest import FIXTURES

#: fixture folders holding several formats (the harness writes them side by side); any other
#: top-level folder is named after the one format its files have
EXPECTED = {
    "ruler/": {"ruler_summary", "ruler_submission"},
    "longbench/": {"longbench_pred", "longbench_result"},
    "longbench_e/pred_e/llama_2/result.json": {"longbench_e_result"},
    "longbench_e/": {"longbench_pred"},
}


def _expected(rel: str) -> set[str]:
    prefix = max((p for p in EXPECTED if rel.startswith(p)), key=len, default=None)
    return EXPECTED[prefix] if prefix else {rel.split("/", 1)[0]}


def _fixture_files() -> dict[str, SourceFile]:
    return {p.relative_to(FIXTURES).as_posix(): SourceFile(p.as_posix(), p.read_bytes())
            for p in sorted(FIXTURES.rglob("*")) if p.is_file() and p.name != "SOURCE.md"}


def test_every_fixture_is_detected_and_every_importer_has_one():
    found: dict[str, set[str]] = {}
    for rel, src in _fixture_files().items():
        fmt = registry.detect(src).FORMAT
        assert fmt in _expected(rel), f"{rel}: detected as {fmt}, expected {_expected(rel)}"
        found.setdefault(fmt, set()).add(rel)
    missing = {m.FORMAT for m in registry.importers()} - found.keys()
    assert not missing, f"importers without a committed fixture (add one under tests/importers/fixtures/): {missing}"


def test_every_fixture_has_its_source_written_down():
    """Each fixture folder is a row of fixtures/SOURCE.md, or has a SOURCE.md of its own."""
    source = (FIXTURES / "SOURCE.md").read_text()
    folders = {rel.rsplit("/", 1)[0] for rel in _fixture_files()}
    undocumented = [f for f in folders if f"`{f}/" not in source
                    and not any((FIXTURES / f).joinpath(*[".."] * k, "SOURCE.md").resolve().is_file()
                                for k in range(f.count("/") + 1))]
    assert not undocumented


def _trials(store, run_id: int) -> list[tuple]:
    return store.cursor().execute(
        "SELECT context_length, depth_percent, trial, score_raw FROM niah_trials WHERE run_id = ? ORDER BY 1, 2, 3",
        [run_id]).fetchall()


def test_legacy_versions_are_trials_of_one_cell(store, ingest_fixture):
    _, written = ingest_fixture("niah_legacy")
    (run_id,) = written.values()
    assert _trials(store, run_id) == [(1000, 0.0, 0, 10.0), (1000, 0.0, 1, 10.0), (200000, 0.0, 0, 10.0),
                                      (200000, 50.0, 0, 1.0)]
    assert store.cursor().execute("SELECT model, score_scale FROM runs").fetchone() == ("claude-2.1", "judge_1_10")


def test_aggregated_list_needs_a_model(store, ingest_fixture):
    from storage.ingest import ingest_paths

    plan, written = ingest_paths([FIXTURES / "niah_aggregated"], store)
    assert written == {} and "--model" in plan.files[0].message
    _, written = ingest_fixture("niah_aggregated", model="gpt-4-1106-preview")
    (run_id,) = written.values()
    trials = _trials(store, run_id)
    assert [t[:2] for t in trials] == [(1000, 0.0), (1000, 7.0), (73571, 14.0), (82643, 43.0), (100786, 7.0), (128000, 100.0)]
    assert sum(t[3] for t in trials) / 6 == pytest.approx(41 / 6)  # 10 + 10 + 3 + 7 + 1 + 10


def test_json_list_versions(store, ingest_fixture):
    _, written = ingest_fixture("niah_list")
    (run_id,) = written.values()
    assert _trials(store, run_id) == [(1000, 0.0, 0, 10.0), (1000, 0.0, 1, 7.0), (1000, 50.0, 0, 1.0), (1000, 50.0, 1, 3.0)]


def test_package_sibling_folders_binary_and_judge(store, ingest_fixture):
    _, written = ingest_fixture("niah_package")
    assert len(written) == 2
    by_eval = {}
    for run_id in written.values():
        model, source, scale, evaluator = store.cursor().execute(
            "SELECT model, model_source, score_scale, evaluator FROM runs WHERE run_id = ?", [run_id]).fetchone()
        assert (model, source) == ("recurrentgemma-2b-it", "folder")  # the field says "2b-it"
        by_eval[evaluator] = (scale, [t[3] for t in _trials(store, run_id)])
    assert by_eval["number"] == ("binary", [1.0, 1.0, 0.0, 0.0])  # (1024, 0), (1024, 100), (2560, 0), (2560, 10)
    assert by_eval["openai"] == ("judge_1_10", [10.0, 7.0])


def test_multi_needle_runs_per_needle_count(store, ingest_fixture):
    _, written = ingest_fixture("niah_multi_needle")
    assert len(written) == 2
    rows = store.cursor().execute("SELECT run_id, config FROM runs").fetchall()
    runs = {json.loads(c)["total_needles"]: rid for rid, c in rows}
    assert sorted(runs) == [1, 3]
    assert [t[3] for t in _trials(store, runs[1])] == [0.0, 1.0]  # 96200 retrieved 0 of 1, 120000 1 of 1
    assert [t[3] for t in _trials(store, runs[3])] == [pytest.approx(2 / 3), 1.0]  # 96200: 2 of 3, 120000: 3 of 3


def test_per_needle_rows_are_trials_at_each_needle_depth(store, ingest_fixture):
    _, written = ingest_fixture("niah_multi_needle_per_needle")
    assert len(written) == 2
    rows = store.cursor().execute("SELECT run_id, config, model, score_scale FROM runs").fetchall()
    runs = {json.loads(c)["total_needles"]: (rid, m, s) for rid, c, m, s in rows}
    assert {k: v[1:] for k, v in runs.items()} == {1: ("gpt-4-0125-preview", "binary"), 3: ("gpt-4-0125-preview", "binary")}
    assert [t[::3] for t in _trials(store, runs[1][0])] == [(96200, 0.0), (120000, 1.0)]
    three = _trials(store, runs[3][0])
    assert [round(t[1], 2) for t in three] == [4.98, 36.66, 68.32] and [t[3] for t in three] == [0.0, 1.0, 1.0]
    extra = json.loads(store.cursor().execute(
        "SELECT extra FROM niah_trials WHERE run_id = ? ORDER BY depth_percent LIMIT 1", [runs[3][0]]).fetchone()[0])
    assert (extra["needle_point"], extra["first_needle_depth"], extra["retrieved_needles"]) == ("Figs", 5.0, 2.0)


@pytest.mark.parametrize("old, new, where", [
    (",1,3,120000-5--", ",2,3,120000-5--", "row 4, column 'retrieved_needles_check'"),
    (",68.31803005008346,", ",168.3,", "row 5, column 'insertion %'"),
    ("120000-50--gpt-4", "gpt-4", "row 1, column 'run name'"),
])
def test_per_needle_bad_values_name_row_and_column(old, new, where):
    from storage.importers import niah_multi_needle_per_needle as per_needle

    path = FIXTURES / "niah_multi_needle_per_needle/multi-needle-datasets/gpt4_retrieval_per_needle.csv"
    text = path.read_text().replace(old, new, 1)
    with pytest.raises(FormatError) as exc:
        per_needle.parse(SourceFile("per_needle.csv", text.encode()))
    assert exc.value.where == where


def test_heatmap_pivot_cells_are_trials_and_gaps_stay_gaps(store, ingest_fixture):
    _, written = ingest_fixture("niah_heatmap_pivot", model="m-7b")
    (run_id,) = written.values()
    trials = _trials(store, run_id)
    assert len(trials) == 8 and (4000, 50.0) not in [t[:2] for t in trials]  # the empty cell
    assert sum(t[3] for t in trials) / 8 == pytest.approx(47.5 / 8)  # 10 + 7 + 1 + 10 + 1 + 3 + 5.5 + 10
    assert store.cursor().execute("SELECT score_scale FROM runs").fetchone()[0] == "judge_1_10"


@pytest.mark.parametrize("text, expected", [
    ("Context Length,1000,2000\nDocument Depth,,\n0,0.5,1.0\n", [(1000, 0.0, 0.5), (2000, 0.0, 1.0)]),  # older pandas
    ("Context Length,0,50\n8000,10,1\n", [(8000, 0.0, 10.0), (8000, 50.0, 1.0)]),  # transposed
])
def test_heatmap_pivot_other_layouts(text, expected):
    from storage.importers import niah_heatmap_pivot as pivot

    src = SourceFile("h.csv", text.encode())
    assert registry.detect(src) is pivot
    [p] = pivot.parse(src)
    assert list(p.niah_trials[["context_length", "depth_percent", "score_raw"]].itertuples(index=False, name=None)) == expected


@pytest.mark.parametrize("text, where", [
    ("Document Depth,1000,2000\n0,10,high\n", "line 2, column 3"),
    ("Document Depth,1000,2000\n150,10,1\n", "line 2, column 2"),
    ("Document Depth,1000,2000\n0,10,1,4\n", "line 2"),
    ("Document Depth,1000,2000\n0,10,250\n", "values"),
])
def test_heatmap_pivot_bad_input_is_named(text, where):
    from storage.importers import niah_heatmap_pivot as pivot

    with pytest.raises(FormatError) as exc:
        pivot.parse(SourceFile("h.csv", text.encode()))
    assert exc.value.where == where and exc.value.file == "h.csv"


def test_tidy_fixture(store, ingest_fixture):
    _, written = ingest_fixture("tidy")
    assert len(written) == 2
    cur = store.cursor()
    assert cur.execute("SELECT context_length, depth_percent, trial, score_raw FROM niah_trials ORDER BY 1, 2, 3").fetchall() == [
        (4096, 50.0, 0, 1.0), (4096, 50.0, 1, 0.0), (8192, 0.0, 0, 1.0)]
    assert cur.execute("SELECT task, metric, value_raw, value, n_samples FROM task_scores").fetchone() == (
        "vt", "string_match_all", 85.0, 0.85, 500)
