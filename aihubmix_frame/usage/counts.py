"""Token-count columns: checked (whole, finite, non-negative, below 2**53) and merged per usage key."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .source import Origin, to_arrow

__all__ = ["MAX_COUNT", "counts"]

#: The largest token count read (2**53, what float64 holds exactly); no real request comes near it.
MAX_COUNT = 2**53


def counts(columns: Any, by_key: Any, origin: Origin) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per usage key: the counts as int64 (0 where missing) and where present; bad values refused."""
    values, valid = {}, {}
    for key, names in by_key.items():
        arrays = [_checked_counts(name, to_arrow(columns[name], origin), origin) for name in names]
        merged = arrays[0] if len(arrays) == 1 else pc.coalesce(*arrays)
        valid[key] = np.asarray(merged.is_valid())
        values[key] = np.asarray(merged.fill_null(0))
    return values, valid


def _checked_counts(name: str, array: pa.ChunkedArray, origin: Origin) -> pa.ChunkedArray:
    """A token-count column as int64: whole, finite, non-negative numbers or missing."""
    kind = array.type
    if pa.types.is_null(kind):
        return array.cast(pa.int64())
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        what = (
            "text"
            if pa.types.is_string(kind) or pa.types.is_large_string(kind)
            else "booleans"
            if pa.types.is_boolean(kind)
            else str(kind)
        )
        raise ValueError(f"column {name!r} holds {what}, not token counts; convert it to whole numbers first")
    if pa.types.is_floating(kind):
        finite = np.asarray(pc.is_finite(array).fill_null(True))
        bad = np.flatnonzero(~finite)
        if bad.size:
            raise ValueError(
                f"{origin.where(bad)}: {name!r} is not a finite number (NaN or infinite); counts must be "
                f"non-negative integers: fix those rows"
            )
        whole = pc.equal(array, pc.floor(array))
        bad = np.flatnonzero(~np.asarray(whole.fill_null(True)))
        if bad.size:
            raise ValueError(
                f"{origin.where(bad)}: {name!r} is not a whole number of tokens; counts must be "
                f"non-negative integers: fix those rows"
            )
    if not pa.types.is_unsigned_integer(kind):
        negative = np.flatnonzero(np.asarray(pc.less(array, pa.scalar(0, kind)).fill_null(False)))
        if negative.size:
            raise ValueError(
                f"{origin.where(negative)}: {name!r} is negative; token counts must be >= 0: fix or drop those rows"
            )
    huge = np.flatnonzero(np.asarray(pc.greater(array, pa.scalar(MAX_COUNT, kind)).fill_null(False)))
    if huge.size:
        raise ValueError(
            f"{origin.where(huge)}: {name!r} is beyond 2**53 tokens (float64 cannot hold such counts exactly, and "
            f"no request has that many): fix or drop those rows"
        )
    return array.cast(pa.int64())
