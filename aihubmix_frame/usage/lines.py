"""JSON Lines read line by line: the careful path taken when the fast reader refuses a file.

It finds, by number, the lines that are not one JSON object (invalid or truncated JSON, bytes that
are not UTF-8, a list or a number, a line longer than :data:`MAX_LINE_BYTES`), holding at most one
batch of lines (or the longest line read) in memory; a line over the limit is measured, never held.
The other lines are then read by the same pyarrow reader, so that the table is the one the file
would give without the bad lines.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.json as pj

__all__ = [
    "MAX_LINE_BYTES",
    "BadLine",
    "LineScan",
    "scan_lines",
    "read_kept_lines",
    "hostile_numbers",
    "classify",
    "is_blank",
    "split_lines",
]

#: The longest line read (256 MiB); a longer line is a bad line, named with its length.
MAX_LINE_BYTES = 256 << 20
_BATCH = 16 << 20  # lines checked together by pyarrow; only a refused batch is checked line by line
_CHUNK = 1 << 20  # bytes read from the file at once

Opener = Callable[[], IO[bytes]]


@dataclass(frozen=True)
class BadLine:
    """A line (1-based) or record (0-based) that could not be read as one JSON object, and why."""

    number: int
    reason: str


@dataclass
class LineScan:
    """What a line-by-line scan found: the bad lines, the line number of every row kept, the longest line."""

    bad: list[BadLine] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    longest: int = 0
    #: The kept lines' tables, one per batch (None: a long line was not parsed; read the kept lines again).
    tables: list[pa.Table] | None = field(default_factory=list)


def split_lines(handle: IO[bytes], limit: int) -> Iterator[tuple[int, bytes | bytearray | None, int]]:
    """``(number, line, length)`` per line (1-based, without its newline); ``line`` is None over ``limit``.

    A line over the limit is counted, not kept: memory stays at one chunk however long it is. A line
    that spans chunks grows in one buffer (no list of pieces to join) and is handed over as it is.
    """
    number, partial, size, too_long = 0, bytearray(), 0, False
    while chunk := handle.read(_CHUNK):
        pieces = chunk.split(b"\n")
        for piece in pieces[:-1]:
            number += 1
            size += len(piece)
            if too_long or size > limit:
                yield number, None, size
            elif partial:
                partial += piece
                line, partial = partial, bytearray()
                yield number, line, size
                del line
            else:
                yield number, piece, size
            partial, size, too_long = bytearray(), 0, False
        tail = pieces[-1]
        size += len(tail)
        if too_long or size > limit:
            partial, too_long = bytearray(), True
        elif tail:
            partial += tail
    if size:
        yield number + 1, None if too_long else partial, size


def is_blank(line: bytes | bytearray) -> bool:
    """Whether a line holds only whitespace (without copying it, as ``strip`` would)."""
    return not line or line.isspace()


def classify(line: bytes | bytearray | str) -> str | None:
    """Why a line is not one JSON object (None: it is one)."""
    if isinstance(line, (bytes, bytearray)):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return f"is not valid UTF-8 (byte {exc.start + 1})"
    try:
        value = json.loads(line, parse_constant=_not_json)
    except RecursionError:
        return "is nested too deeply"
    except json.JSONDecodeError as exc:
        return f"is not valid JSON ({exc.msg} at character {exc.pos + 1})"
    except ValueError as exc:
        return f"is not valid JSON ({exc.args[0]})"
    if not isinstance(value, dict):
        return f"is a JSON {type(value).__name__}, not an object"
    return None


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def check_text(table: pa.Table) -> None:
    """Raise ArrowInvalid / UnicodeDecodeError where text or a field name is not UTF-8 (pyarrow's parser lets it in).

    The names are walked one by one: ``str(schema)`` grows much faster than the nesting depth.
    """
    table.validate(full=True)
    fields = list(table.schema)
    while fields:
        item = fields.pop()
        _ = item.name  # decodes the name
        kind = item.type
        if pa.types.is_struct(kind):
            fields.extend(kind.field(i) for i in range(kind.num_fields))
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
            fields.append(kind.value_field)
        elif pa.types.is_map(kind):
            fields.extend((kind.key_field, kind.item_field))


def _table(lines: Sequence[bytes | bytearray], longest: int) -> pa.Table | None:
    """These lines as one pyarrow table with valid UTF-8 text and field names (None: refused)."""
    if not lines:
        return pa.table({})
    data = lines[0] if len(lines) == 1 else b"\n".join(lines)
    try:
        table = pj.read_json(pa.BufferReader(data), read_options=pj.ReadOptions(block_size=max(_CHUNK, longest + 2)))
        check_text(table)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    return table


def scan_lines(opener: Opener, limit: int | None = None) -> LineScan:
    """Every bad line of a JSON Lines file by number (blank lines are neither rows nor bad)."""
    limit = MAX_LINE_BYTES if limit is None else limit
    scan = LineScan()
    batch: list[bytes | bytearray] = []
    numbers: list[int] = []
    size = 0

    def keep(table: pa.Table | None) -> None:
        if scan.tables is not None and table is not None:
            scan.tables.append(table)
        else:  # the kept lines are read again after the scan
            scan.tables = None

    def check() -> None:
        if not batch:
            return
        if len(batch) == 1 and len(batch[0]) > _BATCH:  # one long line: json.loads holds less than pyarrow
            reason = classify(batch[0])
            if reason is None:
                scan.rows.append(numbers[0])
                keep(None)
            else:
                scan.bad.append(BadLine(numbers[0], reason))
            return
        longest = max(map(len, batch))
        table = _table(batch, longest)
        if table is not None:
            scan.rows.extend(numbers)
            keep(table)
            return
        good = []
        for number, line in zip(numbers, batch, strict=True):
            reason = classify(line)
            if reason is None:
                scan.rows.append(number)
                good.append(line)
            else:
                scan.bad.append(BadLine(number, reason))
        keep(_table(good, longest))

    with opener() as handle:
        for number, line, length in split_lines(handle, limit):
            scan.longest = max(scan.longest, length)
            if line is None:
                scan.bad.append(BadLine(number, f"is longer than the limit of {limit:,} bytes ({length:,} bytes)"))
                continue
            if is_blank(line):
                continue
            batch.append(line)
            numbers.append(number)
            size += len(line) + 1
            if size >= _BATCH:
                check()
                batch, numbers, size = [], [], 0
        check()
    scan.bad.sort(key=lambda bad: bad.number)
    return scan


class _KeptLines(io.RawIOBase):
    """The file's lines without the bad ones, as a stream pyarrow reads (one chunk in memory at a time)."""

    def __init__(self, opener: Opener, skip: set[int], limit: int) -> None:
        super().__init__()
        self._handle = opener()
        self._lines = split_lines(self._handle, limit)
        self._skip = skip
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def _refill(self) -> bool:
        parts, size = [], 0
        for number, line, _ in self._lines:
            if line is None or number in self._skip:
                continue
            parts.append(line)
            size += len(line) + 1
            if size >= _CHUNK:
                break
        if not parts:
            return False
        parts.append(b"")
        self._buffer = memoryview(b"\n".join(parts))
        return True

    def readinto(self, target: Any) -> int:
        if not self._buffer and not self._refill():
            return 0
        count = min(len(target), len(self._buffer))
        target[:count] = self._buffer[:count]
        self._buffer = self._buffer[count:]
        return count

    def close(self) -> None:
        self._handle.close()
        super().close()


def read_kept_lines(opener: Opener, scan: LineScan, block_size: int) -> pa.Table:
    """The table of the file without its bad lines: the scan's batch tables joined (fields missing in a
    batch are null there), or, when they do not join or a long line was not parsed, the kept lines
    read again by pyarrow in blocks larger than the longest line."""
    if scan.tables:
        try:
            return pa.concat_tables(scan.tables, promote_options="default")
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
    skip = {bad.number for bad in scan.bad}
    limit = max(scan.longest, 1)  # lines over the scan's limit are in skip already
    with _KeptLines(opener, skip, limit) as stream:
        block = max(block_size, scan.longest + 2)
        return pj.read_json(stream, read_options=pj.ReadOptions(block_size=block))


def _check_int(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise _Hostile(text)
    return value


def _check_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Hostile(text)
    return value


class _Hostile(ValueError):
    """A number in a JSON line that no Arrow column holds (beyond int64 as an integer, beyond float64)."""


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}...({len(text)} digits)"


def hostile_numbers(lines: Iterator[tuple[int, bytes | bytearray | str]], limit: int = 5) -> list[str]:
    """Where lines hold numbers beyond int64 (as integers) or float64: ``"line 7 (9223372036854775808)"``."""
    found = []
    for number, line in lines:
        try:
            json.loads(line, parse_int=_check_int, parse_float=_check_float)
        except _Hostile as exc:
            found.append(f"{number} ({_short(exc.args[0])})")
        except (ValueError, RecursionError):
            continue
        if len(found) == limit:
            break
    return found


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", dict: "object", list: "array", type(None): "null"}.get(type(value), "other")


def type_change(message: str, lines: Iterator[tuple[int, bytes | bytearray]]) -> str | None:
    """``"line 7 ('usage.prompt_tokens' is a string, a number before)"`` for pyarrow's "changed from" error."""
    found = re.search(r"Column\((/[^)]*)\) changed from", message)
    if found is None:
        return None
    keys = found.group(1).strip("/").split("/")
    first = None
    for number, line in lines:
        try:
            value: Any = json.loads(line)
            for key in keys:
                value = value[key] if isinstance(value, dict) else None
        except (ValueError, RecursionError, TypeError):
            continue
        kind = _json_kind(value)
        if kind == "null":
            continue
        if first is None:
            first = kind
        elif kind != first:
            return f"line {number} ({'.'.join(keys)!r} is a {kind}, a {first} on earlier lines)"
    return None


def line_numbers(scan: LineScan) -> np.ndarray:
    """The 1-based line number of each row kept."""
    return np.asarray(scan.rows, dtype=np.int64)
