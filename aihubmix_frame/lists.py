"""List columns (``types``, ``features``, modalities): membership masks and vocabularies, in Arrow.

The ground floor of the frame's rules: the filters, the placeholder rules and the pickers all ask
"does this cell hold that token?" the same way, vectorised over one contiguous Arrow array.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["arrow_lists", "list_contains", "list_vocabulary"]


def arrow_lists(series: pd.Series) -> pa.Array:
    """A list column as one contiguous ``list<string>`` Arrow array (nulls for missing cells)."""
    if isinstance(series.dtype, pd.ArrowDtype) and pa.types.is_list(series.dtype.pyarrow_dtype):
        array = pa.array(series.array)
    else:
        cells: list[list[Any] | None] = []
        for position, value in enumerate(series):
            if isinstance(value, (list, tuple, np.ndarray)):
                cells.append(list(value))
            elif value is None or (np.ndim(value) == 0 and pd.isna(value)):
                cells.append(None)
            else:
                raise TypeError(
                    f"column {series.name!r} row {position} holds {value!r:.60} instead of a list of "
                    "tokens; build the frame with aihubmix_frame.catalog_to_frame()"
                )
        array = pa.array(cells, type=pa.list_(pa.string()))
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


def list_contains(series: pd.Series, tokens: Iterable[str], *, require_all: bool = True) -> np.ndarray:
    """Boolean mask: does each list cell contain all (or any) of ``tokens``? Vectorised in Arrow.

    >>> s = pd.Series([["llm"], ["llm", "search"], []])
    >>> list_contains(s, ["llm", "search"]).tolist(), list_contains(s, ["search", "llm"], require_all=False).tolist()
    ([False, True, False], [True, True, False])
    """
    lists = arrow_lists(series)
    flat = lists.flatten()
    parents = pc.list_parent_indices(lists).to_numpy()
    result = np.full(len(series), require_all, dtype=bool)
    for token in tokens:
        mask = np.zeros(len(series), dtype=bool)
        mask[parents[pc.equal(flat, token).to_numpy(zero_copy_only=False)]] = True
        result = (result & mask) if require_all else (result | mask)
    return result


def list_vocabulary(series: pd.Series) -> list[str]:
    """The distinct tokens of a list column, sorted (what a frame's models actually have).

    >>> list_vocabulary(pd.Series([["llm", "search"], ["ocr"], []]))
    ['llm', 'ocr', 'search']
    """
    return sorted(t for t in pc.unique(arrow_lists(series).flatten()).to_pylist() if t is not None)
