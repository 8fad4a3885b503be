"""The canonical usage columns every reader of the wing writes, and a frame built from them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .._version import __version__

__all__ = ["USAGE_COLUMNS", "AGGREGATE_COLUMNS", "canonical_frame", "counts_array", "to_pandas_column"]

#: The canonical workload columns read_usage writes, in order (token counts Int64).
USAGE_COLUMNS: tuple[str, ...] = (
    "model_id",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "input_includes_cache",
)
#: What a usage export adds: requests in the row (Int64, never multiplied into the tokens) and its bucket.
AGGREGATE_COLUMNS: tuple[str, ...] = ("request_count", "bucket_start", "bucket_end")


def _string_type(kind: pa.DataType) -> Any:
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return pd.StringDtype("pyarrow")
    if pa.types.is_integer(kind):
        return pd.Int64Dtype()
    if pa.types.is_floating(kind):
        return pd.Float64Dtype()
    if pa.types.is_boolean(kind):
        return pd.BooleanDtype()
    if pa.types.is_nested(kind):
        return pd.ArrowDtype(kind)
    return None


def to_pandas_column(array: pa.Array | pa.ChunkedArray) -> Any:
    """An Arrow column as a nullable pandas array (all-null columns become strings: ids, mostly)."""
    kind = array.type
    if pa.types.is_null(kind):
        array, kind = pa.nulls(len(array), type=pa.string()), pa.string()
    if pa.types.is_timestamp(kind):
        return pd.Series(array.to_pandas()).array if isinstance(array, pa.ChunkedArray) else array.to_pandas().array
    dtype = _string_type(kind)
    if isinstance(dtype, pd.ArrowDtype):
        return pd.array(array, dtype=dtype)
    table = pa.table({"c": array})
    return table.to_pandas(types_mapper=_string_type)["c"].array


def counts_array(values: np.ndarray, missing: np.ndarray | None = None) -> pd.arrays.IntegerArray:
    """int64 counts as an Int64 array (``missing``: where NA)."""
    mask = np.zeros(len(values), dtype=bool) if missing is None else missing
    return pd.arrays.IntegerArray(values.astype(np.int64, copy=False), mask)


def canonical_frame(
    model_ids: Any,
    tokens: dict[str, np.ndarray],
    *,
    reasoning: np.ndarray | None,
    input_includes_cache: bool,
    others: dict[str, Any],
    note: dict[str, Any],
) -> pd.DataFrame:
    """The canonical columns (``tokens``: input, output, cache_read, cache_write as int64), then ``others``."""
    n = len(tokens["input"])
    columns: dict[str, Any] = {"model_id": to_pandas_column(model_ids)}
    for kind in ("input", "output", "cache_read", "cache_write"):
        columns[f"{kind}_tokens"] = counts_array(tokens[kind])
    columns["reasoning_tokens"] = (
        counts_array(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
        if reasoning is None
        else counts_array(reasoning)
    )
    columns["input_includes_cache"] = np.full(n, input_includes_cache)
    columns.update(others)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
    frame.attrs["aihubmix"] = {"usage": note, "package_version": __version__}
    return frame
