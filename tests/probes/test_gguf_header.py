"""GGUF files: an architecture transformers cannot read is named with the installed version and
the architectures it reads; a file without ``<arch>.context_length`` has an unknown (0) context
limit, not transformers' default 2,048."""
from __future__ import annotations

import pytest
import transformers

from analysis.probes.models import ModelLoadError, describe, gguf_header
from tests.probes.gguf_files import write_gguf


def _gguf(path, arch: str, context_length: int | None = None):
    return write_gguf(path, arch, **({} if context_length is None else {"context_length": context_length}))


def test_unsupported_architecture_names_version_and_supported_list(tmp_path):
    path = _gguf(tmp_path / "odd.gguf", "rwkv7x")
    with pytest.raises(ModelLoadError) as err:
        gguf_header(path)
    msg = str(err.value)
    assert "'rwkv7x'" in msg and f"transformers {transformers.__version__}" in msg and "llama" in msg
    with pytest.raises(ModelLoadError, match="rwkv7x"):
        describe(str(path))  # the model picker's path gives the same message


def test_context_length_from_the_header_or_unknown(tmp_path):
    assert gguf_header(_gguf(tmp_path / "a.gguf", "llama", 8192)).context_length == 8192
    header = gguf_header(_gguf(tmp_path / "b.gguf", "llama"))
    assert header.context_length == 0 and header.n_params == 32 and not header.has_chat_template


@pytest.mark.real_model
def test_smollm2_context_limit_is_its_header_value():
    assert describe("smollm2").context_limit == 8192
