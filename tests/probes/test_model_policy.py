"""Probes on a shared server (issue 11): a model folder whose config ships its own Python code is
refused to a member and to an anonymous visitor once sign-in is on, while the same folder does run
its code on a laptop with "Trust remote code" switched on (the attack is real). Size limits on
probe texts."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.probes.model_policy import (AllowedModel, ModelNotAllowedError, check_model, check_text_size,
                                          is_shared, load_allowed, max_upload_mb)
from tests.sign_in import sign_in_as
from tests.probe_ready import until_model_read

ROOT = Path(__file__).resolve().parents[2]
EMBEDDED = {"smollm2", "gemma3-270m"}


@pytest.fixture
def evil_folder(tmp_path):
    """A Hugging Face model folder whose config maps AutoConfig to its own module; importing that
    module writes ``marker`` (what an attacker's code would do as the server's user)."""
    folder, marker = tmp_path / "evil-model", tmp_path / "marker"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({
        "model_type": "evil", "auto_map": {"AutoConfig": "configuration_evil.EvilConfig"}}))
    (folder / "configuration_evil.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
        "from transformers import PretrainedConfig\n"
        "class EvilConfig(PretrainedConfig):\n    model_type = 'evil'\n")
    return folder, marker


def test_shared_means_sign_in_on_or_not_loopback():
    assert not is_shared(False, "127.0.0.1") and not is_shared(False, "localhost") and not is_shared(False, "::1")
    assert is_shared(True, "127.0.0.1")
    assert is_shared(False, "0.0.0.0") and is_shared(False, "") and is_shared(False, None)  # empty = every interface


def test_policy_refuses_unlisted_paths_hub_ids_and_switches(evil_folder, tmp_path):
    folder, _ = evil_folder
    for spec in (str(folder), "someorg/some-model"):
        with pytest.raises(ModelNotAllowedError, match="not an allowed model on this shared server"):
            check_model(spec, trust_remote_code=False, allow_pickle=False, shared=True, embedded=EMBEDDED, allowed={})
    # listed, but remote code and pickle stay off unless the list turns them on
    listed = tmp_path / "models.toml"
    listed.write_text(f'[[model]]\nspec = "{folder}"\n\n[[model]]\nspec = "org/coder"\ntrust_remote_code = true\n')
    allowed = load_allowed(listed)
    assert check_model(str(folder / ".." / folder.name), trust_remote_code=False, allow_pickle=False, shared=True,
                       embedded=EMBEDDED, allowed=allowed) == AllowedModel(str(folder))
    with pytest.raises(ModelNotAllowedError, match="trust_remote_code"):
        check_model(str(folder), trust_remote_code=True, allow_pickle=False, shared=True, embedded=EMBEDDED,
                    allowed=allowed)
    with pytest.raises(ModelNotAllowedError, match="pickle"):
        check_model("org/coder", trust_remote_code=False, allow_pickle=True, shared=True, embedded=EMBEDDED,
                    allowed=allowed)
    assert check_model("org/coder", trust_remote_code=True, allow_pickle=False, shared=True, embedded=EMBEDDED,
                       allowed=allowed).trust_remote_code
    with pytest.raises(ModelNotAllowedError):
        check_model("smollm2", trust_remote_code=True, allow_pickle=False, shared=True, embedded=EMBEDDED, allowed={})
    # on a laptop the visitor's own switches apply
    assert check_model(str(folder), trust_remote_code=True, allow_pickle=True, shared=False, embedded=EMBEDDED,
                       allowed={}) == AllowedModel(str(folder), True, True)
    listed.write_text('[[model]]\nspec = "x"\ntrust_remote_code = "yes"\n')
    with pytest.raises(ValueError, match="models.toml: \\[\\[model\\]\\] 'x': trust_remote_code must be true or false"):
        load_allowed(listed)


def test_size_limits(monkeypatch):
    monkeypatch.setenv("LONGSCOPE_MAX_HAYSTACK_CHARS", "10")
    check_text_size("x" * 10, "haystack")
    with pytest.raises(ValueError, match="11 characters, over the limit of 10 \\(\\$LONGSCOPE_MAX_HAYSTACK_CHARS\\)"):
        check_text_size("x" * 11, "haystack")
    monkeypatch.setenv("LONGSCOPE_MAX_CONTEXT_CHARS", "5")
    with pytest.raises(ValueError, match="6 characters"):
        check_text_size(["abc", "def"], "context")
    monkeypatch.setenv("LONGSCOPE_MAX_CONTEXT_CHARS", str(2 ** 20))
    assert max_upload_mb("context") == 4  # 1 Mi characters at up to 4 bytes each


def _page(monkeypatch, tmp_path, identity: str | None, role: str | None, spec: str) -> AppTest:
    from storage.db import open_store
    from storage.workspaces import ensure_first_admin, scope_for, set_role

    store = open_store(tmp_path / "store.duckdb")
    monkeypatch.setenv("LONGSCOPE_DB", str(store.path))
    monkeypatch.setenv("LONGSCOPE_AUTH", "users")
    monkeypatch.setenv("LONGSCOPE_MODELS_FILE", str(tmp_path / "no-models.toml"))
    ensure_first_admin(store, "root")
    if identity and role:
        set_role(store, "default", identity, role, scope=scope_for(store, "root"))
    sign_in_as(monkeypatch, identity)
    at = AppTest.from_file(str(ROOT / "pages" / "probe_niah.py"), default_timeout=120)
    # what a crafted session / link would try: the free-text model field with trust switched on
    at.session_state["niah_model"] = "other…"
    at.session_state["niah_spec"] = spec
    at.session_state[f"niah_trust_{spec}"] = True
    return until_model_read(at.run())


def test_member_and_anonymous_cannot_load_the_folder(evil_folder, tmp_path, monkeypatch):
    folder, marker = evil_folder
    at = _page(monkeypatch, tmp_path, "bob", "member", str(folder))
    assert not at.exception, at.exception
    assert not marker.exists()
    assert not [t for t in at.text_input if t.key == "niah_spec"]  # no free-text model field
    assert [s.value for s in at.selectbox if s.key == "niah_model"] == ["smollm2"]
    assert not [t for t in at.toggle if "trust" in (t.key or "")]  # no remote-code switch
    from ui.model_picker import PickedModel  # a pick forged past the widgets is refused at load

    with pytest.raises(ModelNotAllowedError):
        PickedModel(str(folder), None, True, False, None).load()
    assert not marker.exists()

    anon = _page(monkeypatch, tmp_path, None, None, str(folder))
    assert not anon.exception, anon.exception
    assert [t.value for t in anon.title] == ["LongScope"] and not anon.selectbox  # the sign-in form only
    assert [i.value for i in anon.info] == ["Sign in to see this board."]
    assert [t.label for t in anon.text_input] == ["User name", "Password"]
    assert not marker.exists()


def test_the_attack_is_real_on_a_laptop_with_trust_on(evil_folder, monkeypatch):
    """Control: with sign-in off on loopback and "Trust remote code" on, reading the folder's config
    runs its code (so the refusals above are what stops it)."""
    from analysis.probes.models import describe

    folder, marker = evil_folder
    monkeypatch.delenv("LONGSCOPE_AUTH", raising=False)
    check_model(str(folder), trust_remote_code=True, allow_pickle=False, shared=False, embedded=EMBEDDED, allowed={})
    with pytest.raises(Exception):
        describe(str(folder), trust_remote_code=True)  # the config class is no real model; its module ran first
    assert marker.read_text() == "ran"
