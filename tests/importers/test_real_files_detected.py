"""Every file under ../shared/data/real is recognised as the format its harness wrote.

Format detection is the first step of every ingest; the per-format tests check the values.
"""
from __future__ import annotations

from storage.importers import registry
from storage.importers.source import SourceFile

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
}


def _expected(rel: str) -> set[str]:
    prefix = max((p for p in EXPECTED if rel.startswith(p)), key=len)
    return EXPECTED[prefix]


def test_every_real_file_is_detected(real_data):
    files = sorted(p for p in real_data.rglob("*") if p.is_file() and p.name not in ("PROVENANCE.md", "SHA256SUMS"))
    assert len(files) == 2403  # PROVENANCE.md: "Totals: 2,403 data files"
    wrong = {}
    for path in files:
        rel = path.relative_to(real_data).as_posix()
        fmt = registry.detect(SourceFile(path.as_posix(), path.read_bytes())).FORMAT
        if fmt not in _expected(rel):
            wrong[rel] = fmt
    assert not wrong, dict(list(wrong.items())[:10])
