"""One input file as the importers see it: name, path, bytes, and checked decoders.

Every decoder raises :class:`FormatError` naming the file and the offending line or field, so the
ingest report can tell the user exactly what is wrong.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

import pandas as pd

UTF8_BOM = b"\xef\xbb\xbf"
#: default of :func:`detect_bytes`
DEFAULT_DETECT_BYTES = 8 * 2**20


def detect_bytes() -> int:
    """How many bytes at the start of a file format detection may read (``$LONGSCOPE_DETECT_BYTES``,
    default 8 MiB): enough for a JSON Lines first line holding a whole long-context prompt, never
    the whole of a large file (an unrecognised one is refused without being parsed)."""
    return int(os.environ.get("LONGSCOPE_DETECT_BYTES", DEFAULT_DETECT_BYTES))


class FormatError(ValueError):
    """A file could not be read as its format. ``where`` names the line or field."""

    def __init__(self, file: str, where: str | None, message: str):
        self.file, self.where, self.message = file, where, message
        loc = f" ({where})" if where else ""
        super().__init__(f"{file}{loc}: {message}")


@dataclass
class SourceFile:
    """An input file.

    Attributes:
        path: the path as the user gave it, relative to the folder or zip it came from when
            there is one (POSIX separators). Importers read model / length / task from its
            folders where the harness keeps them only there.
        data: the raw bytes.
        disk_path: the file on disk ``data`` was read from (set by ``storage.sources.from_paths``),
            so that a reader such as DuckDB can stream it itself; None for uploads and zip members.
        file_id / path_facts: the stored identity (``storage.identity.file_key``) and what the path
            contributes to it, set by the ingest pipeline (None: the sha256 alone).

    ``path`` is not changed after construction: its parts (name, stem, suffix, folders) are computed
    once, as every importer's ``detect`` reads them.
    """

    path: str
    data: bytes
    notes: list[str] = field(default_factory=list)
    disk_path: str | None = None
    file_id: str | None = None
    path_facts: dict[str, str] | None = None

    @cached_property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @cached_property
    def stem(self) -> str:
        return PurePosixPath(self.path).stem

    @cached_property
    def suffix(self) -> str:
        return PurePosixPath(self.path).suffix.lower()

    @cached_property
    def parts(self) -> tuple[str, ...]:
        """Folder names from the outermost to the file's parent."""
        return PurePosixPath(self.path).parts[:-1]

    @cached_property
    def folder(self) -> str:
        return str(PurePosixPath(self.path).parent)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @cached_property
    def size(self) -> int:
        """Size of the file in bytes."""
        return len(self.data)

    def release(self) -> None:
        """Drop the bytes once the file is parsed (``storage.ingest.ingest_paths``: a file read
        from disk need not stay in memory while its runs are written); its identity (``sha256``,
        ``size``) is kept. Nothing may read ``data`` afterwards."""
        self.sha256, self.size  # noqa: B018 - computed (cached) while the bytes are here
        self.data = b""

    def error(self, where: str | None, message: str) -> FormatError:
        """A :class:`FormatError` for this file."""
        return FormatError(self.path, where, message)

    @cached_property
    def text(self) -> str:
        """The content decoded as UTF-8 (a UTF-8 byte-order mark is dropped, with a note), kept
        with the file (the parsers below decode without keeping a copy).

        Raises:
            FormatError: empty file, or bytes that are not UTF-8 (names line and column).
        """
        return self._decoded()

    def _decoded(self) -> str:
        """What :attr:`text` holds, decoded afresh and not kept (the caller drops it when done)."""
        data = self._utf8_body()
        try:
            return str(data, "utf-8")
        except UnicodeDecodeError as exc:
            raise self._utf8_error(exc.start) from None

    def check_utf8(self, chunk: int = 1 << 20, limit: int | None = None) -> None:
        """Raise what :attr:`text` would raise, decoding ``chunk`` bytes at a time and keeping
        nothing (format detection of a file DuckDB or Arrow then read from the bytes themselves).
        ``limit``: check only the first ``limit`` bytes (a character cut at the limit is not an error)."""
        data = self._utf8_body()
        end = len(data) if limit is None else min(limit, len(data))
        decoder = codecs.getincrementaldecoder("utf-8")()
        for start in range(0, end, chunk):
            piece = data[start:min(start + chunk, end)]
            try:
                decoder.decode(piece, final=start + len(piece) >= len(data))
            except UnicodeDecodeError as exc:  # exc.object = bytes held back from before + piece
                raise self._utf8_error(start + exc.start - (len(exc.object) - len(piece))) from None

    def _utf8_body(self) -> memoryview:
        """The bytes after a UTF-8 byte-order mark (noted), without copying them."""
        data = self.data
        if not data or data.isspace():
            raise self.error(None, "the file is empty")
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise self.error("encoding", "the file is UTF-16; save it as UTF-8")
        if data.startswith(UTF8_BOM):
            if "UTF-8 byte-order mark removed" not in self.notes:
                self.notes.append("UTF-8 byte-order mark removed")
            return memoryview(data)[len(UTF8_BOM):]
        return memoryview(data)

    def _utf8_error(self, pos: int) -> FormatError:
        data = self._utf8_body()
        line = bytes(data[:pos]).count(b"\n") + 1
        col = pos - (bytes(data[:pos]).rfind(b"\n") + 1) + 1
        return self.error(f"line {line}, column {col}", f"not UTF-8 text (byte 0x{data[pos]:02x})")

    def head(self, n_bytes: int = 65536) -> str:
        """The first ``n_bytes`` decoded leniently, for format detection only."""
        data = self.data[:n_bytes]
        if data.startswith(UTF8_BOM):
            data = data[len(UTF8_BOM):]
        return data.decode("utf-8", errors="replace")

    def first_line(self) -> str:
        """The first line, decoded leniently, read up to its newline but never past
        :func:`detect_bytes` (a JSON Lines line can hold a whole prompt, far over 64 KiB)."""
        limit = detect_bytes()
        end = self.data.find(b"\n", 0, limit)
        return self.head(limit if end < 0 else end)

    def first_json_line(self) -> dict | None:
        """The first line parsed as a JSON object, or None (for cheap JSONL format detection)."""
        try:
            first = json.loads(self.first_line())
        except ValueError:
            return None
        return first if isinstance(first, dict) else None

    def json(self) -> Any:
        """Parse the whole file as JSON (bare ``NaN``/``Infinity`` accepted, as Python writes them).

        Raises:
            FormatError: names the line and column of the syntax error, or says it is truncated.
        """
        text = self._decoded()  # not kept: the parsed objects are what the importer keeps
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
                raise self.error(f"line {exc.lineno}", "JSON ends early: the file looks truncated") from None
            raise self.error(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}") from None

    def jsonl(self) -> list[dict]:
        """Parse JSON Lines: one object per non-blank line.

        Raises:
            FormatError: names the first bad line.
        """
        self.check_utf8()  # the precise error (line, column) before streaming the lines
        rows = []
        # line by line from the bytes: never the whole file decoded at once (nor a list of its lines)
        lines = io.TextIOWrapper(io.BytesIO(self.data), encoding="utf-8-sig", newline=None)
        for i, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                last = not any(rest.strip() for rest in lines) and (
                    exc.pos >= len(line.rstrip()) or exc.msg.startswith("Unterminated string"))
                msg = "line is cut off: the file looks truncated" if last else f"invalid JSON: {exc.msg}"
                raise self.error(f"line {i}", msg) from None
            if not isinstance(obj, dict):
                raise self.error(f"line {i}", f"expected a JSON object, found {type(obj).__name__}")
            rows.append(obj)
        return rows

    def csv_rows(self) -> list[list[str]]:
        """Parse as CSV into rows of strings (quoted newlines kept).

        Raises:
            FormatError: names the line of a CSV syntax error.
        """
        reader = csv.reader(io.StringIO(self._decoded(), newline=""), strict=True)
        try:
            return [row for row in reader]
        except csv.Error as exc:
            raise self.error(f"line {reader.line_num}", f"invalid CSV: {exc}") from None

    def dataframe(self, **read_csv_kwargs) -> pd.DataFrame:
        """Parse as CSV with pandas (``keep_default_na=False`` unless given).

        Raises:
            FormatError: bytes that are not UTF-8 (names line and column), or pandas' message (which
                names the line).
        """
        read_csv_kwargs.setdefault("keep_default_na", False)
        # pandas reads the bytes in chunks: no decoded copy of the whole file (checked as UTF-8 first,
        # for the error naming line and column; BytesIO shares the bytes object, no copy either)
        self.check_utf8()
        try:
            return pd.read_csv(io.BytesIO(self.data), encoding="utf-8-sig", **read_csv_kwargs)
        except (pd.errors.ParserError, ValueError) as exc:
            raise self.error("CSV", str(exc).strip()) from None


def require(src: SourceFile, obj: dict, key: str, types: type | tuple[type, ...], where: str = "") -> Any:
    """Return ``obj[key]`` checked against ``types``.

    Raises:
        FormatError: the field is missing or of the wrong type (names ``where`` and the field).
    """
    loc = f"{where}field '{key}'"
    if key not in obj:
        raise src.error(loc, "missing")
    value = obj[key]
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise src.error(loc, f"expected {_type_names(types)}, found a boolean")
    if not isinstance(value, types):
        raise src.error(loc, f"expected {_type_names(types)}, found {type(value).__name__} {value!r:.60}")
    return value


def _type_names(types: type | tuple[type, ...]) -> str:
    if not isinstance(types, tuple):
        types = (types,)
    return " or ".join(t.__name__ for t in types)
