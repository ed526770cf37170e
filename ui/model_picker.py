"""Shared Streamlit widgets for the live probes: pick a model, and follow a probe job.

``model_picker(key)`` shows the embedded models (SmolLM2-135M-Instruct, Gemma-3-270M), a local
model folder / ``.gguf`` path, or a hub id, plus the per-model safety switches
(``trust_remote_code``, pickle checkpoints) and the device. Before anything is loaded it shows
layers, query heads, KV heads, context limit, parameters, device and dtype (config only, via
``analysis.probes.models.describe``). It returns a :class:`PickedModel` or None::

    picked = model_picker("niah")
    if picked:
        lm = picked.load()          # inside a job: loads once per process

On a shared server (sign-in on, or bound beyond loopback) the picker offers only the embedded
models and the admin's allow-list, with the list's switches (``analysis.probes.model_policy``);
the check runs again before anything is read or loaded, so a spec from a URL or session state
cannot get around it.

``retrieval_heads_link(model, length, depth)`` links a NIAH cell to the Retrieval heads page.

The job panel (progress, ETA, cancel of the queued and running jobs) is ``ui.job_panel``.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import streamlit as st

OTHER = "other…"


@dataclass(frozen=True)
class PickedModel:
    """The user's choice (hashable; pass it into a job)."""

    spec: str
    device: str | None
    trust_remote_code: bool
    allow_pickle: bool
    info: object  # analysis.probes.models.ModelInfo (config-only description)

    def options(self) -> dict:
        """The picked model as the fields of a job's ``jobs.options.ModelOptions``."""
        return {"model": self.spec, "device": self.device, "trust_remote_code": self.trust_remote_code,
                "allow_pickle": self.allow_pickle}

    def load(self):
        """``analysis.probes.models.load`` with the picked options (cached per process), after the
        shared-server policy check (:func:`allowed_switches`).

        Raises:
            ModelNotAllowedError: not allowed on this deployment.
        """
        from analysis.probes.models import load

        allowed_switches(self.spec, self.trust_remote_code, self.allow_pickle)
        return load(self.spec, device=self.device, trust_remote_code=self.trust_remote_code,
                    allow_pickle=self.allow_pickle)


#: how long a page waits for a model's facts before it shows itself with a "reading" note and
#: checks back (a config.json or a cached GGUF answers well within it; a first GGUF read takes
#: tens of seconds, issue 13 item 6)
FACTS_WAIT_S = 3.0
#: how often the note checks whether the facts have arrived (then the page runs again)
FACTS_POLL_S = 2.0
_READER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="model-facts")


@st.cache_resource(show_spinner=False, max_entries=32)
def _describe(spec: str, device: str | None, trust_remote_code: bool) -> Future:
    """``analysis.probes.models.describe`` started in a background thread, once per process and
    model (every session shares it); the future's result is the ``ModelInfo``."""
    from analysis.probes.models import describe

    return _READER.submit(describe, spec, device=device, trust_remote_code=trust_remote_code)


@st.fragment(run_every=FACTS_POLL_S)
def _reading_note(future: Future, name: str) -> None:
    """The note shown while the facts are read; runs the whole page again once they are in."""
    if future.done():
        st.rerun()
    st.info(f"Reading the configuration and tokenizer of {name} (no weights yet)… The first read of a "
            "GGUF file on this machine takes up to a minute or two; it is kept on disk, so later visits "
            "open at once. This page continues by itself.", icon=":material/hourglass_top:")


def _devices() -> list[str]:
    from analysis.probes.models import pick_device

    best = pick_device()[0]
    return ["auto"] + sorted({"cpu", best})


def shared_server() -> bool:
    """True when this server is shared (``analysis.probes.model_policy.is_shared``: sign-in on, or
    ``server.address`` not loopback)."""
    from analysis.probes.model_policy import is_shared
    from storage.scope import sign_in_required

    return is_shared(sign_in_required(), st.get_option("server.address"))


def allowed_switches(spec: str, trust_remote_code: bool, allow_pickle: bool):
    """``analysis.probes.model_policy.check_model`` for this deployment.

    Raises:
        ModelNotAllowedError: the spec or a switch is not allowed here.
    """
    from analysis.probes.model_policy import check_model, load_allowed
    from analysis.probes.models import EMBEDDED

    return check_model(spec, trust_remote_code=trust_remote_code, allow_pickle=allow_pickle, shared=shared_server(),
                       embedded=set(EMBEDDED), allowed=load_allowed())


def model_picker(key: str = "probe") -> PickedModel | None:
    """Draw the picker; returns the choice, or None (with a message) when no usable model is given
    or the model is not allowed on this (shared) server."""
    from analysis.probes.models import EMBEDDED

    if shared_server():
        return _shared_picker(key)
    choice = st.selectbox("Model", list(EMBEDDED) + [OTHER], key=f"{key}_model",
                          format_func=lambda k: EMBEDDED[k].name if k in EMBEDDED else "Local folder, .gguf file or hub id…")
    spec = choice
    if choice == OTHER:
        spec = st.text_input("Model folder, .gguf path, or hub id (org/name)", key=f"{key}_spec").strip()
        if not spec:
            st.caption("Give a Hugging Face model folder, a .gguf file, or a hub id (needs network; "
                       "HF_HUB_OFFLINE must be unset).")
            return None
    c1, c2, c3 = st.columns(3)
    device = c1.selectbox("Device", _devices(), key=f"{key}_device",
                          help="auto: CUDA if present, else Apple MPS, else CPU (bf16 on GPU, fp32 on CPU)")
    trust = c2.toggle("Trust remote code", key=f"{key}_trust_{spec}", disabled=spec in EMBEDDED,
                      help="Runs Python code from the model repository. Off by default; per model.")
    pickle = c3.toggle("Allow pickle checkpoints", key=f"{key}_pickle_{spec}", disabled=spec in EMBEDDED,
                       help="Only safetensors / GGUF weights are loaded unless this is on.")
    return _described(spec, None if device == "auto" else device, trust, pickle)


def _shared_picker(key: str) -> PickedModel | None:
    """The shared server's picker: embedded models and the admin's list only; the switches come
    from the list (shown, not editable)."""
    from analysis.probes.model_policy import ModelNotAllowedError, load_allowed
    from analysis.probes.models import EMBEDDED

    try:
        listed = load_allowed()
    except ValueError as exc:
        st.error(f"The models file is broken, only the embedded models are offered: {exc}")
        listed = {}
    options = list(EMBEDDED) + [m.spec for m in listed.values()]
    if st.session_state.get(f"{key}_model") not in options:
        st.session_state.pop(f"{key}_model", None)  # e.g. "other…" from a link: not offered here
    spec = st.selectbox("Model", options, key=f"{key}_model",
                        format_func=lambda k: EMBEDDED[k].name if k in EMBEDDED else k,
                        help="A shared server loads only the embedded models and the ones an admin allows "
                             "(models file; README, 'Deploying for a team').")
    try:
        entry = allowed_switches(spec, False, False)
    except ModelNotAllowedError as exc:
        st.error(str(exc))
        return None
    c1, c2 = st.columns(2)
    device = c1.selectbox("Device", _devices(), key=f"{key}_device")
    c2.caption(f"Trust remote code: {'on' if entry.trust_remote_code else 'off'} · pickle checkpoints: "
               f"{'allowed' if entry.allow_pickle else 'off'} (set per model by an admin)")
    return _described(spec, None if device == "auto" else device, entry.trust_remote_code, entry.allow_pickle)


def _described(spec: str, dev: str | None, trust: bool, pickle: bool) -> PickedModel | None:
    """Check the policy, read the config (no weights), show the model's facts; the pick or None."""
    from analysis.probes.model_policy import ModelNotAllowedError
    from analysis.probes.models import ModelLoadError

    try:
        allowed_switches(spec, trust, pickle)  # before the config is read: it may name remote code
    except ModelNotAllowedError as exc:
        st.error(str(exc))
        return None
    future = _describe(spec, dev, trust)
    if not wait([future], timeout=FACTS_WAIT_S).done:
        from analysis.probes.models import EMBEDDED

        _reading_note(future, EMBEDDED[spec].name if spec in EMBEDDED else spec)
        return None
    try:
        info = future.result()
    except Exception as exc:
        _describe.clear(spec, dev, trust)  # read again next time (the folder may be fixed meanwhile)
        if not isinstance(exc, ModelLoadError):
            raise
        st.error(str(exc))
        return None
    cols = st.columns(7)
    cols[0].metric("Layers", info.n_layers)
    cols[1].metric("Heads", info.n_heads)
    cols[2].metric("KV heads", info.n_kv_heads)
    cols[3].metric("Context limit", f"{info.context_limit:,}" if info.context_limit else "unknown")
    cols[4].metric("Parameters", "?" if info.n_params is None else f"{info.n_params / 1e6:,.0f} M")
    cols[5].metric("Device", info.device)
    cols[6].metric("Dtype", info.dtype)
    st.caption(f"{info.name} · {info.architecture} · head dim {info.head_dim} · "
               f"{'chat template' if info.has_chat_template else 'no chat template (plain prompt)'}")
    return PickedModel(spec, dev, trust, pickle, info)


def retrieval_heads_link(model: str, context_length: int, depth_percent: float, needle: str | None = None) -> None:
    """A link to the Retrieval heads page, pre-filled to detect heads on one NIAH cell's prompt."""
    params = {"model": model, "lengths": str(int(context_length)), "depths": f"{depth_percent:g}"}
    if needle:
        params["needle"] = needle
    st.page_link("pages/retrieval_heads.py", label="Find retrieval heads on this prompt",
                 icon=":material/psychology:", query_params=params)


def parse_numbers(text: str, kind=float) -> list:
    """Numbers from a comma/space separated string ("1024, 2048 4096"); 1K/2K suffixes allowed."""
    out = []
    for tok in text.replace(",", " ").split():
        mult = 1024 if tok[-1:] in "kK" else 1
        out.append(kind(float(tok.rstrip("kK")) * mult))
    return out
