"""The pandas <-> Arrow codec: exact dtypes, index and attrs in a versioned metadata document."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema
from ..errors import ExportError

__all__ = [
    "frame_to_table",
    "table_to_frame",
    "read_document",
    "attrs_document",
    "check_columns",
    "json_default",
    "METADATA_KEY",
    "FORMAT_VERSION",
    "INDEX_COLUMN",
]

#: Key of this package's JSON document in the Parquet file's key-value metadata.
METADATA_KEY = b"aihubmix_frame"
#: Version of the layout of that JSON document (not the catalog schema version).
FORMAT_VERSION = 1
#: Column that holds a non-range index (pandas' own name for it, so other readers know it).
INDEX_COLUMN = "__index_level_0__"
#: Arrow field metadata: how a column is stored, and its unit, for readers without this package.
FIELD_ENCODING = b"aihubmix.encoding"
FIELD_UNIT = b"unit"

#: A bearer token inside a text value (a server message that echoed it).
_BEARER = re.compile(r"(?i)(bearer\s+)(?!\[REDACTED\])\S+")


# --- JSON-safe attrs ---------------------------------------------------------------------------------


def _redact(value: Any) -> Any:
    """Drop every mapping key that names a credential (:func:`aihubmix_frame.schema.is_secret_name`,
    the list the HTTP cache uses too), at any depth, and bearer tokens inside text."""
    if isinstance(value, Mapping):
        return {k: _redact(v) for k, v in value.items() if not schema.is_secret_name(k)}
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in value]
    if isinstance(value, str) and "earer" in value:
        return _BEARER.sub(r"\1[REDACTED]", value)
    return value


def attrs_document(frame: pd.DataFrame) -> dict[str, Any]:
    """``frame.attrs`` as stored in a file: credential keys dropped, JSON-serialisable or ExportError.

    >>> import pandas as pd
    >>> frame = pd.DataFrame(); frame.attrs = {"aihubmix": {"source": "network", "api_key": "sk-x"}}
    >>> attrs_document(frame)
    {'aihubmix': {'source': 'network'}}
    """
    attrs = _redact(frame.attrs)
    try:
        json.dumps(attrs, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ExportError(
            f"df.attrs cannot be stored: {exc}. Keep attrs JSON-serialisable (str, numbers, bool, "
            "None, lists, dicts) or clear the offending key before exporting."
        ) from None
    return attrs


# --- column codecs -------------------------------------------------------------------------------------

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


def _encode(name: str, series: pd.Series) -> tuple[pa.Array | pa.ChunkedArray, dict[str, Any]]:
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


def _decode(chunked: pa.ChunkedArray, codec: Mapping[str, Any]) -> Any:
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


# --- frame <-> Arrow table -----------------------------------------------------------------------------


def check_columns(frame: pd.DataFrame) -> None:
    """Raise ExportError unless the columns are unique strings and the index is flat."""
    if isinstance(frame.columns, pd.MultiIndex) or not all(isinstance(c, str) for c in frame.columns):
        raise ExportError("column names must be strings; rename the columns before exporting")
    if not frame.columns.is_unique:
        duplicated = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise ExportError(f"duplicate column names {duplicated}; rename them before exporting")
    if INDEX_COLUMN in frame.columns:
        raise ExportError(f"the column name {INDEX_COLUMN!r} is reserved for the index; rename it")
    if isinstance(frame.index, pd.MultiIndex):
        raise ExportError("a MultiIndex cannot be exported; call reset_index() first")


def frame_to_table(frame: pd.DataFrame, *, written_at: str | None = None) -> pa.Table:
    """The frame as an Arrow table whose metadata restores it exactly (see :func:`table_to_frame`).

    >>> import aihubmix_frame as ahf
    >>> table = frame_to_table(ahf.load_snapshot())
    >>> table.num_rows, str(table.schema.field("types").type)
    (804, 'list<item: string>')
    """
    check_columns(frame)
    arrays: list[pa.Array | pa.ChunkedArray] = []
    fields: list[pa.Field] = []
    codecs: list[dict[str, Any]] = []
    for name in frame.columns:
        array, codec = _encode(name, frame[name])
        field_meta = {FIELD_ENCODING: b"json" if codec.get("json") else codec["kind"].encode()}
        if name in schema.UNITS:
            field_meta[FIELD_UNIT] = schema.UNITS[name].encode()
        arrays.append(array)
        fields.append(pa.field(name, array.type, metadata=field_meta))
        codecs.append({"name": name, **codec})

    index = frame.index
    if isinstance(index, pd.RangeIndex):
        index_doc: dict[str, Any] = {
            "kind": "range",
            "start": index.start,
            "stop": index.stop,
            "step": index.step,
            "name": index.name,
        }
    else:
        array, codec = _encode("index", index.to_series(index=pd.RangeIndex(len(index))))
        arrays.append(array)
        fields.append(pa.field(INDEX_COLUMN, array.type, metadata={FIELD_ENCODING: codec["kind"].encode()}))
        index_doc = {"kind": "column", "column": INDEX_COLUMN, "name": index.name, "codec": codec}
    if index.name is not None and not isinstance(index.name, (str, int)):
        raise ExportError("the index name must be a string or None; rename it before exporting")

    from .._version import __version__

    attrs = attrs_document(frame)
    document = {
        "format": FORMAT_VERSION,
        "schema_version": schema.SCHEMA_VERSION,
        "package_version": __version__,
        "price_unit": schema.PRICE_UNIT,
        "written_at": written_at or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "provenance": attrs.get(schema.ATTRS_KEY),
        "attrs": attrs,
        "columns": codecs,
        "index": index_doc,
    }
    metadata = {METADATA_KEY: json.dumps(document, ensure_ascii=False).encode("utf-8")}
    return pa.Table.from_arrays(
        [a if isinstance(a, pa.ChunkedArray) else pa.chunked_array([a], type=a.type) for a in arrays],
        schema=pa.schema(fields, metadata=metadata),
    )


def read_document(arrow_schema: pa.Schema) -> dict[str, Any] | None:
    """This package's metadata document of an Arrow schema, or None when another tool wrote it.

    >>> import aihubmix_frame as ahf
    >>> read_document(frame_to_table(ahf.load_snapshot().head(1)).schema)["format"] == FORMAT_VERSION
    True
    """
    raw = (arrow_schema.metadata or {}).get(METADATA_KEY)
    return None if raw is None else json.loads(raw)


def _plain_types(arrow_type: pa.DataType) -> Any:
    """pandas dtypes for a Parquet file that this package did not write."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype()
    if pa.types.is_integer(arrow_type):
        return pd.api.types.pandas_dtype(str(arrow_type).capitalize().replace("Ui", "UI"))
    if pa.types.is_floating(arrow_type):
        return pd.Float64Dtype() if arrow_type == pa.float64() else pd.Float32Dtype()
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type) or pa.types.is_struct(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None


def table_to_frame(table: pa.Table) -> pd.DataFrame:
    """Inverse of :func:`frame_to_table`: exact dtypes, index and attrs.

    A table without this package's metadata (written by DuckDB, Polars, ...) still converts: the
    catalog's columns, by name, to their contract dtypes (:mod:`.contract`); other strings to
    ``string``, integers to ``Int64``, floats to ``Float64``, lists and structs to Arrow dtypes.

    >>> import aihubmix_frame as ahf
    >>> df = ahf.load_snapshot()
    >>> table_to_frame(frame_to_table(df)).equals(df)
    True
    """
    document = read_document(table.schema)
    if document is None:
        from .contract import restore_catalog_columns

        return restore_catalog_columns(table, table.to_pandas(types_mapper=_plain_types))
    if document.get("format", 0) > FORMAT_VERSION or document.get("schema_version", 0) > schema.SCHEMA_VERSION:
        raise ExportError(
            f"this file was written by aihubmix_frame {document.get('package_version')} with a newer "
            "layout; upgrade aihubmix_frame to read it"
        )
    present = set(table.column_names)
    columns = {c["name"]: _decode(table.column(c["name"]), c) for c in document["columns"] if c["name"] in present}
    index_doc = document["index"]
    if index_doc["kind"] == "range":
        index: pd.Index = pd.RangeIndex(
            index_doc["start"], index_doc["stop"], index_doc["step"], name=index_doc["name"]
        )
    else:
        index = pd.Index(_decode(table.column(index_doc["column"]), index_doc["codec"]), name=index_doc["name"])
    if not columns:
        frame = pd.DataFrame(index=index, columns=pd.Index([], dtype=object))
    else:
        frame = pd.DataFrame(
            {
                name: values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
                for name, values in columns.items()
            },
            copy=False,
        )
        frame.index = index
    frame.attrs = document.get("attrs") or {}
    if document.get("schema_version", 1) < schema.SCHEMA_VERSION and all(
        c in frame.columns for c in schema.REQUIRED_COLUMNS
    ):
        from ..upgrade import upgrade_frame

        frame = upgrade_frame(frame)  # a catalog of an older schema gains the newer columns
    return frame
