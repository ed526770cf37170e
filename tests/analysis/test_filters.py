"""analysis.filters: the model, benchmark and KV-cache method filters on the runs frame."""
import pandas as pd

from analysis.filters import NO_KV_METHOD, Filters, filter_runs, kv_method


def _runs():
    return pd.DataFrame({
        "run_id": [1, 2, 3, 4],
        "model": ["Llama-3.1-8B-Instruct", "Llama-3.1-8B-Instruct", None, "Qwen2.5-7B-Instruct"],
        "label": ["a", "b", "gpt4-run", "d"],
        "benchmark": ["helmet", "helmet", "ruler", "longproc"],
        "config": [{"kv_cache_method": "baseline"}, {"kv_cache_method": "snapkv"}, {}, {"kv_cache_method": "baseline"}],
    })


def test_kv_method_names_the_method_or_not_recorded():
    assert kv_method(_runs()).tolist() == ["baseline", "snapkv", NO_KV_METHOD, "baseline"]


def test_filter_by_kv_method_keeps_only_those_runs():
    assert filter_runs(_runs(), Filters(kv_methods=["baseline"]))["run_id"].tolist() == [1, 4]
    assert filter_runs(_runs(), Filters(kv_methods=[NO_KV_METHOD]))["run_id"].tolist() == [3]


def test_filters_combine_and_empty_means_all():
    assert filter_runs(_runs(), Filters())["run_id"].tolist() == [1, 2, 3, 4]
    f = Filters(benchmarks=["helmet"], kv_methods=["baseline", "snapkv"], models=["Llama-3.1-8B-Instruct"])
    assert filter_runs(_runs(), f)["run_id"].tolist() == [1, 2]
    assert filter_runs(_runs(), Filters(models=["gpt4-run"]))["run_id"].tolist() == [3]  # model unknown: label
