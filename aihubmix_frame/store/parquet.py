"""Parquet files: a lossless, atomic round trip of any frame through the codec."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ExportError
from .codec import frame_to_table, read_document, table_to_frame
from .files import atomic_write

__all__ = ["write_parquet", "read_parquet", "parquet_metadata"]


def parquet_metadata(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """This package's metadata document of a Parquet file (schema version, provenance, codecs), or None.

    Reads only the file footer.

    >>> import aihubmix_frame as ahf, tempfile, pathlib
    >>> path = ahf.load_snapshot().aihub.to_parquet(pathlib.Path(tempfile.mkdtemp()) / "c.parquet")
    >>> meta = parquet_metadata(path)
    >>> meta["schema_version"] == ahf.schema.SCHEMA_VERSION, meta["provenance"]["source"]
    (True, 'snapshot')
    """
    try:
        arrow_schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ExportError(
            f"{os.fspath(path)!r} is not a readable Parquet file ({exc}); pass a file written by df.aihub.to_parquet()"
        ) from None
    return read_document(arrow_schema)


def write_parquet(frame: pd.DataFrame, path: str | os.PathLike[str], *, compression: str = "zstd") -> Path:
    """Write the frame to Parquet, atomically; ``df.aihub.to_parquet`` calls this.

    Every dtype, the index and ``attrs`` come back exactly through :func:`read_parquet`. The file's
    key-value metadata ``aihubmix_frame`` holds the schema version, the provenance and how each
    column is stored; list columns are Arrow lists and nested objects JSON text, so DuckDB, Polars
    and plain pyarrow read it too. Keys of ``attrs`` that name credentials are dropped.

    >>> import aihubmix_frame as ahf, tempfile, pathlib
    >>> df = ahf.load_snapshot()
    >>> path = write_parquet(df, pathlib.Path(tempfile.mkdtemp()) / "catalog.parquet")
    >>> read_parquet(path).equals(df)
    True
    """
    table = frame_to_table(frame)
    return atomic_write(path, lambda temporary: pq.write_table(table, temporary, compression=compression))


def read_parquet(path: str | os.PathLike[str], *, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a Parquet file written by ``df.aihub.to_parquet`` back into the exact same frame.

    ``columns`` reads only those columns (the index always comes back). Files written by other
    tools are read too, with nullable pandas dtypes (see :func:`~aihubmix_frame.store.codec.table_to_frame`);
    a catalog file that DuckDB or Polars rewrote (its metadata gone) gets the catalog's column
    dtypes back by column name, as :func:`~aihubmix_frame.store.csv.read_csv` does: list columns,
    ``price_tiers`` and ``reasoning_options`` parsed from JSON, nullable flags as ``boolean``.

    >>> import aihubmix_frame as ahf, tempfile, pathlib
    >>> path = ahf.load_snapshot().aihub.to_parquet(pathlib.Path(tempfile.mkdtemp()) / "c.parquet")
    >>> ahf.read_parquet(path, columns=["model_id", "input_usd_per_1m"]).dtypes.astype(str).tolist()
    ['string', 'Float64']
    """
    document = parquet_metadata(path)
    wanted = None
    if columns is not None:
        wanted = list(columns)
        if document is not None and document["index"]["kind"] == "column":
            wanted.append(document["index"]["column"])
    try:
        table = pq.read_table(path, columns=wanted)
    except pa.ArrowInvalid as exc:
        raise ExportError(f"cannot read {os.fspath(path)!r}: {exc}. Check the column names.") from None
    return table_to_frame(table)
