"""Run names do not depend on the upload route; default labels are unique (issue 13, item 7).

The command line (``storage.ingest.ingest_paths``) and the Upload page (``ui.uploads.read_uploads``
-> ``prepare`` -> ``commit``, as ``pages/upload.py`` calls them, with the relative paths a browser
folder upload sends, or a .zip) must store the same model names and labels for the same files.
"""
from __future__ import annotations

import io
import zipfile

from storage.db import open_store
from storage.ingest import commit, ingest_paths, prepare
from storage.runs import list_runs
from storage.sources import PACK_SUFFIX
from ui.uploads import folderless, read_uploads

GEMMA = "TushaarGVS__LLMTest_NeedleInAHaystack/original_results"
RETRIEVAL = "gkamradt__LLMTest_NeedleInAHaystack/viz/multi-needle-datasets/gpt4_retrieval.csv"
#: the two TushaarGVS runs: one model, the evaluator (from the folder name ``..._eval=<e>``) apart
GEMMA_RUNS = {("recurrentgemma-2b-it", "recurrentgemma-2b-it (evaluator=number)"),
              ("recurrentgemma-2b-it", "recurrentgemma-2b-it (evaluator=openai)")}


def _names(store) -> set[tuple[str, str]]:
    runs = list_runs(store)
    return set(zip(runs["model"], runs["label"]))


def _page_store(store, uploads: list[tuple[str, bytes]]) -> None:
    """What the Upload page does with uploads and the defaults it shows (no label edited)."""
    sources, skipped = read_uploads(uploads)
    plan = prepare(sources, store, skipped)
    assert not plan.failed, [f.message for f in plan.failed][:3]
    commit(plan, store, scales={k: "binary" for k, r in plan.runs.items() if r.needs_scale})


def test_same_folder_same_names_on_the_cli_the_folder_upload_and_a_zip(real_data, tmp_path):
    folder = real_data / GEMMA
    files = sorted(p for p in folder.rglob("*.json"))
    # a browser folder upload of original_results/ sends <picked folder>/<path inside> as each name
    relative = [(p.relative_to(folder.parent).as_posix(), p.read_bytes()) for p in files]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in relative:
            zf.writestr(name, data)

    cli = open_store(tmp_path / "cli.duckdb")
    plan, written = ingest_paths([folder], cli, scale="binary")
    assert not plan.failed and len(written) == 2
    assert {r.label for r in plan.runs.values()} == {label for _, label in GEMMA_RUNS}  # the preview's defaults
    for route, uploads in (("folder", relative), ("zip", [("original_results.zip", buf.getvalue())])):
        page = open_store(tmp_path / f"{route}.duckdb")
        _page_store(page, uploads)
        assert _names(page) == _names(cli) == GEMMA_RUNS, route
        page.close()
    cli.close()


def test_files_without_folders_are_counted_for_the_page_warning():
    assert folderless(["a/b.json", "b.json", "c.csv", "x.zip/m.json"]) == 2


MULTI_HEADER = ("run_name,depth %,context length,retrieved needles,model name,total needles,answer,needles,"
                "insertion_percentages,fract per turn\n")


def _multi_needle_csv(model: str) -> str:
    """A LangSmith multi-needle export (gkamradt viz/multi-needle-datasets shape): one model,
    1, 3 and 10 needles at two lengths."""
    rows = []
    for total in (1, 3, 10):
        needles = "[" + ", ".join(f"'needle {i}'" for i in range(total)) + "]"
        where = "[" + ", ".join(str(50 + i) for i in range(total)) + "]"
        for length in (1000, 2000):
            rows.append(f"r-{total}-{length},50,{length},{total},{model},{total},ans,\"{needles}\",\"{where}\",1.0\n")
    return MULTI_HEADER + "".join(rows)


def test_one_model_three_needle_counts_get_three_labels(store, tmp_path):
    path = tmp_path / "gpt4_reasoning.csv"
    path.write_text(_multi_needle_csv("gpt-4-0125-preview"))
    plan, written = ingest_paths([path], store)
    assert not plan.failed and len(written) == 3
    assert sorted(list_runs(store)["label"]) == ["gpt-4-0125-preview (total_needles=1)",
                                                 "gpt-4-0125-preview (total_needles=10)",
                                                 "gpt-4-0125-preview (total_needles=3)"]


def test_real_multi_needle_csv_three_distinct_labels(store, real_data):
    plan, written = ingest_paths([real_data / RETRIEVAL], store)
    assert not plan.failed and len(written) == 3
    labels = list_runs(store)["label"]
    assert labels.is_unique and set(labels) == {f"gpt-4-0125-preview (total_needles={n})" for n in (1, 3, 10)}


def _one_needle_csv(model: str, length: int) -> str:
    """A multi-needle export holding one run: ``model``, 1 needle, one test at ``length`` tokens."""
    return MULTI_HEADER + f"r,50,{length},1,{model},1,ans,\"['needle']\",\"[50]\",1.0\n"


def test_label_differs_from_stored_runs(store, tmp_path):
    """A second run of one model (another file, another folder) gets its folder appended; a third
    from a folder of the same name a counter."""
    for i, folder in enumerate(("a/exp1", "b/exp2", "c/exp2")):
        path = tmp_path / folder / "run.csv"
        path.parent.mkdir(parents=True)
        path.write_text(_one_needle_csv("m", 1000 + i))
        plan, written = ingest_paths([path], store)
        assert not plan.failed and len(written) == 1
    assert list(list_runs(store)["label"]) == ["m", "m (exp2)", "m (exp2) #2"]


def test_user_model_name_gets_a_unique_default_label(store, real_data):
    gpt4 = real_data / "gkamradt__LLMTest_NeedleInAHaystack/original_results/OpenAI_Original_Results"
    ingest_paths([gpt4], store, model="gpt-4")
    data = (gpt4 / "OpenAI_OriginalResults.json").read_bytes() + b"\n"  # other bytes: a new file
    sources, skipped = read_uploads([("again/gpt4.json", data)])
    plan = prepare(sources, store, skipped)
    assert [r.label for r in plan.runs.values()] == [None]  # no model in the file: no default yet
    commit(plan, store, models={k: "gpt-4" for k in plan.runs})
    assert list(list_runs(store)["label"]) == ["gpt-4", "gpt-4 (again)"]


def test_single_run_keeps_the_model_as_label(store, real_data):
    plan, written = ingest_paths([real_data / GEMMA / "model=recurrentgemma-2b-it_eval=number"], store)
    assert len(written) == 1 and list(list_runs(store)["label"]) == ["recurrentgemma-2b-it"]


def test_packed_archive_members_are_read_as_the_uploaded_files(real_data, tmp_path):
    """The Upload page's packed archive (ui/upload_packer.py: stored, UTF-8 names, the files at the
    paths the browser gave) is read member by member at those paths, not under the archive's name."""
    folder = real_data / GEMMA / "model=recurrentgemma-2b-it_eval=number"
    files = [(f"{folder.name}/{p.name}", p.read_bytes()) for p in sorted(folder.glob("*.json"))]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in files:
            zf.writestr(name, data)
    packed, _ = read_uploads([(f"{folder.name}{PACK_SUFFIX}", buf.getvalue())])
    plain, _ = read_uploads(files)
    assert [s.path for s in packed] == [s.path for s in plain] == [name for name, _ in files]
    page = open_store(tmp_path / "packed.duckdb")
    _page_store(page, [(f"{folder.name}{PACK_SUFFIX}", buf.getvalue())])
    assert _names(page) == {("recurrentgemma-2b-it", "recurrentgemma-2b-it")}
    page.close()
