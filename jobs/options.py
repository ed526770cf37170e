"""Options shared by the probe jobs: which model to load, and the NIAH grid.

One pydantic model per probe (``jobs/<probe>.py``) extends these; the page fills it from its
widgets and the command line from its flags (``cli/options.py`` derives the flags from the
fields), and both hand the same object to the same orchestration function.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from analysis.probes.haystack import builtin_corpus


class Haystack(BaseModel):
    """Haystack text with the name it is recorded under (the uploaded or given file's name)."""

    model_config = ConfigDict(frozen=True)
    name: str
    text: str

    @classmethod
    def from_file(cls, path: str | Path) -> "Haystack":
        """A UTF-8 text file as a haystack.

        Raises:
            OSError: the file cannot be read; UnicodeDecodeError: not UTF-8.
        """
        p = Path(path)
        return cls(name=p.name, text=p.read_text(encoding="utf-8"))


class ModelOptions(BaseModel):
    """The model to load (``analysis.probes.models.load``) and its safety switches."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)
    model: str = Field("smollm2", description="smollm2 | gemma3-270m | model folder | .gguf file | hub id")
    device: str | None = Field(None, description="cuda | mps | cpu (default: best available)")
    trust_remote_code: bool = Field(False, description="run Python code from the model repository")
    allow_pickle: bool = Field(False, description="allow .bin pickle checkpoints")

    def load(self):
        """``analysis.probes.models.LoadedModel`` (cached per process).

        Raises:
            analysis.probes.models.ModelLoadError: the model cannot be found or loaded.
        """
        from analysis.probes.models import load

        return load(self.model, device=self.device, trust_remote_code=self.trust_remote_code,
                    allow_pickle=self.allow_pickle)


class GridOptions(ModelOptions):
    """A NIAH grid: context lengths × depth percents × trials, haystack, prompt frame."""

    lengths: list[int] = Field([1024, 2048], min_length=1, description="context lengths (model tokens)")
    depths: list[float] = Field([0, 25, 50, 75, 100], min_length=1, description="depth percents")
    trials: int = Field(1, ge=1, description="trials per cell (and needle)")
    max_new_tokens: int = Field(32, ge=1, description="greedy decoding stops after this many tokens")
    haystack: Haystack | None = Field(None, description="UTF-8 text file to use as haystack "
                                                        "(default: built-in neutral corpus)")
    seed: int = Field(0, description="seed of the needle values and haystack order")
    plain: bool = Field(False, description="plain prompt even when the model has a chat template")

    @property
    def haystack_text(self) -> str:
        """The haystack's text (the built-in corpus when none was given)."""
        return self.haystack.text if self.haystack else builtin_corpus()

    @property
    def use_chat_template(self) -> bool | None:
        """``None`` (the chat template when the model has one) or ``False`` (``plain``)."""
        return False if self.plain else None
