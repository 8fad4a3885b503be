"""CSV files: list columns joined with commas, nested values as JSON, catalog dtypes restored on read."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema
from ..errors import ExportError
from .codec import check_columns, json_default
from .files import atomic_write

__all__ = ["write_csv", "read_csv"]


def _csv_cell(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=json_default)
    return value


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the frame as CSV, atomically; ``df.aihub.to_csv`` calls this.

    List columns are joined with ``,`` (the API's own format), nested values are JSON text, the
    index is not written. CSV keeps no metadata: use Parquet for an exact copy.

    >>> import aihubmix_frame as ahf, tempfile, pathlib
    >>> path = write_csv(ahf.load_snapshot(), pathlib.Path(tempfile.mkdtemp()) / "catalog.csv")
    >>> path.read_text(encoding="utf-8").splitlines()[0].split(",")[:4]
    ['model_id', 'model_name', 'desc', 'types']
    """
    check_columns(frame)
    flat = {}
    for name in frame.columns:
        series = frame[name]
        dtype = series.dtype
        if isinstance(dtype, pd.ArrowDtype) and pa.types.is_list(dtype.pyarrow_dtype):
            flat[name] = (
                [",".join(v) if v is not None else "" for v in pa.array(series.array).to_pylist()]
                if len(series)
                else []
            )
        elif dtype == object:
            flat[name] = [_csv_cell(v) for v in series.to_numpy()]
        else:
            flat[name] = series.array
    table = pd.DataFrame(flat, columns=list(frame.columns))
    return atomic_write(path, lambda temporary: table.to_csv(temporary, index=False, encoding="utf-8"))


def _json_cells(values: pd.Series) -> Any:
    """Cells that hold JSON objects or arrays come back parsed; other columns are left alone."""
    texts = values.dropna()
    if texts.empty or not all(isinstance(t, str) and t[:1] in "[{" for t in texts):
        return None
    try:
        parsed = {i: json.loads(t) for i, t in texts.items()}
    except ValueError:
        return None
    cells = np.empty(len(values), dtype=object)
    cells[:] = [parsed.get(i, pd.NA) for i in values.index]
    return cells


def read_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV written by ``df.aihub.to_csv``, restoring the catalog schema's dtypes.

    Catalog columns get their schema dtype (lists split on ``,``, ``Int64`` limits, ``Float64``
    prices, ``string`` text, ``bool`` flags, tiers parsed from JSON); other columns holding JSON are
    parsed, the rest are typed by pandas. (A price history's own ``snapshot_at`` column is restored
    by :func:`~aihubmix_frame.store.history.read_history_csv`.)

    >>> import aihubmix_frame as ahf, tempfile, pathlib
    >>> df = ahf.load_snapshot()
    >>> back = ahf.read_csv(df.aihub.to_csv(pathlib.Path(tempfile.mkdtemp()) / "c.csv"))
    >>> back["features"].equals(df["features"]), str(back["context_length"].dtype)
    (True, 'Int64')
    """
    string_columns = [c for c, d in schema.COLUMNS.items() if d in ("string", "list")]
    try:
        raw = pd.read_csv(
            path,
            dtype={c: "string" for c in string_columns},
            keep_default_na=False,
            na_values=[""],
            encoding="utf-8",
        )
    except pd.errors.EmptyDataError:
        raise ExportError(f"{os.fspath(path)!r} is empty; pass a CSV written by df.aihub.to_csv()") from None
    columns: dict[str, Any] = {}
    for name in raw.columns:
        series = raw[name]
        kind = schema.COLUMNS.get(name)
        try:
            if kind == "list":
                tokens = [[] if pd.isna(v) else [t for t in v.split(",") if t] for v in series]
                columns[name] = pd.array(tokens, dtype=pd.ArrowDtype(pa.list_(pa.string())))  # type: ignore[call-overload]
            elif kind == "object":
                cells = np.empty(len(series), dtype=object)
                cells[:] = [pd.NA if pd.isna(v) else json.loads(v) for v in series.astype(object)]
                columns[name] = cells
            elif kind == "bool":
                flags = series.map({True: True, False: False, "True": True, "False": False})
                if flags.isna().any():  # a blank or "yes" must not turn into True
                    bad = series[flags.isna()].iloc[0]
                    raise ValueError(f"expected True or False, got {bad!r}")
                columns[name] = flags.astype(bool)
            elif kind is not None:
                columns[name] = series.astype(kind)  # type: ignore[call-overload]  # a dtype name of schema.COLUMNS
            else:
                parsed = (
                    _json_cells(series) if series.dtype == object or isinstance(series.dtype, pd.StringDtype) else None
                )
                columns[name] = series if parsed is None else parsed
        except (ValueError, TypeError) as exc:
            raise ExportError(
                f"column {name!r} of {os.fspath(path)!r} does not hold {kind or 'the expected'} values "
                f"({exc}); pass a CSV written by df.aihub.to_csv()"
            ) from None
    return pd.DataFrame(columns, columns=list(raw.columns))
