"""Prices and costs: the catalog's price table, request-log costs, per-model scenarios and summaries.

One concept per module, lowest first: ``table`` (:class:`PriceTable`, with the placeholder and free
flags), ``workload`` (the request log's columns and checks), ``kernel`` (the vectorised pricing
kernel), ``findings`` (what a priced log could not price, as data, then warnings), ``model_ids``
(the rules that take logged model ids to catalog ids: prefixes, Bedrock, Vertex, dated snapshots,
aliases), ``id_lookup`` (those rules applied to a log's distinct ids, and the ``priced_as`` /
``id_match`` columns), ``columns`` (which log column is which), ``asof`` (dated catalog versions
and the as-of join), ``partition`` (the plan resolved once and the partition kernel both paths
call), ``dask_adapter`` (the dask path: partitions priced on the workers, their tallies warned on
the client), ``estimate`` (:func:`estimate_cost`: pandas or dask decided once), ``costreport``
(:func:`cost_report`), ``alternatives``
(cheaper equivalents), ``repricing`` (:func:`reprice`), ``scenarios`` (one request shape on every model, :func:`cheapest_models`,
:func:`cache_break_even`) and ``summary`` (:func:`summarize_cost`). Usage logs are read by the ``usage`` wing
(:func:`read_usage`). Prices are USD per 1M tokens.
"""

from __future__ import annotations

from .alternatives import alternatives
from .costreport import cost_report
from .estimate import EXCEEDS_COLUMN, REPRICED_PREFIX, estimate_cost
from .kernel import COST_COLUMNS
from .repricing import CHEAPEST_EQUIVALENT, reprice
from .scenarios import NOTE_COLUMN, CacheBreakEven, cache_break_even, cheapest_models, scenario_cost
from .summary import PERIOD_COLUMN, summarize_cost
from .table import CACHE_KINDS, KINDS, PER_TOKEN, PriceTable, is_catalog_frame, price_table, suggest_model_ids
from .workload import TOKEN_COLUMNS, WorkloadSpec

__all__ = [
    "estimate_cost",
    "cost_report",
    "reprice",
    "alternatives",
    "CHEAPEST_EQUIVALENT",
    "EXCEEDS_COLUMN",
    "summarize_cost",
    "scenario_cost",
    "cheapest_models",
    "cache_break_even",
    "CacheBreakEven",
    "price_table",
    "PriceTable",
    "is_catalog_frame",
    "suggest_model_ids",
    "WorkloadSpec",
    "KINDS",
    "CACHE_KINDS",
    "PER_TOKEN",
    "COST_COLUMNS",
    "TOKEN_COLUMNS",
    "REPRICED_PREFIX",
    "NOTE_COLUMN",
    "PERIOD_COLUMN",
]
