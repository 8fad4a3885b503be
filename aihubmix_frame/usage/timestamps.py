"""Timestamp columns of a log parsed as UTC datetimes (epoch seconds or ISO 8601 text)."""

from __future__ import annotations

import pandas as pd

__all__ = ["parse_timestamp"]


def parse_timestamp(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        raise ValueError(f"no {name!r} column or key in the log to parse as timestamps; name it with timestamp=")
    column = frame[name]
    try:
        if pd.api.types.is_datetime64_any_dtype(column):
            return column.dt.tz_localize("UTC") if column.dt.tz is None else column.dt.tz_convert("UTC")
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            return pd.to_datetime(column.astype("Float64"), unit="s", utc=True)
        return pd.to_datetime(column, utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(
            f"column {name!r} cannot be read as timestamps ({exc}); it needs epoch seconds or "
            f"ISO 8601 text, or pass timestamp=None and parse it yourself"
        ) from None
