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
    return int(float(os.environ.get("LONGSCOPE_DETECT_BYTES", DEFAULT_DETECT_BYTES)))


class FormatError(ValueError):
    """A file could not be read as its format. ``where`` names the line or field."""

    def __init__(self, file: str, where: str | None, message: str):
        self.file, self.where, self.message = file, where, message
        loc = f" ({where})" if where else ""
        super().__init__(f"{file}{loc}: {message}")


class SourceFile:
    """An input file.

    Attributes:
        path: the path as the user gave it, relative to the folder or zip it came from when
            there is one (POSIX separators). Importers read model / length / task from its
            folders where the harness keeps them only there.
        data: the raw bytes. A file on disk given without them (``storage.sources.from_paths`` does
            so for files larger than :func:`detect_bytes`) is read from ``disk_path`` on first use;
            detection, :attr:`sha256`, :attr:`size` and :meth:`check_utf8` read it in pieces and keep
            nothing, and a reader that takes a path (DuckDB, Arrow) can stream it itself
            (:attr:`on_disk_only`), so a large file is never held in memory whole.
        disk_path: the file on disk the bytes come from (set by ``storage.sources.from_paths``);
            None for uploads and zip members.
        file_id / path_facts: the stored identity (``storage.identity.file_key``) and what the path
            contributes to it, set by the ingest pipeline (None: the sha256 alone).

    ``path`` is not changed after construction: its parts (name, stem, suffix, folders) are computed
    once, as every importer's ``detect`` reads them. A file read from disk in pieces must not change
    meanwhile: its size and modification time are taken when the object is made and checked at every
    read (:class:`FormatError` "changed while it was being read" otherwise), so the stored sha256 is
    always that of the rows stored.

    Raises:
        ValueError: neither ``data`` nor ``disk_path`` is given.
        OSError: ``disk_path`` does not exist (when the bytes are not given).
    """

    def __init__(self, path: str, data: bytes | None = None, notes: list[str] | None = None,
                 disk_path: str | None = None, file_id: str | None = None,
                 path_facts: dict[str, str] | None = None):
        if data is None and disk_path is None:
            raise ValueError(f"{path}: give the bytes or the file on disk")
        self.path, self.notes, self.disk_path = path, notes if notes is not None else [], disk_path
        self.file_id, self.path_facts = file_id, path_facts
        self._data = data
        self._stamp = None if data is not None else _stamp(disk_path)
        self._prefix = b""  # the longest start of a file not loaded that detection has read

    def __repr__(self) -> str:
        return f"SourceFile({self.path!r}, {self.size:,} bytes{'' if self._data is not None else ', on disk'})"

    @property
    def data(self) -> bytes:
        """The raw bytes (a file on disk given without them is read whole now, and kept)."""
        if self._data is None:
            self._data = self._read(0, -1)
        return self._data

    @property
    def on_disk_only(self) -> bool:
        """True while the bytes are not in memory and a reader can take :attr:`disk_path` instead
        (``storage.ingest.prepare`` calls :meth:`check_unchanged` once the file is parsed)."""
        return self._data is None

    def _read(self, start: int, n: int) -> bytes:
        """``n`` bytes (-1: to the end) from ``start`` of the file on disk, checked unchanged before
        and after.

        Raises:
            FormatError: the file changed, vanished or cannot be read (names the file).
        """
        self.check_unchanged()
        try:
            with open(self.disk_path, "rb") as f:
                f.seek(start)
                data = f.read(n)
        except OSError as exc:
            raise self.error(None, f"could not be read: {exc}") from None
        self.check_unchanged()
        return data

    def check_unchanged(self) -> None:
        """Raise unless the file on disk still has the size and modification time it had when this
        object was made (nothing to check when the bytes were given).

        Raises:
            FormatError: the file changed or disappeared (a harness still writing it, say).
        """
        if self._stamp is None:
            return
        try:
            now = _stamp(self.disk_path)
        except OSError as exc:
            raise self.error(None, f"could not be read again: {exc}") from None
        if now != self._stamp:
            raise self.error(None, "the file changed while it was being read (is it still being written?): "
                                   "read it again once it is complete")

    def head_bytes(self, n: int) -> bytes:
        """The first ``n`` bytes, without reading the rest of a file on disk."""
        if self._data is not None:
            return self._data[:n]
        if n > len(self._prefix) and len(self._prefix) < self.size:
            self._prefix = self._read(0, n)
        return self._prefix[:n]

    def tail_bytes(self, n: int) -> bytes:
        """The last ``n`` bytes, without reading the rest of a file on disk."""
        if self._data is not None:
            return self._data[-n:] if n else b""
        return self._read(max(0, self.size - n), n) if n else b""

    def chunks(self, start: int = 0, size: int = 1 << 20):
        """The bytes from ``start`` in pieces of ``size`` (views of the bytes in memory, or reads
        from disk of a file not loaded), for a pass that keeps nothing."""
        if self._data is not None:
            view = memoryview(self._data)
            for i in range(start, len(view), size):
                yield view[i:i + size]
            return
        self.check_unchanged()
        try:
            with open(self.disk_path, "rb") as f:
                f.seek(start)
                while piece := f.read(size):
                    yield piece
        except OSError as exc:
            raise self.error(None, f"could not be read: {exc}") from None
        self.check_unchanged()

    def is_blank(self) -> bool:
        """True for an empty file or one of whitespace only (reads past the first 4 KiB only when
        those are all whitespace)."""
        if self.size == 0:
            return True
        if not self.head_bytes(4096).isspace():
            return False
        return all(bytes(piece).isspace() for piece in self.chunks())

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
        digest = hashlib.sha256()
        for piece in self.chunks():
            digest.update(piece)
        return digest.hexdigest()

    @cached_property
    def size(self) -> int:
        """Size of the file in bytes."""
        return len(self._data) if self._data is not None else self._stamp[0]

    def release(self) -> None:
        """Drop the bytes once the file is parsed (``storage.ingest.ingest_paths``: a file read
        from disk need not stay in memory while its runs are written); its identity (``sha256``,
        ``size``) is kept. Nothing may read ``data`` afterwards."""
        self.sha256, self.size  # noqa: B018 - computed (cached) while the bytes are here
        self._data, self._prefix = b"", b""

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
        skip = self._body_start()
        total = self.size - skip
        end = total if limit is None else min(limit, total)
        decoder = codecs.getincrementaldecoder("utf-8")()
        done = 0
        for piece in self.chunks(skip, chunk):
            piece = piece[:end - done]
            try:
                decoder.decode(piece, final=done + len(piece) >= total)
            except UnicodeDecodeError as exc:  # exc.object = bytes held back from before + piece
                raise self._utf8_error(done + exc.start - (len(exc.object) - len(piece))) from None
            done += len(piece)
            if done >= end:
                break

    def _body_start(self) -> int:
        """Where the text starts: after a UTF-8 byte-order mark (noted), else 0.

        Raises:
            FormatError: the file is empty (or whitespace only), or UTF-16.
        """
        if self.is_blank():
            raise self.error(None, "the file is empty")
        start = self.head_bytes(len(UTF8_BOM))
        if start[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise self.error("encoding", "the file is UTF-16; save it as UTF-8")
        if start == UTF8_BOM:
            if "UTF-8 byte-order mark removed" not in self.notes:
                self.notes.append("UTF-8 byte-order mark removed")
            return len(UTF8_BOM)
        return 0

    def _utf8_body(self) -> memoryview:
        """The bytes after a UTF-8 byte-order mark (noted), without copying them."""
        skip = self._body_start()
        return memoryview(self.data)[skip:]

    def _utf8_error(self, pos: int) -> FormatError:
        data = self._utf8_body()
        line = bytes(data[:pos]).count(b"\n") + 1
        col = pos - (bytes(data[:pos]).rfind(b"\n") + 1) + 1
        return self.error(f"line {line}, column {col}", f"not UTF-8 text (byte 0x{data[pos]:02x})")

    def head(self, n_bytes: int = 65536) -> str:
        """The first ``n_bytes`` decoded leniently, for format detection only."""
        data = self.head_bytes(n_bytes)
        if data.startswith(UTF8_BOM):
            data = data[len(UTF8_BOM):]
        return data.decode("utf-8", errors="replace")

    def first_line(self) -> str:
        """The first line, decoded leniently, read up to its newline but never past
        :func:`detect_bytes` (a JSON Lines line can hold a whole prompt, far over 64 KiB)."""
        limit = detect_bytes()
        end = self.head_bytes(limit).find(b"\n")
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


def _stamp(path: str) -> tuple[int, int]:
    """(size in bytes, modification time in ns) of a file on disk."""
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


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
