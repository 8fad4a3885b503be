"""Arrow columns as nullable pandas columns (strings, Int64, Float64, boolean; nested as ArrowDtype)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

__all__ = ["to_pandas"]


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
