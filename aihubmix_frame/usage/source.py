"""Sources of request logs (JSON Lines files, iterables of dicts, DataFrames) as Arrow columns."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pj

from ..progress import wanted
from . import lines as _lines
from .lines import (
    BadLine,
    check_text,
    classify,
    hostile_numbers,
    is_blank,
    line_numbers,
    read_kept_lines,
    scan_lines,
    split_lines,
    type_change,
)
from .pandas_columns import to_pandas

__all__ = [
    "ON_BAD_LINES",
    "Origin",
    "LogColumns",
    "LogBlock",
    "load_log",
    "bad_lines_text",
    "flatten_struct",
    "to_arrow",
    "to_pandas",
]

# Bigger blocks than pyarrow's 1 MiB default: fewer chunks, and one inferred schema per 16 MiB.
_BLOCK_SIZE = 16 << 20


#: Values of ``on_bad_lines`` (pandas' names): raise, read the rest and warn, read the rest silently.
ON_BAD_LINES = ("error", "warn", "skip")


@dataclass(frozen=True)
class LogBlock:
    """JSON Lines already in memory: a byte block of a bigger file, or a file read through fsspec.

    ``name`` is the file as errors name it, ``first_line`` the 1-based number of the block's first
    line in that file (a callable is asked only when an error needs the number).
    """

    name: str
    data: bytes
    first_line: int | Callable[[], int] = 1

    def line_offset(self) -> int:
        first = self.first_line() if callable(self.first_line) else self.first_line
        return int(first)


@dataclass(frozen=True)
class Origin:
    """Where rows came from, so that errors name them as the user knows them."""

    kind: str  # "line" (JSON Lines, 1-based), "record" (iterable, 0-based) or "row" (DataFrame index)
    path: Path | LogBlock | None = None
    index: pd.Index | None = None
    numbers: np.ndarray | None = None  # line (record) number of each row when bad ones were skipped

    def where(self, positions: np.ndarray, limit: int = 5) -> str:
        positions = np.asarray(positions)
        shown = positions[:limit].tolist()
        if self.kind == "line":
            lines = self.numbers if self.numbers is not None else _line_numbers(self.path)  # type: ignore[arg-type]
            labels = ", ".join(str(lines[p]) for p in shown)
            text = f"{self.path.name} line{'s' if len(positions) > 1 else ''} {labels}"  # type: ignore[union-attr]
        elif self.kind == "record":
            labels = ", ".join(str(self.numbers[p] if self.numbers is not None else p) for p in shown)
            text = f"record{'s' if len(positions) > 1 else ''} {labels} (0-based)"
        else:
            text = f"row{'s' if len(positions) > 1 else ''} {[self.index[p] for p in shown]} (index labels)"  # type: ignore[index]
        return text + (f" and {len(positions) - limit} more" if len(positions) > limit else "")


@dataclass
class LogColumns:
    """A log as named columns in order: Arrow arrays (parsed JSON) or the caller's pandas Series."""

    columns: dict[str, pa.ChunkedArray | pd.Series]
    n_rows: int
    origin: Origin
    index: pd.Index | None = None  # a DataFrame source's index, kept
    bad: list[BadLine] = field(default_factory=list)  # lines (records) skipped, with why


def _open(path: Path | LogBlock) -> IO[bytes]:
    if isinstance(path, LogBlock):
        return io.BytesIO(path.data)
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile reads bytes
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    return open(path, "rb")


def _first_line(path: Path | LogBlock) -> int:
    return path.line_offset() if isinstance(path, LogBlock) else 1


def _line_numbers(path: Path | LogBlock) -> list[int]:
    """1-based numbers of the non-blank lines (pyarrow skips blank ones): row i is on line [i].

    Only called to word an error, after the vectorised read found one.
    """
    offset = _first_line(path) - 1
    with _open(path) as handle:
        return [
            number + offset
            for number, line, _ in split_lines(handle, _lines.MAX_LINE_BYTES)
            if line is None or not is_blank(line)
        ]


def bad_lines_text(bad: list[BadLine], unit: str, limit: int = 3) -> str:
    """``"line 4 is not valid JSON (...); line 9 is ...; and 3 more"``."""
    suffix = " (0-based)" if unit == "record" else ""
    shown = "; ".join(f"{unit} {b.number}{suffix} {b.reason}" for b in bad[:limit])
    return shown + (f"; and {len(bad) - limit:,} more" if len(bad) > limit else "")


def _refuse_bad(name: str, bad: list[BadLine], unit: str) -> ValueError:
    return ValueError(
        f"{name}: {bad_lines_text(bad, unit)} ({len(bad):,} bad {unit}{'s' if len(bad) > 1 else ''}). Fix or delete those {unit}s (each must be one JSON object: a "
        f"response or a usage record), or pass on_bad_lines='warn' (or 'skip') to read the others"
    )


#: Files at least this big (on disk) get a progress bar when someone watches (about 3 s and more).
PROGRESS_BYTES = 256 << 20
_CODECS = {".gz": "gzip", ".bz2": "bz2"}


def _parse(readable: Any) -> pa.Table | None:
    """The whole input in one pyarrow read (None: refused; the careful path will say why)."""
    try:
        table = pj.read_json(readable, read_options=pj.ReadOptions(block_size=_BLOCK_SIZE))
        check_text(table)  # text and names that are not UTF-8 (pyarrow's parser does not check them)
    except pa.ArrowInvalid as exc:
        return pa.table({}) if "Empty JSON file" in str(exc) else None
    except UnicodeDecodeError:
        return None
    return table


def _fast_read(path: Path | LogBlock, progress: bool | None) -> pa.Table | None:
    if isinstance(path, LogBlock):
        return _parse(pa.BufferReader(path.data))
    size = path.stat().st_size
    if size < PROGRESS_BYTES or not wanted(progress):
        return _parse(str(path))
    from tqdm.auto import tqdm

    # The bar follows the bytes pyarrow reads from the file (compressed bytes for .gz and .bz2).
    with open(path, "rb") as raw, tqdm.wrapattr(raw, "read", total=size, desc=path.name) as handle:
        stream: Any = pa.PythonFile(handle, mode="r")
        codec = _CODECS.get(path.suffix.lower())
        if codec is not None:
            stream = pa.CompressedInputStream(stream, codec)
        return _parse(stream)


def _read_jsonl(
    path: Path | LogBlock, on_bad_lines: str, progress: bool | None = None
) -> tuple[pa.Table, np.ndarray | None, list[BadLine]]:
    """The table, the line number of each row (None: every non-blank line is a row), the bad lines."""
    if isinstance(path, Path):
        if not path.is_file():
            raise FileNotFoundError(
                f"no log file {str(path)!r}; pass the path of a JSON Lines file (.jsonl, .jsonl.gz)"
            )
        if path.suffix.lower() in {".csv", ".parquet", ".xlsx"}:
            raise ValueError(
                f"{path.name} is not JSON Lines: read it with pandas (pd.read_csv, pd.read_parquet) "
                f"and pass the DataFrame to read_usage"
            )
    table = _fast_read(path, progress)
    if table is not None:
        return table, None, []
    return _careful_read(path, on_bad_lines)


def _careful_read(path: Path | LogBlock, on_bad_lines: str) -> tuple[pa.Table, np.ndarray | None, list[BadLine]]:
    """Line by line: the bad lines named (numbered in the whole file, for a block too), the others read."""
    scan = scan_lines(lambda: _open(path))
    offset = _first_line(path) - 1
    if offset:
        scan.bad = [BadLine(bad.number + offset, bad.reason) for bad in scan.bad]
    if scan.bad and on_bad_lines == "error":
        raise _refuse_bad(path.name, scan.bad, "line") from None
    if not scan.rows:
        return pa.table({}), None, scan.bad
    try:
        table = read_kept_lines(lambda: _open(path), scan, _BLOCK_SIZE)
    except pa.ArrowInvalid as exc:
        kept = set(scan.rows)

        def kept_lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes | bytearray]]:
            for n, line, _ in split_lines(handle, _lines.MAX_LINE_BYTES):
                if n in kept and line is not None:
                    yield n + offset, line

        with _open(path) as handle:
            hostile = hostile_numbers(kept_lines(handle))
        if hostile:
            raise ValueError(
                f"{path.name}: line{'s' if len(hostile) > 1 else ''} {', '.join(hostile)}: a number beyond what "
                f"a column holds (int64 for whole numbers, float64 for others); no usage count is that large: "
                f"fix or drop those lines"
            ) from None
        with _open(path) as handle:
            changed = type_change(str(exc), kept_lines(handle))
        if changed is not None:
            raise ValueError(
                f"{path.name}: {changed}: a field changes type between lines, so the log cannot be one "
                f"table; fix or drop those lines"
            ) from None
        raise ValueError(
            f"{path.name}: pyarrow cannot read it as one table ({exc}). A field probably changes "
            f"type between lines; fix that field, or load the lines yourself and pass the "
            f"dicts without it"
        ) from None
    return table, line_numbers(scan) + offset, scan.bad


def _parse_record(record: Any) -> tuple[Any, str | None]:
    """A record as a dict, or why it is not one (JSON text is parsed)."""
    if isinstance(record, Mapping):
        return record, None
    if isinstance(record, (str, bytes, bytearray)):
        reason = classify(bytes(record) if isinstance(record, bytearray) else record)
        return (json.loads(record), None) if reason is None else (None, reason)
    return None, f"is of type {type(record).__name__}, not a dict or the JSON text of one"


def _huge_ints(value: Any, path: str = "") -> Iterator[str]:
    """Key paths (``usage.prompt_tokens``) of the integers beyond int64 in a record."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _huge_ints(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _huge_ints(item, path)
    elif isinstance(value, int) and not -(2**63) <= value < 2**63:
        yield path


def _encodable(record: Mapping) -> bool:
    try:
        json.dumps(record, ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:
        return False
    except (TypeError, ValueError):
        return True  # not JSON-like: pyarrow says what it is
    return True


def _from_records(source: Iterable, on_bad_lines: str) -> tuple[pa.Table, np.ndarray | None, list[BadLine]]:
    records, numbers, bad = [], [], []
    for number, item in enumerate(source):
        record, reason = _parse_record(item)
        if reason is None:
            records.append(record)
            numbers.append(number)
        else:
            bad.append(BadLine(number, reason))
    while True:
        if bad and on_bad_lines == "error":
            raise _refuse_bad("the records", bad, "record")
        if not records:
            return pa.table({}), None, bad
        try:
            structs = pa.array(records)
            break
        except UnicodeEncodeError:  # text with lone surrogates: no UTF-8 for it
            unreadable = [i for i, record in enumerate(records) if not _encodable(record)]
            bad = sorted(
                bad + [BadLine(numbers[i], "holds text that is not valid Unicode") for i in unreadable],
                key=lambda b: b.number,
            )
            records = [r for i, r in enumerate(records) if i not in set(unreadable)]
            numbers = [n for i, n in enumerate(numbers) if i not in set(unreadable)]
        except OverflowError:
            huge = [(numbers[i], key) for i, record in enumerate(records) for key in _huge_ints(record)]
            shown = ", ".join(f"record {n} (0-based) {key!r}" for n, key in huge[:5])
            raise ValueError(
                f"{shown}{' and more' if len(huge) > 5 else ''}: an integer beyond int64 (2**63); no usage count "
                f"is that large: fix or drop those records"
            ) from None
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise ValueError(
                f"the records cannot form one table ({exc}); a field probably changes type between "
                f"records: fix or drop that field"
            ) from None
    table = pa.Table.from_struct_array(structs)
    # Keys in the order first seen, as in the records (pyarrow < 18 sorts a struct's fields by name).
    table = table.select(list(dict.fromkeys(key for record in records for key in record)))
    return table, (np.asarray(numbers, dtype=np.int64) if bad else None), bad


def load_log(source: Any, on_bad_lines: str = "error", *, progress: bool | None = None) -> LogColumns:
    """A path to JSON Lines (``.gz``, ``.bz2`` too), a :class:`LogBlock`, an iterable of dicts or JSON
    texts, or a DataFrame, as columns.

    ``on_bad_lines``: a line (record) that is not one JSON object raises (``"error"``) or is left out
    and listed in ``LogColumns.bad`` (``"warn"``, ``"skip"``: the caller warns or not). ``progress``:
    a bar while a big file is read (see :func:`aihubmix_frame.read_usage`).
    """
    if on_bad_lines not in ON_BAD_LINES:
        raise ValueError(f"on_bad_lines must be one of {', '.join(map(repr, ON_BAD_LINES))}, not {on_bad_lines!r}")
    if isinstance(source, pd.DataFrame):
        columns = {str(name): source[name] for name in source.columns}
        return LogColumns(columns, len(source), Origin("row", index=source.index), source.index)
    if isinstance(source, LogBlock):
        table, numbers, bad = _read_jsonl(source, on_bad_lines)
        origin = Origin("line", path=source, numbers=numbers)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        table, numbers, bad = _read_jsonl(path, on_bad_lines, progress)
        origin = Origin("line", path=path, numbers=numbers)
    elif isinstance(source, (bytes, Mapping)) or not isinstance(source, Iterable):
        raise TypeError(
            f"read_usage takes a path to a JSON Lines file, an iterable of dicts or a DataFrame, "
            f"not {type(source).__name__}"
        )
    else:
        table, numbers, bad = _from_records(source, on_bad_lines)
        origin = Origin("record", numbers=numbers)
    return LogColumns({name: table[name] for name in table.column_names}, table.num_rows, origin, bad=bad)


def _unconvertible(column: pd.Series, origin: Origin | None) -> str:
    """Where a pandas column holds integers beyond int64 or text with lone surrogates."""
    bad = [
        i
        for i, value in enumerate(column.tolist())
        if not _encodable({"v": value}) or next(_huge_ints(value), None) is not None
    ]
    if origin is None or not bad:
        return f"positions {bad[:5]}"
    return origin.where(np.asarray(bad))


def to_arrow(column: pa.ChunkedArray | pd.Series, origin: Origin | None = None) -> pa.ChunkedArray:
    """A column as Arrow; a pandas column of dicts becomes a struct column (NaN and None are null)."""
    if isinstance(column, pa.ChunkedArray):
        return column
    try:
        array = pa.array(column, from_pandas=True)
    except OverflowError:
        raise ValueError(
            f"{_unconvertible(column, origin)}: column {column.name!r} holds an integer beyond int64 (2**63); no "
            f"usage count is that large: fix or drop those rows"
        ) from None
    except UnicodeEncodeError:
        raise ValueError(
            f"{_unconvertible(column, origin)}: column {column.name!r} holds text that is not valid Unicode (lone "
            f"surrogates): fix or drop those rows"
        ) from None
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ValueError(
            f"column {column.name!r} mixes types ({exc}); make its values consistent "
            f"(whole numbers, or dicts with the same keys and types)"
        ) from None
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def flatten_struct(name: str, column: pa.ChunkedArray) -> dict[str, pa.ChunkedArray]:
    """A struct column as its leaf columns named ``name.key.subkey`` (``Table.flatten``, repeated)."""
    table = pa.table({name: column})
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    return {leaf: table[leaf] for leaf in table.column_names}
