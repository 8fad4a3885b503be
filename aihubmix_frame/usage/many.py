"""Many log files as one lazy dask DataFrame: each file (or byte block of a big file) read by ``read_usage``.

``read_usage(source, backend="dask")`` lands here. The files are found with fsspec (a folder, a
glob, paths or URLs), cut into parts (one per compressed file, one per ``blocksize`` bytes of plain JSON
Lines, blocks ending at line ends as ``fsspec.utils.read_block`` cuts them, one per file or per
``blocksize`` of row groups of Parquet, one per CSV export) and
handed to ``dask.dataframe.from_map``: each part calls the one-file reader it is given
(``read_usage`` itself, passed in so that this module does not import it back), then keeps the
canonical columns, the timestamp and the requested fields with the one meta of every part. No
second parser: a byte block goes to the reader as a :class:`~aihubmix_frame.usage.source.LogBlock`,
a Parquet file as the DataFrame pandas reads. dask and fsspec are imported when called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from ..relay import relayed
from .source import LogBlock

__all__ = ["FilePart", "LinesBefore", "read_files", "read_part", "usage_meta", "JSONL_SUFFIXES", "PARQUET_SUFFIXES"]

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")
PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv",)  # flat exports (``prompt_tokens``, ``usage.prompt_tokens``, ...), read by pandas
_CANONICAL_DTYPES: dict[str, Any] = {
    "model_id": pd.StringDtype("pyarrow"),
    "input_tokens": pd.Int64Dtype(),
    "output_tokens": pd.Int64Dtype(),
    "cache_read_tokens": pd.Int64Dtype(),
    "cache_write_tokens": pd.Int64Dtype(),
    "reasoning_tokens": pd.Int64Dtype(),
    "input_includes_cache": "bool",
}
TIMESTAMP_DTYPE = pd.DatetimeTZDtype("ns", "UTC")
_SAMPLE_BYTES = 1 << 20


@dataclass(frozen=True)
class FilePart:
    """One partition's share of the files: a whole file, ``length`` bytes of one from ``start``, or row groups."""

    url: str
    kind: str  # "jsonl" (plain, maybe a block), "compressed" (jsonl, whole file), "parquet" or "csv"
    local: bool
    start: int = 0
    length: int | None = None  # None: the whole file
    row_groups: tuple[int, ...] | None = None  # Parquet: the row groups of this part (None: all)

    @property
    def name(self) -> str:
        return PurePosixPath(self.url.split("://", 1)[-1]).name


@dataclass(frozen=True)
class LinesBefore:
    """The 1-based number of a block's first line: counted only when an error must name a line."""

    url: str
    start: int
    storage_options: tuple[tuple[str, Any], ...] = ()

    def __call__(self) -> int:
        if self.start == 0:
            return 1
        import fsspec

        count, left = 0, self.start
        with fsspec.open(self.url, "rb", **dict(self.storage_options)) as handle:
            while left > 0:
                chunk = handle.read(min(left, 16 << 20))
                if not chunk:
                    break
                count += chunk.count(b"\n")
                left -= len(chunk)
        return count + 2  # the block starts after the first line end at or after ``start``


def _kind(path: str) -> str | None:
    suffixes = [s.lower() for s in PurePosixPath(path).suffixes]
    if not suffixes:
        return None
    if suffixes[-1] in PARQUET_SUFFIXES:
        return "parquet"
    if suffixes[-1] in CSV_SUFFIXES:
        return "csv"
    if suffixes[-1] in COMPRESSED_SUFFIXES:
        return "csv" if len(suffixes) > 1 and suffixes[-2] in CSV_SUFFIXES else "compressed"
    if suffixes[-1] in JSONL_SUFFIXES:
        return "jsonl"
    return None


def _blocksize(blocksize: int | str | None) -> int | None:
    if blocksize is None:
        return None
    if isinstance(blocksize, str):
        from dask.utils import parse_bytes

        blocksize = parse_bytes(blocksize)
    if isinstance(blocksize, bool) or not isinstance(blocksize, int) or blocksize <= 0:
        raise ValueError(f"blocksize must be a positive number of bytes (e.g. '64MiB') or None, got {blocksize!r}")
    return blocksize


def _expand(source: Any, storage_options: Mapping[str, Any]) -> list[tuple[Any, str, bool]]:
    """(filesystem, path, is local) of every log file named by ``source``, in a stable order."""
    from fsspec.core import url_to_fs
    from fsspec.implementations.local import LocalFileSystem

    items = list(source) if isinstance(source, (list, tuple)) else [source]
    if not items:
        raise ValueError("read_usage(backend='dask') got no files: pass a folder, a glob, a path or a list of them")
    found: list[tuple[Any, str, bool]] = []
    for item in items:
        if not isinstance(item, (str, Path)):
            raise TypeError(
                f"read_usage(backend='dask') reads files: a folder, a glob, a path or URL, or a list of them; "
                f"got {type(item).__name__} (pass a DataFrame or records with backend='pandas')"
            )
        text = str(Path(item).expanduser()) if isinstance(item, Path) else item
        fs, path = url_to_fs(text, **storage_options)
        if any(ch in path for ch in "*?["):
            paths = sorted(fs.glob(path))
        elif fs.isdir(path):
            paths = sorted(p for p in fs.find(path) if _kind(p) is not None)
        elif fs.exists(path):
            paths = [path]
        else:
            raise FileNotFoundError(f"no log file or folder {text!r}")
        local = isinstance(fs, LocalFileSystem)
        found.extend((fs, p, local) for p in paths)
    if not found:
        raise FileNotFoundError(f"no log files (.jsonl, .jsonl.gz, .parquet) match {source!r}")
    return found


def _parts(files: list[tuple[Any, str, bool]], blocksize: int | None) -> list[FilePart]:
    parts: list[FilePart] = []
    for fs, path, local in files:
        kind = _kind(path)
        url = path if local else fs.unstrip_protocol(path)
        if kind is None:
            raise ValueError(
                f"{url}: not a log file this reader knows (.jsonl, .ndjson, .jsonl.gz, .jsonl.bz2, .parquet, .csv); "
                "rename it, or leave it out of the folder or glob"
            )
        document = path.lower().endswith(".json")  # may be one JSON document (a list, an export page): whole
        size = fs.size(path) if kind in ("jsonl", "parquet") and blocksize is not None and not document else None
        if size is None or blocksize is None or size <= blocksize:
            parts.append(FilePart(url, kind, local))
        elif kind == "jsonl":
            parts.extend(FilePart(url, kind, local, start, blocksize) for start in range(0, size, blocksize))
        else:
            parts.extend(FilePart(url, kind, local, row_groups=groups) for groups in _row_groups(fs, path, blocksize))
    return parts


def _row_groups(fs: Any, path: str, blocksize: int) -> list[tuple[int, ...] | None]:
    """A big Parquet file's row groups, gathered into parts of about ``blocksize`` compressed bytes."""
    import pyarrow.parquet as pq

    with fs.open(path, "rb") as handle:
        metadata = pq.ParquetFile(handle).metadata
    groups: list[tuple[int, ...] | None] = []
    current: list[int] = []
    size = 0
    for number in range(metadata.num_row_groups):
        current.append(number)
        size += metadata.row_group(number).total_byte_size
        if size >= blocksize:
            groups.append(tuple(current))
            current, size = [], 0
    if current:
        groups.append(tuple(current))
    return groups if len(groups) > 1 else [None]


def _options_tuple(storage_options: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(storage_options.items()))


def _load(part: FilePart, reader: Callable[..., pd.DataFrame], options: Mapping[str, Any], so: tuple) -> pd.DataFrame:
    """The part as the one-file reader reads it (a path, a LogBlock, or a Parquet file's DataFrame)."""
    import fsspec

    storage = dict(so)
    if part.kind in ("parquet", "csv"):
        if part.kind == "csv":
            frame = pd.read_csv(part.url, storage_options=storage or None)
        elif part.row_groups is None:
            frame = pd.read_parquet(part.url, storage_options=storage or None)
        else:
            import pyarrow.parquet as pq

            with fsspec.open(part.url, "rb", **storage) as handle:
                table = pq.ParquetFile(handle).read_row_groups(list(part.row_groups))
            frame = table.to_pandas()
        try:
            return reader(frame, **options)
        except ValueError as exc:  # the reader names rows of a frame; name the file too
            raise ValueError(f"{part.name}: {exc}") from None
    if part.local and part.length is None:
        return reader(Path(part.url), **options)  # the file as it is: the reader handles .gz and .bz2
    if part.length is None:
        with fsspec.open(part.url, "rb", compression="infer", **storage) as handle:
            data = handle.read()
        return reader(LogBlock(part.name, data), **options)
    from fsspec.utils import read_block

    with fsspec.open(part.url, "rb", **storage) as handle:
        data = read_block(handle, part.start, part.length, delimiter=b"\n")
    if not data.strip():
        return reader([], **{**options, "timestamp": None, "model": None})
    return reader(LogBlock(part.name, data, LinesBefore(part.url, part.start, so)), **options)


def _conform(frame: pd.DataFrame, meta: pd.DataFrame, part: FilePart) -> pd.DataFrame:
    """The columns of ``meta``, in its order and dtypes; a field a file lacks is NA."""
    out: dict[str, Any] = {}
    for name, dtype in zip(meta.columns.astype(str), meta.dtypes):
        if name not in frame.columns:
            out[name] = pd.array([None] * len(frame), dtype=dtype)
            continue
        column = frame[name]
        try:
            out[name] = column.array if column.dtype == dtype else column.astype(dtype).array
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{part.name}: field {name!r} is {column.dtype} here but {dtype} in the first file ({exc}); "
                f"name its dtype with columns={{{name!r}: 'string'}} (or another common type)"
            ) from None
    return pd.DataFrame(out, index=frame.index)


def read_part(
    part: FilePart,
    reader: Callable[..., pd.DataFrame],
    options: Mapping[str, Any],
    schema: pd.DataFrame,
    storage_options: tuple[tuple[str, Any], ...] = (),
) -> pd.DataFrame:
    """One partition: the part read by ``reader`` (``read_usage``), then given the one meta (``schema``).

    The reader's warnings (e.g. Anthropic 1-hour cache writes) reach the client: see :mod:`aihubmix_frame.relay`.
    """
    with relayed(part.name):
        frame = _load(part, reader, options, storage_options)
    return _conform(frame, schema, part)


def _sample(part: FilePart, reader: Callable[..., pd.DataFrame], options: Mapping[str, Any], so: tuple) -> pd.DataFrame:
    """The first lines (about 1 MiB) of a file, read as a part would be, for the dtypes of requested fields."""
    if part.kind == "csv":
        return reader(pd.read_csv(part.url, nrows=1_000, storage_options=dict(so) or None), **options)
    if part.kind == "parquet":
        import fsspec
        import pyarrow.parquet as pq

        with fsspec.open(part.url, "rb", **dict(so)) as handle:
            head = next(pq.ParquetFile(handle).iter_batches(batch_size=1_000), None)
        return reader(head.to_pandas() if head is not None else pd.DataFrame(), **options)
    import fsspec

    compression = "infer" if part.kind == "compressed" else None
    with fsspec.open(part.url, "rb", compression=compression, **dict(so)) as handle:
        data = handle.read(_SAMPLE_BYTES)
    data = data[: data.rfind(b"\n") + 1] if b"\n" in data else data
    return reader(LogBlock(part.name, data), **options)


def usage_meta(
    columns: Any,
    timestamp: str | None,
    parts: list[FilePart],
    reader: Callable[..., pd.DataFrame],
    options: Mapping[str, Any],
    so: tuple,
) -> pd.DataFrame:
    """The one empty frame every partition matches: canonical columns, timestamp, requested fields."""
    dtypes: dict[str, Any] = dict(_CANONICAL_DTYPES)
    if timestamp is not None:
        dtypes[timestamp] = TIMESTAMP_DTYPE
    given = dict(columns) if isinstance(columns, Mapping) else {}
    names = list(given) if given else list(columns or [])
    if isinstance(columns, str):
        raise TypeError(f"columns= takes a list of field names or {{name: dtype}}, got the string {columns!r}")
    unknown = [n for n in names if n not in dtypes and n not in given]
    for part in parts[:8]:  # the dtypes of requested fields: from the first files that have them
        if not unknown:
            break
        sample = _sample(part, reader, options, so)
        for name in [n for n in unknown if n in sample.columns]:
            given[name] = sample[name].dtype
            unknown.remove(name)
    for name in names:
        if name not in dtypes:
            dtypes[name] = given.get(name, pd.StringDtype("pyarrow"))
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in dtypes.items()})


def read_files(
    source: Any,
    reader: Callable[..., pd.DataFrame],
    options: dict[str, Any],
    *,
    columns: Any = None,
    blocksize: int | str | None = "64MiB",
    storage_options: dict[str, Any] | None = None,
) -> Any:
    """The lazy dask DataFrame of every log file in ``source`` (see :func:`aihubmix_frame.read_usage`).

    ``options`` go to ``reader`` for every part (``flavor``, ``model``, ``timestamp``, and any other
    option of the one-file reader, such as ``on_bad_lines``). A field named in ``columns`` that no
    sampled file has is read as text. Nothing is read now but the file list, the sizes of plain
    JSON Lines files and, for ``columns=`` without dtypes, the first MiB of the first files.
    """
    import dask.dataframe as dd

    storage_options = dict(storage_options or {})
    so = _options_tuple(storage_options)
    files = _expand(source, storage_options)
    parts = _parts(files, _blocksize(blocksize))
    meta = usage_meta(columns, options.get("timestamp"), parts, reader, options, so)
    return dd.from_map(
        read_part,
        parts,
        reader=reader,
        options=dict(options),
        schema=meta,
        meta=meta,
        storage_options=so,
        enforce_metadata=False,
        label="read-usage",
    )
