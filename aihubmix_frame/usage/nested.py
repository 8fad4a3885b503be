"""Nested Arrow data made flat without a Python loop per element: lists exploded, struct fields taken."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["explode", "field", "counts", "utc_from_seconds"]


def _combined(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        return array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    return array


def explode(lists: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """The elements of a list column, and for each the position of the row it came from.

    Null lists and null elements give no element. A null (all-missing) column gives none at all.

    >>> values, parents = explode(pa.array([[{"a": 1}], None, [{"a": 2}, {"a": 3}]]))
    >>> values.to_pylist(), parents.tolist()
    ([{'a': 1}, {'a': 2}, {'a': 3}], [0, 2, 2])
    """
    array = _combined(lists)
    if pa.types.is_null(array.type):
        return pa.array([], type=pa.null()), np.zeros(0, dtype=np.int64)
    values = pc.list_flatten(array)
    parents = np.asarray(pc.list_parent_indices(array), dtype=np.int64)
    if values.null_count:
        keep = values.is_valid()
        values = values.filter(keep)
        parents = parents[np.asarray(keep)]
    return values, parents


def field(struct: pa.Array, path: str) -> pa.Array | None:
    """A field of a struct array by dotted path (``cache_creation.ephemeral_5m_input_tokens``), or None."""
    array: pa.Array = struct
    for name in path.split("."):
        kind = array.type
        if not pa.types.is_struct(kind) or kind.get_field_index(name) < 0:
            return None
        array = pc.struct_field(array, name)
    return array


def counts(array: pa.Array | None, n: int, name: str, where: str) -> np.ndarray:
    """A token or request count column as int64 (missing: 0); negative or fractional counts refused."""
    if array is None or pa.types.is_null(array.type):
        return np.zeros(n, dtype=np.int64)
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        try:
            array = array.cast(pa.int64())  # OTLP JSON writes int64 values as decimal text
        except pa.ArrowInvalid:
            raise ValueError(f"{where}: {name!r} holds text that is not a whole number of tokens") from None
    if not (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)):
        raise ValueError(f"{where}: {name!r} holds {array.type}, not token counts")
    values = np.asarray(array.fill_null(0).to_numpy(zero_copy_only=False))
    if values.dtype.kind == "f" and not (np.isfinite(values).all() and (values == np.floor(values)).all()):
        raise ValueError(f"{where}: {name!r} is not a whole number in some rows; counts must be integers")
    values = values.astype(np.int64)
    if values.size and values.min() < 0:
        raise ValueError(f"{where}: {name!r} is negative in some rows; counts must be >= 0")
    return values


def utc_from_seconds(array: pa.Array | None, n: int) -> pa.Array:
    """Epoch seconds (int or float) as a UTC timestamp array; missing stays missing."""
    kind = pa.timestamp("ns", tz="UTC")
    if array is None or pa.types.is_null(array.type):
        return pa.nulls(n, type=kind)
    if pa.types.is_integer(array.type):
        return pc.multiply(array.cast(pa.int64()), 1_000_000_000).cast(kind)
    return pc.round(pc.multiply(array.cast(pa.float64()), 1e9)).cast(pa.int64()).cast(kind)
