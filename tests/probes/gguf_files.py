"""Tiny GGUF files written by hand with the ``gguf`` package (header fields and one tensor)."""
from __future__ import annotations

import numpy as np


def write_gguf(path, arch: str, embedding_shape: tuple[int, int] = (4, 8), **fields):
    """Write a GGUF of architecture ``arch`` with one ``token_embd.weight`` tensor of zeros
    (``embedding_shape``) and the header ``fields``, each set with ``GGUFWriter.add_<name>(value)``
    (``context_length=512`` -> ``<arch>.context_length``). Returns ``path``."""
    import gguf

    w = gguf.GGUFWriter(str(path), arch)
    for name, value in fields.items():
        getattr(w, f"add_{name}")(value)
    w.add_tensor("token_embd.weight", np.zeros(embedding_shape, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
