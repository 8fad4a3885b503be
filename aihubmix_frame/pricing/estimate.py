"""Pricing a request log: estimate_cost (what it cost) and reprice (what it would cost on another model).

Prices are USD per 1M tokens. The billing rules, in one place (README "Cost modelling"):

- ``input_includes_cache=True`` (OpenAI's ``prompt_tokens``): ``input_tokens`` is the whole prompt;
  uncached input = input - cache_read - cache_write. ``False`` (Anthropic's usage): ``input_tokens``
  excludes cache reads and writes. Either way the prompt size is uncached + cache read + cache write.
- A model without a cache_read (cache_write) price bills those tokens at its input price, and says so.
- Context tiers (``price_tiers``): when the prompt exceeds a tier's ``size``, that tier's prices bill the
  whole request; the highest tier exceeded wins; a price the tier lacks falls back to the base price.
- Token counts are per request; ``requests`` multiplies.
- An unknown model id (exact, case-sensitive match) costs NA and warns; never a silent $0.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AihubmixDeprecationWarning
from .dask_adapter import is_dask, map_partitions_quietly
from .kernel import COST_COLUMNS, ids_source, price_rows, warn_report
from .table import PriceTable, is_catalog_frame, price_table
from .workload import WorkloadSpec, diagnose, numeric_values, workload_spec

__all__ = ["estimate_cost", "reprice", "price_workload", "REPRICED_PREFIX"]

REPRICED_PREFIX = "repriced_"


def price_workload(
    workload: pd.DataFrame,
    table: PriceTable,
    spec: WorkloadSpec,
    target_row: int | None = None,
    prefix: str = "",
    to_label: str | None = None,
    *,
    warn: bool = True,
    stacklevel: int = 4,
) -> pd.DataFrame:
    """A pandas workload with the cost columns added (``prefix`` + name), priced on its own ids or,
    with ``target_row``, every row on that one model (then ``to_label`` adds the reprice columns).

    The caller's frame is never changed. Positional arguments after ``workload`` are those the dask
    adapter passes to each partition.
    """
    n_rows = len(workload)
    arrays = {column: numeric_values(workload, column) for column in spec.numeric_columns}
    tokens = {kind: arrays[c] if c is not None else None for kind, c in spec.tokens.items()}
    requests = arrays[spec.requests] if spec.requests is not None else None
    if target_row is None:
        rows_of, unknown_of = ids_source(table, workload[spec.model_id])
    else:
        def rows_of(lo: int, hi: int) -> np.ndarray:
            return np.full(hi - lo, target_row, dtype=np.intp)
        unknown_of = None
    costs, report = price_rows(table, n_rows, rows_of, tokens, requests,
                               inclusive=spec.input_includes_cache, unknown_of=unknown_of)
    if report.bad:
        raise diagnose(workload.index, arrays, spec)
    if warn:
        warn_report(table, report, stacklevel=stacklevel)
    # concat does not copy the new arrays (df[col] = array would); the caller's frame is never changed.
    names = [prefix + column for column in COST_COLUMNS]
    kept = workload.drop(columns=[c for c in names if c in workload.columns])
    added = pd.DataFrame(dict(zip(names, costs)), index=workload.index, copy=False)
    result = pd.concat([kept, added], axis=1) if len(kept.columns) else added
    result.attrs = dict(workload.attrs)
    if to_label is not None:
        result["repriced_model_id"] = pd.array([to_label] * len(result), dtype="string")
        result["cost_difference_usd"] = result[REPRICED_PREFIX + "total_cost_usd"] - result["total_cost_usd"]
    return result


def _price_partition(partition: pd.DataFrame, table: PriceTable, spec: WorkloadSpec, target_row: int | None,
                     prefix: str, to_label: str | None) -> pd.DataFrame:
    """One dask partition (its warnings would stay in the worker, so none are raised)."""
    return price_workload(partition, table, spec, target_row, prefix, to_label, warn=False)


def estimate_cost(
    catalog: pd.DataFrame,
    workload: Any,
    *,
    input_includes_cache: bool = True,
    model_id: str = "model_id",
    input_tokens: str = "input_tokens",
    output_tokens: str = "output_tokens",
    cache_read_tokens: str | None = None,
    cache_write_tokens: str | None = None,
    requests: str | None = None,
) -> Any:
    """Price a request log: the same rows with ``input_cost_usd``, ``cache_read_cost_usd``,
    ``cache_write_cost_usd``, ``output_cost_usd`` and ``total_cost_usd`` (Float64, USD) added.

    ``workload`` has one row per request (or per group of identical requests): ``model_id``,
    ``input_tokens``, ``output_tokens`` and optionally ``cache_read_tokens``, ``cache_write_tokens``
    and ``requests`` (token counts are per request; ``requests`` multiplies). Name other columns
    with the keyword options. Ids match the catalog exactly (case-sensitive). With
    ``input_includes_cache=True`` (OpenAI's ``prompt_tokens``) the input counts include cached
    tokens; ``False`` is Anthropic's convention. See the module docstring for every rule.

    Unknown ids cost NA and raise one :class:`~aihubmix_frame.errors.UnknownModelWarning` naming
    them; cache tokens billed at the input price, placeholder and missing prices warn too
    (:class:`~aihubmix_frame.errors.PriceWarning` subclasses). Negative or missing counts, cache
    tokens above the input tokens (inclusive mode), non-numeric or missing columns raise
    ``ValueError`` naming the rows or columns. A ``catalog`` that is not a catalog frame raises
    :class:`~aihubmix_frame.errors.NotACatalogError`; bad price tiers raise
    :class:`~aihubmix_frame.errors.SchemaError`. The input frames are never changed.

    A dask DataFrame gives a lazy dask DataFrame with the same columns (one ``map_partitions``).
    Warnings raised in dask workers are not shown: unknown ids still cost NA.

    >>> import pandas as pd, aihubmix_frame as ahf
    >>> catalog = ahf.load_snapshot()
    >>> log = pd.DataFrame({"model_id": ["gpt-4o", "claude-opus-4-6"],
    ...                     "input_tokens": [2_000, 2_000], "output_tokens": [500, 500],
    ...                     "cache_read_tokens": [1_000, 1_000], "cache_write_tokens": [0, 1_000]})
    >>> costed = ahf.estimate_cost(catalog, log)
    >>> costed["total_cost_usd"].round(6).tolist()  # gpt-4o: 1000*2.5 + 1000*1.25 + 500*10 per 1M
    [0.00875, 0.01925]
    """
    spec = workload_spec(workload, model_id=model_id, input_tokens=input_tokens, output_tokens=output_tokens,
                         cache_read_tokens=cache_read_tokens, cache_write_tokens=cache_write_tokens,
                         requests=requests, input_includes_cache=input_includes_cache)
    table = price_table(catalog, needed_for="estimate_cost")
    if is_dask(workload):
        return map_partitions_quietly(workload, _price_partition, table, spec, None, "", None,
                                      token="aihubmix-estimate-cost-")
    return price_workload(workload, table, spec)


def reprice(
    catalog: pd.DataFrame,
    workload: Any,
    *,
    to: str,
    input_includes_cache: bool = True,
    model_id: str = "model_id",
    input_tokens: str = "input_tokens",
    output_tokens: str = "output_tokens",
    cache_read_tokens: str | None = None,
    cache_write_tokens: str | None = None,
    requests: str | None = None,
) -> Any:
    """What the log would have cost on model ``to``, side by side with what it cost.

    Returns the rows of :func:`estimate_cost` (original costs) plus ``repriced_model_id``, the same
    five cost columns prefixed ``repriced_`` (every request billed on ``to``, with its tiers and cache
    prices), and ``cost_difference_usd`` = repriced total - original total (negative: ``to`` is
    cheaper). ``to`` must be an exact catalog id. Works on pandas and dask frames; the input frames
    are never changed. The catalog comes first, as in :func:`estimate_cost`; the old order
    ``reprice(workload, catalog, to=...)`` still works for one release and raises an
    :class:`~aihubmix_frame.errors.AihubmixDeprecationWarning`.

    >>> import pandas as pd, aihubmix_frame as ahf
    >>> log = pd.DataFrame({"model_id": ["gpt-4o"], "input_tokens": [10_000], "output_tokens": [1_000]})
    >>> out = ahf.reprice(ahf.load_snapshot(), log, to="gpt-5")
    >>> out[["total_cost_usd", "repriced_total_cost_usd", "cost_difference_usd"]].round(4).iloc[0].tolist()
    [0.035, 0.0225, -0.0125]
    """
    if not is_catalog_frame(catalog) and is_catalog_frame(workload):
        warnings.warn(
            "reprice(workload, catalog, ...) is deprecated: the catalog comes first, as in estimate_cost. "
            "Call reprice(catalog, workload, to=...); the old order stops working in the next release",
            AihubmixDeprecationWarning, stacklevel=2,
        )
        catalog, workload = workload, catalog
    spec = workload_spec(workload, model_id=model_id, input_tokens=input_tokens, output_tokens=output_tokens,
                         cache_read_tokens=cache_read_tokens, cache_write_tokens=cache_write_tokens,
                         requests=requests, input_includes_cache=input_includes_cache)
    if not isinstance(to, str):
        raise TypeError(f"to must be a model id string, got {to!r}")
    table = price_table(catalog, needed_for="reprice")
    row = table.row_of(to)
    if is_dask(workload):
        original = map_partitions_quietly(workload, _price_partition, table, spec, None, "", None,
                                          token="aihubmix-estimate-cost-")
        return map_partitions_quietly(original, _price_partition, table, spec, row, REPRICED_PREFIX, to,
                                      token=f"aihubmix-estimate-cost-{REPRICED_PREFIX}")
    original = price_workload(workload, table, spec)
    return price_workload(original, table, spec, row, REPRICED_PREFIX, to)
