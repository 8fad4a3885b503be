"""Vectorised filter and sort over the catalog frame, with the server's semantics."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema
from .keywords import accepts_query
from .lists import list_contains, list_vocabulary
from .placeholders import free_price_mask
from .query import BOUNDS, KNOWN_VALUES, SORT_KEYS, SORT_ORDERS, CatalogQuery

__all__ = [
    "filter_catalog",
    "sort_catalog",
    "apply_query",
    "list_contains",
    "list_vocabulary",
    "is_coding_model",
    "CODING_PATTERN",
]

#: A model is a coding model when its id or display name names it one: ``code``, ``coder``,
#: ``codex``, ``coding`` or ``codestral`` as a whole run of ASCII letters (so ``encoder`` and
#: ``codec`` do not count, ``qwen3-coder``, ``gpt-5.1-codex`` and ``coding-glm-5`` do).
#: Known miss in the 2026-07-02 snapshot: ``WizardLM/WizardCoder-Python-34B-V1.0``.
CODING_PATTERN = re.compile(r"(?<![a-z])cod(?:e|er|ex|ing|estral)(?![a-z])", re.IGNORECASE | re.ASCII)
# The same rule for Arrow's RE2 engine (no look-around), applied to ASCII-lower-cased text.
_CODING_RE2 = r"(?:^|[^a-z])cod(?:e|er|ex|ing|estral)(?:$|[^a-z])"


def _arrow(series: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The Arrow data behind a column, without copying when it is Arrow-backed already."""
    if hasattr(series.array, "__arrow_array__"):
        return pa.array(series.array)
    return pa.array(series.to_numpy(dtype=object), from_pandas=True)


def warn_unknown_values(frame: pd.DataFrame, query: CatalogQuery) -> None:
    """The query's unknown-value warning, counting the values present in ``frame`` as known."""
    unknown = query.unknown_values()
    if unknown:  # the common case is none: only then scan the list columns
        present = {
            name: list_vocabulary(frame[KNOWN_VALUES[name][0]])
            for name in unknown
            if KNOWN_VALUES[name][0] in frame.columns
        }
        query.warn_unknown(present)


def _column(frame: pd.DataFrame, column: str, needed_for: str) -> pd.Series:
    schema.require_columns(frame, (column,), needed_for=needed_for)
    return frame[column]


def _flag(series: pd.Series) -> np.ndarray:
    """A has_*/accepts_* column as a numpy bool mask (a missing flag counts as False)."""
    if series.dtype == bool:
        return series.to_numpy()
    return series.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _require_all(frame: pd.DataFrame, column: str, prefix: str, tokens: list[str]) -> np.ndarray:
    """Rows whose list ``column`` holds every token; uses the ``<prefix>_<token>`` flags when present."""
    mask = np.ones(len(frame), dtype=bool)
    flagged = [t for t in tokens if f"{prefix}_{t}" in frame.columns]
    for token in flagged:
        mask &= _flag(frame[f"{prefix}_{token}"])
    others = [t for t in tokens if t not in flagged]
    if others:
        mask &= list_contains(frame[column], others)
    return mask


def _lower(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Lower-case exactly as Python's ``str.lower`` (the documented rule; the server's too).

    Arrow's ASCII kernel is 10x faster and identical on ASCII text, which real ids are; Arrow's
    ``utf8_lower`` differs from Python on a few letters (``İ``), so other text goes through Python.
    """
    if pc.all(pc.string_is_ascii(text)).as_py() is not False:
        return pc.ascii_lower(text)
    return pa.array([None if s is None else s.lower() for s in text.to_pylist()], type=pa.large_string())


def _substring_mask(ids: pd.Series, text: str, candidates: np.ndarray) -> np.ndarray:
    """Case-insensitive substring test, run only on the rows still in ``candidates``."""
    rows = np.flatnonzero(candidates)
    mask = np.zeros(len(ids), dtype=bool)
    if len(rows):
        values = _arrow(ids)
        if len(rows) < len(ids):
            values = values.take(pa.array(rows))
        hits = pc.fill_null(pc.match_substring(_lower(values), text.lower()), False)
        mask[rows[hits.to_numpy(zero_copy_only=False)]] = True
    return mask


@accepts_query(sort=False)
def filter_catalog(frame: pd.DataFrame, *, query: CatalogQuery) -> pd.DataFrame:
    """Rows that match every condition (AND), with the server's semantics; see ``df.aihub.filter``.

    >>> from aihubmix_frame import load_snapshot
    >>> hits = filter_catalog(load_snapshot(), type="llm", features="tool", model=":FREE")
    >>> bool(hits["model_id"].str.contains(":free").all() and hits["has_tools"].all())
    True
    """
    needed = [KNOWN_VALUES[name][0] for name in ("type", "modalities", "features") if getattr(query, name)]
    schema.require_columns(frame, ["model_id", *needed], needed_for="filter")
    warn_unknown_values(frame, query)
    bounds = [
        (_column(frame, column, name), op, getattr(query, name))
        for name, (column, op, _) in BOUNDS.items()
        if getattr(query, name) is not None
    ]

    # Cheapest conditions first; the substring test runs only on the rows left.
    mask = np.ones(len(frame), dtype=bool)
    if query.modalities:
        mask &= _require_all(frame, "input_modalities", "accepts", list(query.modalities))
    if query.features:
        mask &= _require_all(frame, "features", "has", list(query.features))
    for series, op, value in bounds:
        # A missing limit or price never meets a numeric bound.
        hit = series >= value if op == ">=" else series <= value
        mask &= hit.fillna(False).to_numpy(dtype=bool)
    if query.type:
        mask &= list_contains(frame["types"], query.type, require_all=False)
    mask &= _field_filters_mask(frame, query)
    if query.model:
        mask &= _substring_mask(frame["model_id"], query.model, mask)
    return frame.iloc[np.flatnonzero(mask)]


def _field_filters_mask(frame: pd.DataFrame, query: CatalogQuery) -> np.ndarray:
    """The local filters on the 2026 fields and on free prices (see ``query.FIELD_FILTERS``)."""
    mask = np.ones(len(frame), dtype=bool)
    if query.vendor:
        vendors = _column(frame, "vendor", "vendor=").astype("string").str.lower()
        mask &= vendors.isin(query.vendor).fillna(False).to_numpy(dtype=bool)
    if query.output_modalities:
        _column(frame, "output_modalities", "output_modalities=")
        mask &= _require_all(frame, "output_modalities", "produces", list(query.output_modalities))
    if query.open_weights is not None:
        flags = _column(frame, "open_weights", "open_weights=").astype("boolean")
        mask &= (flags == query.open_weights).fillna(False).to_numpy(dtype=bool)
    for name, op in (("released_after", ">="), ("released_before", "<=")):
        value = getattr(query, name)
        if value is not None:
            dates = pd.to_datetime(_column(frame, "release_date", f"{name}="), errors="coerce")
            bound = pd.Timestamp(value)
            hit = dates >= bound if op == ">=" else dates <= bound
            mask &= hit.fillna(False).to_numpy(dtype=bool)
    if query.include_deprecated is False:
        stage = _column(frame, "retire_stage", "include_deprecated=").astype("string").str.lower()
        mask &= ~(stage == schema.DEPRECATED_STAGE).fillna(False).to_numpy(dtype=bool)
    if query.include_free is False:
        mask &= ~free_price_mask(frame)
    return mask


def apply_query(frame: pd.DataFrame, query: CatalogQuery) -> pd.DataFrame:
    """Filter, then sort when the query has a sort key (``order`` ascending unless told).

    >>> from aihubmix_frame import load_snapshot
    >>> top = apply_query(load_snapshot(), CatalogQuery.parse(type="llm", sort_by="context_length", sort_order="desc"))
    >>> bool(top["context_length"].dropna().is_monotonic_decreasing)
    True
    """
    result = filter_catalog(frame, query=query) if query.selects else frame
    if query.sort_by is not None:
        result = sort_catalog(result, query.sort_by, query.sort_order or "asc")
    return result


def is_coding_model(frame: pd.DataFrame) -> np.ndarray:
    """Boolean mask of coding models: :data:`CODING_PATTERN` over ``model_id`` and ``model_name``.

    >>> import pandas as pd
    >>> is_coding_model(pd.DataFrame({"model_id": ["qwen3-coder-plus", "bge-encoder", "gpt-5-codex"],
    ...                               "model_name": [None, None, "GPT-5-Codex"]})).tolist()
    [True, False, True]
    """
    mask = np.zeros(len(frame), dtype=bool)
    for column in ("model_id", "model_name"):
        if column not in frame.columns:
            continue
        text = _arrow(frame[column].astype("string"))
        if isinstance(text, pa.ChunkedArray):
            text = text.combine_chunks()
        text = pc.ascii_lower(text)
        # A literal pre-check is 2-3x cheaper than the regex; run the regex on the few candidates.
        rows = np.flatnonzero(pc.fill_null(pc.match_substring(text, "cod"), False).to_numpy(zero_copy_only=False))
        if len(rows):
            hits = pc.match_substring_regex(text.take(pa.array(rows)), _CODING_RE2)
            mask[rows[pc.fill_null(hits, False).to_numpy(zero_copy_only=False)]] = True
    return mask


def _server_positions(frame: pd.DataFrame) -> np.ndarray:
    index = frame.index
    if not pd.api.types.is_integer_dtype(index.dtype):
        raise ValueError(
            "sort('order') restores server order from the index (the server position), but this "
            f"frame's index is {index.dtype}; keep the index load_catalog gives (do not set_index) "
            "or sort by another key"
        )
    return np.argsort(np.asarray(index), kind="stable")


def sort_catalog(frame: pd.DataFrame, by: str = "order", order: str = "asc") -> pd.DataFrame:
    """Stable sort with missing values last; see ``df.aihub.sort``.

    >>> from aihubmix_frame import load_snapshot
    >>> cheap = sort_catalog(load_snapshot(), "model_ratio")
    >>> float(cheap["input_usd_per_1m"].iloc[0]) == float(load_snapshot()["input_usd_per_1m"].min())
    True
    """
    if not isinstance(order, str) or order.strip().lower() not in SORT_ORDERS:
        raise ValueError(f"unknown sort order {order!r}; valid values: asc, desc")
    ascending = order.strip().lower() == "asc"
    if not isinstance(by, str):
        raise TypeError(f"sort key must be a string, got {by!r}")

    key = by.strip().lower() if by.strip().lower() in SORT_KEYS else by

    if key == "order":
        positions = _server_positions(frame)
        return frame.iloc[positions if ascending else positions[::-1]]
    if key == "coding":
        # Coding models first, each group in its current order; `order` does not apply (as the server).
        return frame.iloc[np.argsort(~is_coding_model(frame), kind="stable")]
    column = {"model_ratio": "input_usd_per_1m"}.get(key, key)
    if column not in frame.columns:
        raise ValueError(f"unknown sort key {by!r}; valid values: {', '.join(SORT_KEYS)} or a column name")
    dtype = frame[column].dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_list(dtype.pyarrow_dtype):
        raise ValueError(f"cannot sort by the list column {column!r}; sort by a scalar column")
    try:
        return frame.sort_values(column, ascending=ascending, na_position="last", kind="stable")
    except TypeError as exc:
        raise ValueError(
            f"cannot sort by {column!r}: its values are not comparable ({exc}); sort by a scalar column"
        ) from None
