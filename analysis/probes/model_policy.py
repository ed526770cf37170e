"""Which models a live probe may load, and how big its text inputs may be, on a shared server
(issue 11).

On a laptop (sign-in off, bound to loopback) anything goes, as before: the embedded models, any
model folder / ``.gguf`` file, any hub id, and the "trust remote code" / pickle switches.

On a shared deployment (sign-in on, or the server bound beyond loopback) a visitor could otherwise
make the app import Python shipped in a model folder's config (``trust_remote_code``) or unpickle
a ``.bin`` checkpoint, as the server's user. There:

- the embedded models are always allowed (GGUF, no remote code, no pickle);
- any other model must be listed by an admin in the models file (``$LONGSCOPE_MODELS_FILE``,
  default ``.streamlit/models.toml``), matched exactly (folders and files by resolved path, hub ids
  by id);
- ``trust_remote_code`` and ``allow_pickle`` are whatever that model's entry says (default off):
  only the admin who writes the file turns them on, per model; the picker does not offer them.

Models file::

    [[model]]
    spec = "/srv/models/Qwen2.5-7B-Instruct"   # a folder, a .gguf file, or a hub id org/name
    trust_remote_code = false                  # optional, default false
    allow_pickle = false                       # optional, default false

Input limits (characters; ``$LONGSCOPE_MAX_HAYSTACK_CHARS``, ``$LONGSCOPE_MAX_CONTEXT_CHARS``)
apply everywhere: a probe prompt is at most a model's context window (128k tokens is about 500k
characters of English), so the defaults of 2,000,000 (haystack) and 1,000,000 (traceback context)
leave room while refusing a multi-GB paste.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from analysis.settings_file import read_settings

DEFAULT_MODELS_FILE = Path(".streamlit") / "models.toml"
DEFAULT_MAX_HAYSTACK_CHARS = 2_000_000
DEFAULT_MAX_CONTEXT_CHARS = 1_000_000
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class ModelNotAllowedError(PermissionError):
    """The model (or a switch asked for it) is not allowed on this deployment; says what to ask."""


@dataclass(frozen=True)
class AllowedModel:
    """One entry of the models file."""

    spec: str
    trust_remote_code: bool = False
    allow_pickle: bool = False


def is_shared(sign_in_on: bool, server_address: str | None) -> bool:
    """True on a shared deployment: sign-in on, or the server bound to anything but loopback
    (an empty ``server.address`` binds every interface)."""
    return sign_in_on or (server_address or "").strip() not in LOOPBACK


def models_file() -> Path:
    """``$LONGSCOPE_MODELS_FILE`` or ``.streamlit/models.toml``."""
    return Path(os.environ.get("LONGSCOPE_MODELS_FILE") or DEFAULT_MODELS_FILE)


def load_allowed(path: Path | None = None) -> dict[str, AllowedModel]:
    """The admin's allow-list, keyed by :func:`normalise` (spec) ({} when the file is absent).

    Raises:
        ValueError: not TOML, or an entry without a ``spec`` string / with a non-boolean switch
            (naming the file and the entry).
    """
    path = path or models_file()
    doc = read_settings(path)
    out = {}
    for i, entry in enumerate(doc.get("model") or []):
        spec = entry.get("spec") if isinstance(entry, dict) else None
        if not isinstance(spec, str) or not spec.strip():
            raise ValueError(f"{path}: [[model]] entry {i + 1} has no spec")
        for flag in ("trust_remote_code", "allow_pickle"):
            if not isinstance(entry.get(flag, False), bool):
                raise ValueError(f"{path}: [[model]] {spec!r}: {flag} must be true or false")
        out[normalise(spec)] = AllowedModel(spec.strip(), bool(entry.get("trust_remote_code", False)),
                                            bool(entry.get("allow_pickle", False)))
    return out


def normalise(spec: str) -> str:
    """A spec as compared with the list: hub ids as given; paths (anything starting with ``/``,
    ``.`` or ``~``, or existing on disk) resolved, so ``/srv/models/../models/x`` and symlinks match
    only what they point to."""
    spec = spec.strip()
    if spec.startswith(("/", ".", "~")) or Path(spec).exists():
        return str(Path(spec).expanduser().resolve())
    return spec


def check_model(spec: str, *, trust_remote_code: bool, allow_pickle: bool, shared: bool, embedded: set[str],
                allowed: dict[str, AllowedModel]) -> AllowedModel:
    """The switches a probe may load ``spec`` with, or a refusal.

    Args:
        spec: the model spec picked (embedded key, folder, ``.gguf`` file or hub id).
        trust_remote_code, allow_pickle: what the visitor asked for (used as is when not ``shared``).
        shared: :func:`is_shared`.
        embedded: the embedded model keys (always allowed, never with remote code or pickle).
        allowed: :func:`load_allowed`.

    Returns:
        The :class:`AllowedModel` to load with (on a shared server: the list's switches, never the
        visitor's).

    Raises:
        ModelNotAllowedError: on a shared server, a spec not in the list, or a switch asked for
            that the list does not turn on.
    """
    spec = spec.strip()
    if not shared:
        return AllowedModel(spec, trust_remote_code, allow_pickle)
    if spec in embedded:
        if trust_remote_code or allow_pickle:
            raise ModelNotAllowedError(f"{spec}: the embedded models load without remote code or pickle")
        return AllowedModel(spec)
    entry = allowed.get(normalise(spec))
    if entry is None:
        raise ModelNotAllowedError(
            f"{spec!r} is not an allowed model on this shared server: only the embedded models and the ones an "
            f"admin lists in {models_file()} can be loaded (server paths and hub ids alike)")
    if trust_remote_code and not entry.trust_remote_code:
        raise ModelNotAllowedError(f"{spec!r}: running the model's own code (trust_remote_code) is not enabled "
                                   f"for it in {models_file()}; only an admin can enable it")
    if allow_pickle and not entry.allow_pickle:
        raise ModelNotAllowedError(f"{spec!r}: pickle checkpoints are not enabled for it in {models_file()}; "
                                   "only an admin can enable them")
    return entry


def _limit(var: str, default: int) -> int:
    return int(os.environ.get(var) or default)


def _what(what: str) -> tuple[str, int]:
    return (("LONGSCOPE_MAX_HAYSTACK_CHARS", DEFAULT_MAX_HAYSTACK_CHARS) if what == "haystack"
            else ("LONGSCOPE_MAX_CONTEXT_CHARS", DEFAULT_MAX_CONTEXT_CHARS))


def max_upload_mb(what: str) -> int:
    """The upload limit in MB for a ``haystack`` / ``context`` text file: its character limit at
    4 bytes per character (UTF-8's most), rounded up, so no file within the limit is refused."""
    var, default = _what(what)
    return -(-_limit(var, default) * 4 // 2 ** 20)


def check_text_size(text: str | list[str], what: str) -> None:
    """Refuse a haystack (``what='haystack'``) or traceback context (``what='context'``) longer than
    its limit (characters; a list of passages counts the sum).

    Raises:
        ValueError: over the limit, naming it, the size and the setting that raises it.
    """
    var, default = _what(what)
    limit = _limit(var, default)
    n = sum(len(t) for t in text) if isinstance(text, list) else len(text)
    if n > limit:
        raise ValueError(f"the {what} has {n:,} characters, over the limit of {limit:,} (${var})")
