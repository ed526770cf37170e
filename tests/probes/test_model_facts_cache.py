"""The picker's model facts of a GGUF file are read once per file and kept on disk: a later
process (simulated by clearing the in-process cache) reads them back without parsing the GGUF; a
changed file, another transformers version or a broken entry reads the file again."""
from __future__ import annotations

import pytest

from analysis.probes import models
from analysis.probes.model_facts_cache import load_facts, save_facts
from tests.probes.gguf_files import write_gguf


def _tiny_llama_gguf(path, n_layers: int = 2):
    """A llama GGUF header with 2 layers, 4 heads, 2 KV heads, width 64, context 512 (one tensor)."""
    return write_gguf(path, "llama", (16, 64), context_length=512, block_count=n_layers, head_count=4,
                      head_count_kv=2, embedding_length=64, feed_forward_length=128, layer_norm_rms_eps=1e-5)


def test_gguf_facts_come_from_disk_until_the_file_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("LONGSCOPE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(models, "_DESCRIBED", {})
    path = _tiny_llama_gguf(tmp_path / "tiny.gguf")
    first = models.describe(str(path), device="cpu")
    assert (first.n_layers, first.n_heads, first.n_kv_heads, first.head_dim, first.context_limit) == (2, 4, 2, 16, 512)
    assert first.n_params == 16 * 64 and first.device == "cpu" and first.dtype == "float32"

    reads = []
    real = models._config_facts
    monkeypatch.setattr(models, "_config_facts", lambda *a: reads.append(a) or real(*a))
    monkeypatch.setattr(models, "_DESCRIBED", {})                     # a new process
    again = models.describe(str(path), device="cpu")
    assert again == first and reads == []                             # no GGUF parsed
    renamed = models.describe(str(path), device="cuda")               # device / dtype are per machine
    assert renamed.device == "cuda" and renamed.dtype == "bfloat16" and renamed.n_layers == 2 and reads == []

    _tiny_llama_gguf(path, n_layers=3)                                # the file changed: read again
    monkeypatch.setattr(models, "_DESCRIBED", {})
    assert models.describe(str(path), device="cpu").n_layers == 3 and len(reads) == 1


def test_a_broken_entry_or_another_transformers_is_not_trusted(tmp_path):
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    save_facts(tmp_path, gguf, "5.0", {"n_layers": 30})
    assert load_facts(tmp_path, gguf, "5.0") == {"n_layers": 30}
    assert load_facts(tmp_path, gguf, "5.1") is None
    [entry] = (tmp_path / "model_facts").iterdir()
    entry.write_text("{not json")
    assert load_facts(tmp_path, gguf, "5.0") is None


@pytest.mark.real_model
def test_smollm2_facts_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("LONGSCOPE_CACHE", str(tmp_path))
    monkeypatch.setattr(models, "_DESCRIBED", {})
    info = models.describe("smollm2", device="cpu")
    monkeypatch.setattr(models, "_DESCRIBED", {})
    monkeypatch.setattr(models, "_config_facts", lambda *a: pytest.fail("read the GGUF again"))
    assert models.describe("smollm2", device="cpu") == info and info.context_limit == 8192
