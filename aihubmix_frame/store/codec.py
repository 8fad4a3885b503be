"""The pandas <-> Arrow codec: exact dtypes, index and attrs in a versioned metadata document."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pyarrow as pa

from .. import schema
from ..errors import ExportError
from .columns import decode_column, encode_column, json_default

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
        array, codec = encode_column(name, frame[name])
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
        array, codec = encode_column("index", index.to_series(index=pd.RangeIndex(len(index))))
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
    columns = {
        c["name"]: decode_column(table.column(c["name"]), c) for c in document["columns"] if c["name"] in present
    }
    index_doc = document["index"]
    if index_doc["kind"] == "range":
        index: pd.Index = pd.RangeIndex(
            index_doc["start"], index_doc["stop"], index_doc["step"], name=index_doc["name"]
        )
    else:
        index = pd.Index(decode_column(table.column(index_doc["column"]), index_doc["codec"]), name=index_doc["name"])
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
