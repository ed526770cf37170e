"""The users file: sign-in for teams without an identity provider (``LONGSCOPE_AUTH=users``).

A TOML file (``$LONGSCOPE_USERS_FILE``, default ``.streamlit/users.toml``; keep it out of git)
with one table per user holding an Argon2id hash (argon2-cffi's ``PasswordHasher``: a random salt
per hash, parameters in the hash string; RFC 9106)::

    [users.alice]
    password_hash = "$argon2id$v=19$m=65536,t=3,p=4$..."

Add or change a user with the command line (asks for the password twice)::

    python -m ui.users_file add alice        # --file PATH for another file
    python -m ui.users_file remove alice     # their sessions end at their next page load

A sign-in session (``ui.auth``) carries :func:`password_version` of the user's hash: changing the
password or removing the user refuses every session signed in before.

Workspace roles are not in this file: they live in the store (``storage.workspaces``).
"""
from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import re
import sys
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from analysis.settings_file import read_settings

DEFAULT_USERS_FILE = Path(".streamlit") / "users.toml"
MIN_PASSWORD_LENGTH = 12
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_HASHER = PasswordHasher()
# verified against when the name is unknown, so a wrong name takes as long as a wrong password
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


def users_file() -> Path:
    """``$LONGSCOPE_USERS_FILE`` or ``.streamlit/users.toml``."""
    return Path(os.environ.get("LONGSCOPE_USERS_FILE") or DEFAULT_USERS_FILE)


def load_users(path: Path | None = None) -> dict[str, str]:
    """``{user name: Argon2 hash}`` from the users file ({} when the file is absent).

    Raises:
        ValueError: the file is not TOML, or a user lacks ``password_hash`` (naming file and user).
    """
    path = path or users_file()
    doc = read_settings(path)
    out = {}
    for name, entry in (doc.get("users") or {}).items():
        if not isinstance(entry, dict) or not isinstance(entry.get("password_hash"), str):
            raise ValueError(f"{path}: user {name!r} has no password_hash")
        out[name] = entry["password_hash"]
    return out


def verify(name: str, password: str, path: Path | None = None) -> bool:
    """True when ``password`` matches the stored hash of user ``name`` (False for unknown names,
    in about the same time)."""
    stored = load_users(path).get(name)
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_version(name: str, path: Path | None = None) -> str | None:
    """A short digest of user ``name``'s stored hash (16 hex of its SHA-256), or None when the user
    is not in the file. A new password (a new salt) gives a new version."""
    stored = load_users(path).get(name)
    return None if stored is None else hashlib.sha256(stored.encode()).hexdigest()[:16]


def _write(users: dict[str, str], path: Path) -> None:
    """Write ``users`` atomically with mode 0600."""
    text = "# LongScope users (python -m ui.users_file add NAME); Argon2id hashes, never passwords\n" + "".join(
        f'\n[users."{n}"]\npassword_hash = "{h}"\n' for n, h in sorted(users.items()))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def remove_user(name: str, path: Path | None = None) -> bool:
    """Remove user ``name`` from the users file; returns False when they were not in it."""
    path = path or users_file()
    users = load_users(path)
    if users.pop(name, None) is None:
        return False
    _write(users, path)
    return True


def add_user(name: str, password: str, path: Path | None = None) -> None:
    """Add user ``name`` (or replace their password) in the users file, written atomically with
    mode 0600.

    Raises:
        ValueError: a name that is not 1-64 of ``A-Z a-z 0-9 . _ @ -``, or a password shorter
            than :data:`MIN_PASSWORD_LENGTH`.
    """
    path = path or users_file()
    if not _NAME.match(name):
        raise ValueError(f"user name {name!r}: use 1-64 of A-Z, a-z, 0-9, '.', '_', '@', '-'")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    users = load_users(path)
    users[name] = _HASHER.hash(password)
    _write(users, path)


def main(argv: list[str] | None = None) -> int:
    """CLI: ``add NAME`` (password from the terminal, or stdin when ``--password-stdin``), ``remove NAME``."""
    ap = argparse.ArgumentParser(prog="python -m ui.users_file", description="Manage the LongScope users file.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add", help="add a user or set their password")
    add.add_argument("name")
    add.add_argument("--file", type=Path, help=f"users file (default: $LONGSCOPE_USERS_FILE or {DEFAULT_USERS_FILE})")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin (scripts)")
    rm = sub.add_parser("remove", help="remove a user (their sessions are refused from their next page load)")
    rm.add_argument("name")
    rm.add_argument("--file", type=Path, help=f"users file (default: $LONGSCOPE_USERS_FILE or {DEFAULT_USERS_FILE})")
    args = ap.parse_args(argv)
    if args.cmd == "remove":
        if not remove_user(args.name, args.file):
            print(f"error: no user {args.name} in {args.file or users_file()}", file=sys.stderr)
            return 2
        print(f"user {args.name} removed from {args.file or users_file()}")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            print("error: the passwords differ", file=sys.stderr)
            return 2
    try:
        add_user(args.name, password, args.file)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"user {args.name} saved in {args.file or users_file()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
