"""Signed, expiring tokens for users-file sign-in sessions (``LONGSCOPE_AUTH=users``), through
``itsdangerous`` (``URLSafeTimedSerializer``: HMAC-SHA1 over the JSON payload and a timestamp;
https://itsdangerous.palletsprojects.com/en/stable/url_safe/). Not hand-written crypto.

Two purposes, told apart by the serializer's salt, so one can never stand in for the other:

- ``session``: the cookie value (:data:`SESSION_COOKIE`), valid :func:`session_seconds`;
- ``ticket``: what the sign-in form hands to the cookie-setting route (``ui.session_routes``),
  valid :data:`TICKET_SECONDS`.

The signing key: ``$LONGSCOPE_SESSION_KEY``, else the file ``$LONGSCOPE_SESSION_KEY_FILE``
(default ``.streamlit/session_key``), generated there (mode 0600, 48 random bytes) at the first
start when absent, with a note in the server log. Every replica of a board must share it; a new key
signs everybody out.
"""
from __future__ import annotations

import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "longscope_session"
#: seconds a sign-in ticket (form -> cookie route) stays valid
TICKET_SECONDS = 60
#: default hours a signed-in session lasts (``$LONGSCOPE_SESSION_HOURS``)
DEFAULT_SESSION_HOURS = 12
DEFAULT_KEY_FILE = Path(".streamlit") / "session_key"
_log = logging.getLogger(__name__)


def session_seconds() -> int:
    """How long a session lasts: ``$LONGSCOPE_SESSION_HOURS`` (default 12) in seconds.

    Raises:
        ValueError: not a positive number.
    """
    hours = float(os.environ.get("LONGSCOPE_SESSION_HOURS") or DEFAULT_SESSION_HOURS)
    if hours <= 0:
        raise ValueError(f"LONGSCOPE_SESSION_HOURS must be positive, not {hours}")
    return int(hours * 3600)


def key_file() -> Path:
    """``$LONGSCOPE_SESSION_KEY_FILE`` or ``.streamlit/session_key``."""
    return Path(os.environ.get("LONGSCOPE_SESSION_KEY_FILE") or DEFAULT_KEY_FILE)


@lru_cache(maxsize=4)
def _key_from_file(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(secrets.token_urlsafe(48) + "\n")
            _log.warning("LongScope: generated the sign-in session key %s (keep it secret and keep it: a new key "
                         "signs everybody out; every replica of the board needs the same key, or set "
                         "LONGSCOPE_SESSION_KEY)", path)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ValueError(f"{path}: the session key is shorter than 32 characters")
    return key


def signing_key() -> str:
    """The key sessions are signed with (see the module docstring).

    Raises:
        ValueError: ``$LONGSCOPE_SESSION_KEY`` or the key file holds fewer than 32 characters.
    """
    key = os.environ.get("LONGSCOPE_SESSION_KEY")
    if key is not None:
        if len(key.strip()) < 32:
            raise ValueError("LONGSCOPE_SESSION_KEY must hold at least 32 characters")
        return key.strip()
    return _key_from_file(key_file().resolve())


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in ("session", "ticket"):
        raise ValueError(f"unknown token purpose {purpose!r}")
    return URLSafeTimedSerializer(signing_key(), salt=f"longscope-{purpose}")


def issue(payload: dict[str, Any], purpose: str) -> str:
    """A URL- and cookie-safe token carrying ``payload`` (JSON-able), signed and timestamped now."""
    return _serializer(purpose).dumps(payload)


def read(token: str | None, purpose: str) -> dict[str, Any] | None:
    """The payload of a valid ``token`` of ``purpose``, or None when it is absent, tampered with,
    signed with another key or purpose, or older than its lifetime (:func:`session_seconds` /
    :data:`TICKET_SECONDS`)."""
    if not token:
        return None
    max_age = session_seconds() if purpose == "session" else TICKET_SECONDS
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a BadSignature
        return None
    return payload if isinstance(payload, dict) else None
