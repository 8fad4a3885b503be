"""The column codec: one pandas column <-> an Arrow array plus the document that restores its exact dtype."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import ExportError

__all__ = ["encode_column", "decode_column", "json_default"]

_MISSING_KINDS = ("NA", "None", "nan", "NaT")
_MISSING_OBJECTS: dict[str, Any] = {"NA": pd.NA, "None": None, "nan": np.nan, "NaT": pd.NaT}


def _missing_kind(value: Any) -> str | None:
    if value is None:
        return "None"
    if value is pd.NA:
        return "NA"
    if value is pd.NaT:
        return "NaT"
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return "nan"
    return None


def json_default(value: Any) -> Any:
    """``json.dumps(default=...)`` for numpy scalars and arrays inside nested cells.

    >>> import json, numpy as np
    >>> json.dumps({"n": np.int64(3), "v": np.array([0.5])}, default=json_default)
    '{"n": 3, "v": [0.5]}'
    """
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"a {type(value).__name__} value ({value!r:.60})")


_SCALAR_TYPES: dict[type, pa.DataType] = {
    str: pa.string(),
    bool: pa.bool_(),
    int: pa.int64(),
    float: pa.float64(),
}


def _encode_object(name: str, values: np.ndarray) -> tuple[pa.Array, dict[str, Any]]:
    """Object cells: one plain scalar type natively, anything else (dicts, lists, mixed) as JSON text.

    Missing cells are Arrow nulls; which missing marker each one was (NA, None, NaN, NaT) is
    recorded so that it comes back exactly.
    """
    kinds = [_missing_kind(v) for v in values]
    present = [v for v, k in zip(values, kinds) if k is None]
    counts = {k: 0 for k in _MISSING_KINDS}
    for kind in kinds:
        if kind is not None:
            counts[kind] += 1
    default = max(_MISSING_KINDS, key=lambda k: counts[k]) if any(counts.values()) else "NA"
    others = {k: [i for i, kind in enumerate(kinds) if kind == k] for k in _MISSING_KINDS if k != default and counts[k]}
    codec: dict[str, Any] = {"kind": "object", "missing": default}
    if others:
        codec["missing_at"] = others

    if not present:  # e.g. price_tiers of a catalog without tiers: still labelled JSON for other readers
        return pa.nulls(len(values), pa.string()), {**codec, "json": True}
    scalar_types = {type(v) for v in present}
    if len(scalar_types) == 1 and (only := next(iter(scalar_types))) in _SCALAR_TYPES:
        cells = [v if k is None else None for v, k in zip(values, kinds)]
        try:
            array = pa.array(cells, type=_SCALAR_TYPES[only])
        except (pa.ArrowInvalid, OverflowError):
            pass  # e.g. ints beyond int64: fall through to JSON, which keeps them exactly
        else:
            codec["scalar"] = only.__name__
            return array, codec
    texts: list[str | None] = []
    for position, (value, kind) in enumerate(zip(values, kinds)):
        if kind is not None:
            texts.append(None)
            continue
        try:
            texts.append(json.dumps(value, ensure_ascii=False, default=json_default))
        except (TypeError, ValueError) as exc:
            raise ExportError(
                f"column {name!r} row {position} holds {exc}, which Parquet cannot store losslessly; "
                f"convert it first, e.g. df[{name!r}] = df[{name!r}].astype(str)"
            ) from None
    codec["json"] = True
    return pa.array(texts, type=pa.string()), codec


def encode_column(name: str, series: pd.Series) -> tuple[pa.Array | pa.ChunkedArray, dict[str, Any]]:
    """One pandas column -> an Arrow array and the codec that restores its exact dtype."""
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype):
        # Parquet renames list items ("item" -> "element"); keep the exact type to restore it.
        exact = pa.schema([pa.field(name, dtype.pyarrow_dtype)]).serialize().to_pybytes()
        return pa.chunked_array(series.array._pa_array), {
            "kind": "arrow",
            "type": base64.b64encode(exact).decode(),
        }
    if isinstance(dtype, pd.StringDtype):
        na_value = "NA" if dtype.na_value is pd.NA else "nan"
        array = pa.array(series.array)
        return array, {"kind": "string", "storage": dtype.storage, "na_value": na_value}
    if (
        isinstance(dtype, pd.api.extensions.ExtensionDtype)
        and isinstance(series.array, pd.api.extensions.ExtensionArray)
        and hasattr(series.array, "_mask")
    ):
        return pa.array(series.array), {"kind": "masked", "dtype": str(dtype)}
    if isinstance(dtype, pd.CategoricalDtype):
        return pa.array(series.array), {"kind": "category", "ordered": bool(dtype.ordered)}
    if isinstance(dtype, pd.DatetimeTZDtype):
        return pa.array(series.array), {"kind": "datetimetz", "dtype": str(dtype)}
    if isinstance(dtype, np.dtype):
        if dtype == object:
            return _encode_object(name, series.to_numpy())
        if dtype.kind in "biuf":
            return pa.array(series.to_numpy()), {"kind": "numpy", "dtype": str(dtype)}
        if dtype.kind in "mM":
            return pa.array(series.to_numpy(), from_pandas=True), {"kind": "numpy", "dtype": str(dtype)}
    raise ExportError(
        f"column {name!r} has the dtype {dtype}, which this package cannot store losslessly; "
        f"convert it first, e.g. df[{name!r}] = df[{name!r}].astype(object)"
    )


def _string_dtype(storage: str, na_value: Any) -> Any:
    """The StringDtype with this storage and missing-value marker, on pandas 2.2 and 3."""
    string_dtype: Any = pd.StringDtype  # pandas-stubs takes literal storage names only
    if storage == "pyarrow_numpy":  # pandas 2.2's name for pyarrow storage with NaN semantics
        storage, na_value = "pyarrow", np.nan
    try:
        return string_dtype(storage=storage, na_value=na_value)
    except TypeError:  # pandas < 2.3 has no na_value argument
        return string_dtype(storage=storage if na_value is pd.NA else "pyarrow_numpy")


def decode_column(chunked: pa.ChunkedArray, codec: Mapping[str, Any]) -> Any:
    """Arrow data + codec -> the pandas array it came from."""
    kind = codec["kind"]
    if kind == "arrow":
        if "type" in codec:
            exact = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(codec["type"]))).field(0).type
            if str(chunked.type) != str(exact):
                chunked = chunked.cast(exact)
        return pd.arrays.ArrowExtensionArray(chunked)
    if kind == "string":
        na_value = pd.NA if codec["na_value"] == "NA" else np.nan
        return _string_dtype(codec["storage"], na_value).__from_arrow__(chunked)
    if kind == "masked":
        dtype: Any = pd.api.types.pandas_dtype(codec["dtype"])  # a masked dtype: numpy_dtype, its array type
        mask = chunked.is_null().to_numpy(zero_copy_only=False)
        filler = False if pa.types.is_boolean(chunked.type) else 0
        values = np.asarray(chunked.fill_null(filler).to_numpy(zero_copy_only=False), dtype=dtype.numpy_dtype)
        return dtype.construct_array_type()(values, mask)
    if kind == "category":
        return chunked.to_pandas().array
    if kind == "datetimetz":
        return chunked.to_pandas().astype(codec["dtype"]).array
    if kind == "numpy":
        return np.asarray(chunked.to_pandas().to_numpy(), dtype=codec["dtype"])
    if kind == "object":
        if codec.get("json"):
            cells = [None if text is None else json.loads(text) for text in chunked.to_pylist()]
        else:
            cells = chunked.to_pylist()
        default = _MISSING_OBJECTS[codec["missing"]]
        values = np.empty(len(cells), dtype=object)
        values[:] = [default if cell is None else cell for cell in cells]
        for marker, positions in codec.get("missing_at", {}).items():
            for position in positions:
                values[position] = _MISSING_OBJECTS[marker]
        # a Series of dtype object: a bare array would let pandas infer e.g. datetimes from NaT cells
        return pd.Series(values, dtype=object, copy=False)
    raise ExportError(f"unknown column encoding {kind!r}; upgrade aihubmix_frame to read this file")
