"""Vectorised filter and sort over the catalog frame, with the server's semantics."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema

__all__ = [
    "filter_catalog",
    "sort_catalog",
    "parse_values",
    "list_contains",
    "is_coding_model",
    "SORT_KEYS",
    "CODING_PATTERN",
]

#: Sort keys the server documents; any other column name also works locally.
SORT_KEYS: tuple[str, ...] = ("model_ratio", "context_length", "coding", "order")
SORT_ORDERS: tuple[str, ...] = ("asc", "desc")

#: A model is a coding model when its id or display name names it one: ``code``, ``coder``,
#: ``codex``, ``coding`` or ``codestral`` at the start of a word (so ``encoder`` does not count).
CODING_PATTERN = re.compile(r"(?<![a-z])cod(?:e|er|ex|ing|estral)(?![a-z])", re.IGNORECASE)


def parse_values(value: str | Iterable[str] | None, aliases: dict[str, str] | None = None) -> list[str]:
    """Comma strings or lists -> canonical lower-case tokens (aliases applied, order kept, deduped)."""
    if value is None:
        return []
    if isinstance(value, str):
        parts: Iterable[Any] = re.split(r"[,\uff0c]", value)
    else:
        try:
            parts = list(value)
        except TypeError:
            raise TypeError(
                f"expected a comma-separated string or a list of strings, got {type(value).__name__}"
            ) from None
    tokens: dict[str, None] = {}
    for part in parts:
        if not isinstance(part, str):
            raise TypeError(f"expected strings, got {part!r} ({type(part).__name__})")
        for piece in re.split(r"[,\uff0c]", part):
            token = piece.strip().lower()
            if token:
                tokens.setdefault((aliases or {}).get(token, token), None)
    return list(tokens)


def _arrow_lists(series: pd.Series) -> pa.Array:
    array = pa.array(series.array) if isinstance(series.dtype, pd.ArrowDtype) else pa.array(
        [list(v) if isinstance(v, (list, tuple, np.ndarray)) else None for v in series],
        type=pa.list_(pa.string()),
    )
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


def list_contains(series: pd.Series, tokens: Iterable[str], *, require_all: bool = True) -> np.ndarray:
    """Boolean mask: does each list cell contain all (or any) of ``tokens``? Vectorised in Arrow."""
    lists = _arrow_lists(series)
    flat = lists.flatten()
    parents = pc.list_parent_indices(lists).to_numpy()
    result = np.full(len(series), require_all, dtype=bool)
    for token in tokens:
        mask = np.zeros(len(series), dtype=bool)
        mask[parents[pc.equal(flat, token).to_numpy(zero_copy_only=False)]] = True
        result = (result & mask) if require_all else (result | mask)
    return result


def _vocabulary(frame: pd.DataFrame, column: str, documented: Iterable[str]) -> list[str]:
    present = pc.unique(_arrow_lists(frame[column]).flatten()).to_pylist()
    return list(dict.fromkeys([*documented, *sorted(t for t in present if t is not None)]))


def _check_known(name: str, requested: list[str], valid: list[str]) -> None:
    unknown = [t for t in requested if t not in valid]
    if unknown:
        raise ValueError(
            f"unknown {name} {', '.join(map(repr, unknown))}; valid values: {', '.join(valid)}"
        )


def _bound(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def _at_least(series: pd.Series, bound: float) -> np.ndarray:
    return (series >= bound).fillna(False).to_numpy(dtype=bool)


def _at_most(series: pd.Series, bound: float) -> np.ndarray:
    return (series <= bound).fillna(False).to_numpy(dtype=bool)


def filter_catalog(
    frame: pd.DataFrame,
    type: str | Iterable[str] | None = None,  # noqa: A002 - the API's own parameter name
    modalities: str | Iterable[str] | None = None,
    features: str | Iterable[str] | None = None,
    model: str | None = None,
    *,
    min_context: int | None = None,
    min_output: int | None = None,
    max_input_price: float | None = None,
    max_output_price: float | None = None,
) -> pd.DataFrame:
    """Rows that match every condition (AND), with the server's semantics; see ``df.aihub.filter``."""
    mask = np.ones(len(frame), dtype=bool)

    types = parse_values(type, schema.TYPE_ALIASES)
    if types:
        valid = _vocabulary(frame, "types", [*schema.DOCUMENTED_TYPES, *schema.OBSERVED_TYPES])
        _check_known("type", types, valid + list(schema.TYPE_ALIASES))
        mask &= list_contains(frame["types"], types, require_all=False)

    wanted_modalities = parse_values(modalities, schema.MODALITY_ALIASES)
    if wanted_modalities:
        _check_known("modality", wanted_modalities,
                     _vocabulary(frame, "input_modalities", schema.MODALITIES))
        documented = [m for m in wanted_modalities if f"accepts_{m}" in frame.columns]
        for modality in documented:
            mask &= frame[f"accepts_{modality}"].to_numpy(dtype=bool)
        others = [m for m in wanted_modalities if m not in documented]
        if others:
            mask &= list_contains(frame["input_modalities"], others)

    wanted_features = parse_values(features, schema.FEATURE_ALIASES)
    if wanted_features:
        _check_known("feature", wanted_features, _vocabulary(frame, "features", schema.FEATURES))
        documented = [f for f in wanted_features if f"has_{f}" in frame.columns]
        for feature in documented:
            mask &= frame[f"has_{feature}"].to_numpy(dtype=bool)
        others = [f for f in wanted_features if f not in documented]
        if others:
            mask &= list_contains(frame["features"], others)

    if model is not None:
        if not isinstance(model, str):
            raise TypeError(f"model must be a string (a substring of model_id), got {model!r}")
        if model.strip():
            ids = frame["model_id"].astype("string[pyarrow]")
            mask &= ids.str.contains(model.strip(), case=False, regex=False).fillna(False).to_numpy(dtype=bool)

    for name, column, bound, keep in (
        ("min_context", "context_length", min_context, _at_least),
        ("min_output", "max_output", min_output, _at_least),
        ("max_input_price", "input_usd_per_1m", max_input_price, _at_most),
        ("max_output_price", "output_usd_per_1m", max_output_price, _at_most),
    ):
        value = _bound(name, bound)
        if value is not None:
            mask &= keep(frame[column], value)

    return frame[mask]


def is_coding_model(frame: pd.DataFrame) -> np.ndarray:
    """Boolean mask of coding models (see :data:`CODING_PATTERN`), over model_id and model_name."""
    text = frame["model_id"].astype("string")
    if "model_name" in frame.columns:
        text = text + " " + frame["model_name"].astype("string").fillna("")
    return text.str.contains(CODING_PATTERN.pattern, flags=re.IGNORECASE, regex=True).fillna(False).to_numpy(dtype=bool)


def sort_catalog(frame: pd.DataFrame, by: str = "order", order: str = "asc") -> pd.DataFrame:
    """Stable sort with missing values last; see ``df.aihub.sort``."""
    if not isinstance(order, str) or order.lower() not in SORT_ORDERS:
        raise ValueError(f"unknown sort order {order!r}; valid values: asc, desc")
    ascending = order.lower() == "asc"
    if not isinstance(by, str):
        raise TypeError(f"sort key must be a string, got {by!r}")
    key = by.strip().lower() if by.strip().lower() in SORT_KEYS else by

    if key == "order":
        positions = np.argsort(np.asarray(frame.index), kind="stable")
        return frame.iloc[positions if ascending else positions[::-1]]
    if key == "coding":
        # Coding models first, each group in its current (server) order; `order` does not apply.
        coding = is_coding_model(frame)
        return frame.iloc[np.argsort(~coding, kind="stable")]
    column = {"model_ratio": "input_usd_per_1m"}.get(key, key)
    if column not in frame.columns:
        raise ValueError(
            f"unknown sort key {by!r}; valid values: {', '.join(SORT_KEYS)} or a column name"
        )
    if isinstance(frame[column].dtype, pd.ArrowDtype) and pa.types.is_list(frame[column].dtype.pyarrow_dtype):
        raise ValueError(f"cannot sort by the list column {column!r}; sort by a scalar column")
    return frame.sort_values(column, ascending=ascending, na_position="last", kind="stable")
