"""Sources of request logs (JSON Lines files, iterables of dicts, DataFrames) as Arrow columns."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pj

from ..progress import wanted

__all__ = ["Origin", "LogColumns", "LogBlock", "load_log", "flatten_struct", "to_arrow", "to_pandas"]

# Bigger blocks than pyarrow's 1 MiB default: fewer chunks, and one inferred schema per 16 MiB.
_BLOCK_SIZE = 16 << 20


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

    def where(self, positions: np.ndarray, limit: int = 5) -> str:
        positions = np.asarray(positions)
        shown = positions[:limit].tolist()
        if self.kind == "line":
            lines = _line_numbers(self.path)  # type: ignore[arg-type]  # a line origin has its path
            labels = ", ".join(str(lines[p]) for p in shown)
            text = f"{self.path.name} line{'s' if len(positions) > 1 else ''} {labels}"  # type: ignore[union-attr]
        elif self.kind == "record":
            text = f"record{'s' if len(positions) > 1 else ''} {', '.join(map(str, shown))} (0-based)"
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
    with _open(path) as handle:
        return [number for number, line in enumerate(handle, start=_first_line(path)) if line.strip()]


def _bad_lines(path: Path | LogBlock, limit: int = 3) -> list[str]:
    """Plain-Python scan for the lines pyarrow refused: not JSON, or JSON but not an object."""
    found = []
    with _open(path) as handle:
        for number, line in enumerate(handle, start=_first_line(path)):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                found.append(f"line {number} is not valid JSON ({exc.args[0]})")
            else:
                if not isinstance(value, dict):
                    found.append(f"line {number} is a JSON {type(value).__name__}, not an object")
            if len(found) == limit:
                break
    return found


#: Files at least this big (on disk) get a progress bar when someone watches (about 3 s and more).
PROGRESS_BYTES = 256 << 20
_CODECS = {".gz": "gzip", ".bz2": "bz2"}


def _read_jsonl(path: Path | LogBlock, progress: bool | None = None) -> pa.Table:
    if isinstance(path, LogBlock):
        return _parse_jsonl(path, pa.BufferReader(path.data))
    if not path.is_file():
        raise FileNotFoundError(f"no log file {str(path)!r}; pass the path of a JSON Lines file (.jsonl, .jsonl.gz)")
    if path.suffix.lower() in {".csv", ".parquet", ".xlsx"}:
        raise ValueError(
            f"{path.name} is not JSON Lines: read it with pandas (pd.read_csv, pd.read_parquet) "
            f"and pass the DataFrame to read_usage"
        )
    size = path.stat().st_size
    if size < PROGRESS_BYTES or not wanted(progress):
        return _parse_jsonl(path, str(path))
    from tqdm.auto import tqdm

    # The bar follows the bytes pyarrow reads from the file (compressed bytes for .gz and .bz2).
    with open(path, "rb") as raw, tqdm.wrapattr(raw, "read", total=size, desc=path.name) as handle:
        stream: Any = pa.PythonFile(handle, mode="r")
        codec = _CODECS.get(path.suffix.lower())
        if codec is not None:
            stream = pa.CompressedInputStream(stream, codec)
        return _parse_jsonl(path, stream)


def _parse_jsonl(path: Path | LogBlock, readable: Any) -> pa.Table:
    try:
        return pj.read_json(readable, read_options=pj.ReadOptions(block_size=_BLOCK_SIZE))
    except pa.ArrowInvalid as exc:
        if "Empty JSON file" in str(exc):
            return pa.table({})
        bad = _bad_lines(path)
        if bad:
            raise ValueError(
                f"{path.name}: {'; '.join(bad)}. Fix or delete those lines; every line must hold "
                f"one JSON object (a response or a usage record)"
            ) from None
        raise ValueError(
            f"{path.name}: pyarrow cannot read it as one table ({exc}). A field probably changes "
            f"type between lines; fix that field, or load the lines yourself and pass the "
            f"dicts without it"
        ) from None


def _from_records(records: list) -> pa.Table:
    bad = [i for i, record in enumerate(records) if not isinstance(record, Mapping)]
    if bad:
        raise TypeError(f"records {bad[:5]} (0-based) are not dicts; pass one response or usage dict per request")
    if not records:
        return pa.table({})
    try:
        structs = pa.array(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ValueError(
            f"the records cannot form one table ({exc}); a field probably changes type between "
            f"records: fix or drop that field"
        ) from None
    table = pa.Table.from_struct_array(structs)
    # Keys in the order first seen, as in the records (pyarrow < 18 sorts a struct's fields by name).
    return table.select(list(dict.fromkeys(key for record in records for key in record)))


def load_log(source: Any, *, progress: bool | None = None) -> LogColumns:
    """A path to JSON Lines (``.gz``, ``.bz2`` too), a :class:`LogBlock`, an iterable of dicts, or a DataFrame, as columns."""
    if isinstance(source, pd.DataFrame):
        columns = {str(name): source[name] for name in source.columns}
        return LogColumns(columns, len(source), Origin("row", index=source.index), source.index)
    if isinstance(source, LogBlock):
        table = _read_jsonl(source)
        origin = Origin("line", path=source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        table = _read_jsonl(path, progress)
        origin = Origin("line", path=path)
    elif isinstance(source, (bytes, Mapping)) or not isinstance(source, Iterable):
        raise TypeError(
            f"read_usage takes a path to a JSON Lines file, an iterable of dicts or a DataFrame, "
            f"not {type(source).__name__}"
        )
    else:
        table = _from_records(list(source))
        origin = Origin("record")
    return LogColumns({name: table[name] for name in table.column_names}, table.num_rows, origin)


def to_arrow(column: pa.ChunkedArray | pd.Series) -> pa.ChunkedArray:
    """A column as Arrow; a pandas column of dicts becomes a struct column (NaN and None are null)."""
    if isinstance(column, pa.ChunkedArray):
        return column
    try:
        array = pa.array(column, from_pandas=True)
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


def _pandas_type(arrow_type: pa.DataType) -> Any:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow")
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_floating(arrow_type):
        return pd.Float64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    if pa.types.is_nested(arrow_type):
        return pd.ArrowDtype(arrow_type)  # objects and arrays stay Arrow: no Python dict per row
    return None


def to_pandas(columns: dict[str, pa.ChunkedArray]) -> pd.DataFrame:
    """Arrow columns as nullable pandas columns: strings, Int64, Float64, boolean; nested as ArrowDtype."""
    return pa.table(columns).to_pandas(types_mapper=_pandas_type)
