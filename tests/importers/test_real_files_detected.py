"""Every file under ../shared/data/real is recognised as the format its harness wrote.

Format detection is the first step of every ingest; the per-format tests check the values.
The files checked are exactly those ``SHA256SUMS`` lists (the provenance of the folder), so a file
added there is either given an expected format below or listed as not yet supported.
"""
from __future__ import annotations

import pytest

from storage.importers import registry
from storage.importers.source import FormatError, SourceFile

#: folder prefix (relative to data/real) -> formats its files may have
EXPECTED = {
    "Galabduljabbar__LongBench/pred_e/llama_2/result.json": {"longbench_e_result"},
    "Galabduljabbar__LongBench/pred_e/llama_2/": {"longbench_pred"},
    "HaoranDeng__RULER/scripts/benchmark_root/llama3.1-8b-chat/synthetic/4096/pred/summary.csv": {"ruler_summary"},
    "HaoranDeng__RULER/scripts/benchmark_root/llama3.1-8b-chat/synthetic/4096/pred/submission.csv": {"ruler_submission"},
    "L3Gaunt__LongBench/results/": {"longbench_v2"},
    "MubarakHAlketbi__LLMTest_NeedleInAHaystack/": {"niah_package"},
    "TushaarGVS__LLMTest_NeedleInAHaystack/": {"niah_package"},
    "OpenBMB__InfiniteBench/": {"infinitebench"},
    "OpenLMLab__LEval/": {"leval_exam"},
    "booydar__babilong/": {"babilong"},
    "gkamradt__LLMTest_NeedleInAHaystack/original_results/Anthropic_Original_Results/": {"niah_legacy"},
    "gkamradt__LLMTest_NeedleInAHaystack/original_results/OpenAI_Original_Results/": {"niah_aggregated"},
    "gkamradt__LLMTest_NeedleInAHaystack/viz/": {"niah_multi_needle"},
    "jquesnelle__yarn/data/proofpile": {"wide_model_length_csv"},
    "jquesnelle__yarn/data/Yarn-": {"lm_eval"},
    "viridisGreen__LongBench/pred/llama2-7b-chat-4k/result.json": {"longbench_result"},
    "viridisGreen__LongBench/pred/llama2-7b-chat-4k/": {"longbench_pred"},
    "viridisGreen__LongBench/pred/": {"longbench_result"},
    "princeton-nlp__HELMET/data/agg_results.csv": {"helmet_leaderboard"},
    "joie-zhang__HELMET/results/": {"helmet_study"},
    "salesforce__summary-of-a-haystack/": {"summhay"},
    "QwenLM__Qwen/README.md": {"published_table"},
}

#: files of formats no importer reads yet: detection must refuse them with "unknown format". Remove a
#: path from here, and give its prefix in EXPECTED, when its importer lands. (F17-F20 landed: empty.)
NOT_YET_SUPPORTED: tuple[str, ...] = ()


def _expected(rel: str) -> set[str]:
    prefix = max((p for p in EXPECTED if rel.startswith(p)), key=len, default=None)
    assert prefix is not None, f"{rel}: no expected format; add its prefix to EXPECTED or list it in NOT_YET_SUPPORTED"
    return EXPECTED[prefix]


@pytest.fixture(scope="module")
def real_files(real_data) -> dict[str, bytes]:
    """relative path -> bytes of every file SHA256SUMS lists (asserting the folder holds exactly those)."""
    listed = {line.split(maxsplit=1)[1] for line in (real_data / "SHA256SUMS").read_text().splitlines() if line.strip()}
    present = {p.relative_to(real_data).as_posix() for p in real_data.rglob("*") if p.is_file()}
    assert present - {"PROVENANCE.md", "SHA256SUMS"} == listed
    return {rel: (real_data / rel).read_bytes() for rel in sorted(listed)}


def test_every_real_file_is_detected(real_files):
    wrong = {}
    for rel, data in real_files.items():
        if rel in NOT_YET_SUPPORTED:
            continue
        fmt = registry.detect(SourceFile(rel, data)).FORMAT
        if fmt not in _expected(rel):
            wrong[rel] = fmt
    assert not wrong, dict(list(wrong.items())[:10])


def test_files_of_unsupported_formats_are_refused(real_files):
    if not NOT_YET_SUPPORTED:
        pytest.skip("every real file has an importer (NOT_YET_SUPPORTED is empty)")
    accepted = {}
    for rel in NOT_YET_SUPPORTED:
        try:
            accepted[rel] = registry.detect(SourceFile(rel, real_files[rel])).FORMAT
        except FormatError as exc:
            assert "unknown format" in str(exc), str(exc)
    assert not accepted, f"now read (remove from NOT_YET_SUPPORTED, add to EXPECTED): {accepted}"
