"""The catalog's column contract restored by column name, on an Arrow table another tool rewrote.

DuckDB and Polars keep a Parquet file's columns but drop its key-value metadata, so this package's
codec cannot say what each column was: list columns come back as ``list<element: ...>``, nested
objects (``price_tiers``, ``reasoning_options``) as JSON text, nullable flags as ``object``. Every
column whose name is in :data:`aihubmix_frame.schema.COLUMNS` gets its contract dtype back, as
:func:`~aihubmix_frame.store.csv.read_csv` does; other columns keep their plain types.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema
from ..errors import ExportError

__all__ = ["restore_catalog_columns"]

_LIST_TYPE = pa.list_(pa.string())


def _restored(name: str, column: pa.ChunkedArray, kind: str) -> Any:
    """One column in its contract dtype (``kind`` from :data:`schema.COLUMNS`)."""
    if kind == "list":
        return pd.arrays.ArrowExtensionArray(column.cast(_LIST_TYPE))
    if kind == "object":
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            cells = [pd.NA if text is None else json.loads(text) for text in column.to_pylist()]
        else:  # a nested type the writer kept as such
            cells = [pd.NA if cell is None else cell for cell in column.to_pylist()]
        values = np.empty(len(cells), dtype=object)
        values[:] = cells
        return pd.Series(values, dtype=object, copy=False)
    if kind == "bool":
        if column.null_count:
            raise ValueError(f"{column.null_count} missing value(s) in a true/false column")
        return column.to_numpy().astype(bool)
    if kind == "boolean":
        return pd.array(column.to_pylist(), dtype="boolean")
    return pd.Series(column.to_pandas()).astype(pd.api.types.pandas_dtype(kind)).array


def restore_catalog_columns(table: pa.Table, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (``table`` converted with plain types) with each catalog column in its contract dtype.

    ``ExportError`` names a catalog column whose values do not fit its contract.
    """
    known = [name for name in frame.columns if name in schema.COLUMNS]
    if not known:
        return frame
    columns: dict[str, Any] = {}
    for name in frame.columns:
        kind = schema.COLUMNS.get(name)
        if kind is None:
            columns[name] = frame[name]
            continue
        try:
            columns[name] = _restored(name, table.column(name), kind)
        except (ValueError, TypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ExportError(
                f"column {name!r} does not hold {kind} values as the catalog's columns do ({exc}); "
                "rename it, or write the file with df.aihub.to_parquet()"
            ) from None
    restored = pd.DataFrame(
        {k: v if isinstance(v, pd.Series) else pd.Series(v, copy=False) for k, v in columns.items()},
        copy=False,
    )
    restored.index = frame.index
    return restored
