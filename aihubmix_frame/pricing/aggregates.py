"""Rows that are not one request: usage-export totals, priced at base prices and said so; Batch API rows.

A row with a ``request_count`` other than 1 (NA included: Anthropic's report has no count) holds the
tokens of many requests (``read_usage`` writes the column for usage exports). Its prompt total says
nothing about any one request's prompt, so no context tier and no context length can be checked:
such rows are priced at the model's base prices, marked in the ``aggregate_base_price`` column, and
where the model has context tiers (where it matters: some of those requests may have cost more) one
:class:`~aihubmix_frame.errors.AggregateUsageWarning` names the models and row counts.
``request_count`` is never multiplied into the tokens (they are totals already; ``requests`` is the
column that multiplies per-request counts).

Rows with a true ``batch`` column (OpenAI's ``batch``, Anthropic's ``service_tier == "batch"``) are
priced at the catalog's standard prices: the catalog has no batch discount, and none is guessed; a
:class:`~aihubmix_frame.errors.BatchPriceWarning` says so.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AggregateUsageWarning, BatchPriceWarning
from .kernel import arrow_ids
from .table import PriceTable

__all__ = [
    "AGGREGATE_MARKER",
    "REQUEST_COUNT",
    "aggregate_mask",
    "base_price_table",
    "note_aggregates",
    "note_batch",
]

REQUEST_COUNT = "request_count"
#: True where a row (usage-export totals) was priced at base prices, without tier or context checks.
AGGREGATE_MARKER = "aggregate_base_price"


#: Written by ``read_usage`` for every usage-export row (and only for those).
BUCKET_START = "bucket_start"


def aggregate_mask(workload: pd.DataFrame) -> np.ndarray | None:
    """Where a row holds several requests' totals (``request_count`` != 1 or NA); None without the column.

    A log of mixed origin (per-request rows concatenated with usage-export rows) has NA counts on its
    request rows too: where the log says which rows are buckets (``bucket_start``), a row with neither
    a count nor a bucket is one request, priced with its tiers and context checked.
    """
    if REQUEST_COUNT not in workload.columns:
        return None
    counts = pd.to_numeric(workload[REQUEST_COUNT], errors="coerce").astype("Float64")
    mask = (counts != 1).fillna(True).to_numpy(dtype=bool)
    if BUCKET_START in workload.columns:
        mask &= ~(counts.isna().to_numpy(dtype=bool) & workload[BUCKET_START].isna().to_numpy(dtype=bool))
    return mask


def base_price_table(table: PriceTable) -> PriceTable:
    """The same prices with no context tiers and no context lengths: every row at its base price."""
    return dataclasses.replace(
        table,
        has_tiers=np.zeros_like(table.has_tiers),
        context=np.full_like(table.context, np.nan, dtype=float),
        _value_sets={},
    )


def note_aggregates(
    result: pd.DataFrame, mask: np.ndarray, table: PriceTable, model_column: str, *, stacklevel: int
) -> None:
    """Add the marker column, record the aggregate rows in attrs, and warn where a model has tiers."""
    result[AGGREGATE_MARKER] = mask
    # The catalog id each row was priced as (after id resolution), so dated or prefixed ids are checked too.
    priced = "priced_as" if "priced_as" in result.columns else model_column
    ids = result[priced][mask].astype("string")
    rows = table.lookup(arrow_ids(ids, priced)) if len(ids) else np.zeros(0, dtype=np.intp)
    tiered = table.has_tiers[rows] if rows.size else np.zeros(0, dtype=bool)
    per_model = pd.Series(np.asarray(ids.astype("string"))[tiered]).value_counts().sort_index()
    note: dict[str, Any] = {
        "rows": int(mask.sum()),
        "priced_at": "base prices (no context tier or context length checked)",
        "models_with_tiers": {str(k): int(v) for k, v in per_model.items()},
    }
    result.attrs.setdefault("aihubmix", {}).setdefault("cost", {})["aggregates"] = note
    if len(per_model):
        named = ", ".join(f"{k!r} ({v} row{'s' if v > 1 else ''})" for k, v in per_model.items())
        warnings.warn(
            f"{int(mask.sum())} row(s) are usage-export totals (request_count != 1), priced at base prices: a "
            f"total cannot be checked against per-request context tiers. {named} have context tiers, so requests "
            f"of theirs with long prompts cost more than shown. Marked in column {AGGREGATE_MARKER!r}; price "
            "per-request logs for exact tiers",
            AggregateUsageWarning,
            stacklevel=stacklevel,
        )


def note_batch(result: pd.DataFrame, *, stacklevel: int) -> None:
    """Warn and record when rows are Batch API usage (a true ``batch`` column)."""
    if "batch" not in result.columns:
        return
    column = result["batch"]
    if not pd.api.types.is_bool_dtype(column) and column.dtype != "boolean":
        return
    batch = column.astype("boolean").fillna(False).to_numpy(dtype=bool)
    if not batch.any():
        return
    result.attrs.setdefault("aihubmix", {}).setdefault("cost", {})["batch"] = {
        "rows": int(batch.sum()),
        "priced_at": "standard prices: the catalog has no batch discount",
    }
    warnings.warn(
        f"{int(batch.sum())} row(s) are Batch API usage (column 'batch'); they are priced at the catalog's standard "
        "prices, since the catalog has no batch discount (providers' batch APIs bill about half): no discount "
        "is guessed. Filter them out, or scale their costs yourself if you know the rate",
        BatchPriceWarning,
        stacklevel=stacklevel,
    )
