"""Optional TOML settings files (the admin's model allow-list, the users file): one reader, so an
absent file and a broken one mean the same thing everywhere."""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_settings(path: Path) -> dict[str, Any]:
    """The parsed TOML document at ``path``; ``{}`` when the file does not exist.

    Raises:
        ValueError: the file is not valid TOML (the message names the file and the parser's reason).
    """
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from exc
