"""Pricing a request log: estimate_cost (what it cost, on one catalog or as of each request) and reprice.

Prices are USD per 1M tokens. The billing rules, in one place (README "Cost modelling"):

- ``input_includes_cache=True`` (OpenAI's ``prompt_tokens``): ``input_tokens`` is the whole prompt;
  uncached input = input - cache_read - cache_write. ``False`` (Anthropic's usage): ``input_tokens``
  excludes cache reads and writes. Either way the prompt size is uncached + cache read + cache write.
  Unnamed columns and the convention follow :mod:`aihubmix_frame.pricing.columns`.
- A model without a cache_read (cache_write) price bills those tokens at its input price, and says so.
- Context tiers (``price_tiers``): when the prompt exceeds a tier's ``size``, that tier's prices bill the
  whole request; the highest tier exceeded wins; a price the tier lacks falls back to the base price.
- Token counts are per request; ``requests`` multiplies. Counts must be finite, >= 0 and <= 2**53.
- An unknown model id (exact, case-sensitive match) costs NA and warns; never a silent $0. So does a
  model not priced per token (image, video), unless ``token_rate_estimates=True``.
- A prompt longer than the model's context is priced, warned about and marked in ``exceeds_context``.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from .asof import asof_table, catalog_versions
from .columns import choose_columns, warn_columns
from .dask_adapter import is_dask, price_dask
from .findings import warn_findings
from .model_ids import IdResolver
from .partition import EXCEEDS_COLUMN, REPRICED_PREFIX, PricingPlan, price_partition, provenance_of, tally_findings
from .table import price_table, suggest_model_ids
from .workload import WorkloadSpec, workload_spec

__all__ = [
    "estimate_cost",
    "run_plan",
    "price_pandas",
    "REPRICED_PREFIX",
    "EXCEEDS_COLUMN",
    "log_spec",
    "id_resolver",
]


def log_spec(
    workload: Any,
    *,
    model_id: Any,
    input_tokens: Any,
    output_tokens: Any,
    cache_read_tokens: Any,
    cache_write_tokens: Any,
    requests: Any,
    input_includes_cache: Any,
    lazy: bool,
    stacklevel: int = 4,
) -> tuple[WorkloadSpec, dict]:
    """The :class:`WorkloadSpec` of a log (names resolved by :mod:`.columns`, stated once) and its provenance.

    ``lazy``: the log is a dask frame (decided once by the caller): its dtypes are checked on the meta now.
    """
    if not (isinstance(workload, pd.DataFrame) or lazy):
        return workload_spec(
            workload,
            model_id="model_id",
            input_tokens="input_tokens",  # raises TypeError
            output_tokens="output_tokens",
            cache_read_tokens=None,
            cache_write_tokens=None,
            requests=None,
            input_includes_cache=True,
        ), {}
    if input_includes_cache is not None and not isinstance(input_includes_cache, (bool, np.bool_)):
        raise TypeError(f"input_includes_cache must be True, False or None, got {input_includes_cache!r}")
    given = {
        "model_id": model_id,
        "input": input_tokens,
        "output": output_tokens,
        "cache_read": cache_read_tokens,
        "cache_write": cache_write_tokens,
    }
    inclusive = None if input_includes_cache is None else bool(input_includes_cache)
    choice = choose_columns(workload.columns, given=given, requests=requests, input_includes_cache=inclusive)
    names = choice.names
    spec = workload_spec(
        workload,
        model_id=names["model_id"],
        input_tokens=names["input"],
        output_tokens=names["output"],
        cache_read_tokens=names["cache_read"],
        cache_write_tokens=names["cache_write"],
        requests=choice.requests,
        input_includes_cache=choice.input_includes_cache,
        convention_column=choice.convention_column,
        lazy=lazy,
    )
    attrs = getattr(workload, "attrs", None) or {}  # a dask frame has none
    said = attrs.get("aihubmix", {}).get("usage", {}).get("unpriced_columns", ())
    warn_columns(choice, stacklevel=stacklevel, said=said)
    return spec, choice.provenance()


def id_resolver(known: Any, *, aliases: Any, resolve_ids: bool) -> IdResolver:
    """The resolver of ``estimate_cost``'s ``aliases`` and ``resolve_ids`` over these catalog ids (checked now)."""
    if not isinstance(resolve_ids, (bool, np.bool_)):
        raise TypeError(f"resolve_ids must be True or False, got {resolve_ids!r}")
    ids = tuple(known)
    return IdResolver(
        ids, aliases=aliases, rules=bool(resolve_ids), suggest=lambda model_id: suggest_model_ids(model_id, ids)
    )


def price_pandas(workload: pd.DataFrame, plan: PricingPlan, provenance: dict, *, stacklevel: int) -> pd.DataFrame:
    """The pandas path: the partition kernel on the whole log, its findings warned now and kept in attrs."""
    result, tally = price_partition(workload, plan)
    findings = tally_findings(plan, tally)
    warn_findings(findings, stacklevel=stacklevel)
    result.attrs = copy.deepcopy(workload.attrs)
    result.attrs.setdefault("aihubmix", {})["cost"] = provenance_of(provenance, plan, tally, findings)
    return result


def run_plan(workload: Any, plan: PricingPlan, provenance: dict, *, lazy: bool, stacklevel: int) -> Any:
    """One plan, one path: the lazy dask frame (warnings on the client when computed) or the priced pandas log.

    ``stacklevel`` as ``warnings.warn`` counts it from here (3: the caller of the caller).
    """
    if lazy:
        return price_dask(workload, plan, provenance)
    return price_pandas(workload, plan, provenance, stacklevel=stacklevel + 1)


def estimate_cost(
    catalog: Any,
    workload: Any,
    *,
    at: str | None = None,
    input_includes_cache: bool | None = None,
    model_id: str | None = None,
    input_tokens: str | None = None,
    output_tokens: str | None = None,
    cache_read_tokens: str | None = None,
    cache_write_tokens: str | None = None,
    requests: str | None = None,
    token_rate_estimates: bool = False,
    aliases: Any = None,
    resolve_ids: bool = True,
    progress: bool | None = None,
) -> Any:
    """Price a request log: the same rows with ``input_cost_usd``, ``cache_read_cost_usd``,
    ``cache_write_cost_usd``, ``output_cost_usd``, ``total_cost_usd`` (Float64, USD) and
    ``exceeds_context`` (bool: the prompt is longer than the model's context) added.

    ``workload`` has one row per request (or per group of identical requests): ``model_id``,
    ``input_tokens``, ``output_tokens`` and optionally ``cache_read_tokens``, ``cache_write_tokens``
    and ``requests`` (token counts are per request; ``requests`` multiplies). Name other columns
    with the keyword options. Unnamed, a provider's names are recognised with its convention
    (OpenAI's ``prompt_tokens``, ``completion_tokens``, ``cached_tokens``: the input includes the
    cache; Anthropic's ``cache_read_input_tokens``, ``cache_creation_input_tokens``: it does not;
    ``model``), stated once in a :class:`~aihubmix_frame.errors.UsageColumnsWarning` and in
    ``attrs["aihubmix"]["cost"]``; a column that looks like a token count and is not priced is named
    in a warning too. ``input_includes_cache=None`` takes the convention from the names, or per row
    from a boolean ``input_includes_cache`` column (:func:`read_usage` writes one), else True.
    Ids match the catalog exactly (case-sensitive) first; then ``aliases`` (``{logged id: catalog
    id}``, every target checked up front: an unknown one is a ``ValueError`` naming it); then the
    documented rules of :mod:`aihubmix_frame.pricing.model_ids` (provider prefixes, ``models/``,
    Bedrock and Vertex ids, dated snapshots; ``resolve_ids=False`` turns them off). Two columns say
    how: ``priced_as`` (the catalog id whose prices were used) and ``id_match`` (``"exact"``,
    ``"alias"`` or the rules applied), both categorical, NA where nothing matched. Every non-exact
    match is named once, with its row count, in a
    :class:`~aihubmix_frame.errors.ModelIdResolvedWarning` and in ``attrs["aihubmix"]["cost"]["ids"]``.

    ``at="timestamp"`` prices each row with the catalog in force at its time: ``catalog`` is then a
    :class:`~aihubmix_frame.CatalogHistory`, ``{when: catalog}``, ``[(when, catalog), ...]`` or dated
    catalogs (see :func:`aihubmix_frame.pricing.asof.catalog_versions`); rows before the first
    version cost NA with an :class:`~aihubmix_frame.errors.AsOfWarning`. The column holds datetimes,
    ISO 8601 text or epoch seconds; a row is priced by a version only from the version's own time on,
    whatever the column's unit.

    Unknown ids cost NA and raise one :class:`~aihubmix_frame.errors.UnknownModelWarning` naming
    them; models not priced per token (image and video models, placeholder prices:
    :func:`aihubmix_frame.placeholders.not_per_token_mask`) cost NA with a ``NotPerTokenWarning``
    unless ``token_rate_estimates=True``; prompts over the context length raise a
    ``ContextLengthWarning``; cache tokens billed at the input price and missing prices warn too
    (all :class:`~aihubmix_frame.errors.PriceWarning` subclasses). Negative, missing, complex or
    non-numeric counts, counts beyond 2**53, cache tokens above the input tokens (inclusive mode),
    duplicated or missing columns raise ``ValueError`` naming the rows or columns (object columns of
    Python ints are accepted). A ``catalog`` that is not a catalog frame raises
    :class:`~aihubmix_frame.errors.NotACatalogError`; bad or negative prices raise
    :class:`~aihubmix_frame.errors.SchemaError`. The input frames are never changed.

    A dask DataFrame gives a lazy dask DataFrame with the same columns (``at=`` too): each partition
    goes through the same kernel, the prices travel to each worker once, and the workers never warn.
    What they could not price is counted per partition and warned on the client, with the same
    wording and figures, by :func:`~aihubmix_frame.summarize_cost` or
    :func:`~aihubmix_frame.cost_report` when they compute. ``progress``: a bar for pandas runs of
    30M rows and more when someone watches (``None``), always (``True``) or never (``False``).

    >>> import pandas as pd, aihubmix_frame as ahf
    >>> catalog = ahf.load_snapshot()
    >>> log = pd.DataFrame({"model_id": ["gpt-4o", "claude-opus-4-6"],
    ...                     "input_tokens": [2_000, 2_000], "output_tokens": [500, 500],
    ...                     "cache_read_tokens": [1_000, 1_000], "cache_write_tokens": [0, 1_000]})
    >>> costed = ahf.estimate_cost(catalog, log)
    >>> costed["total_cost_usd"].round(6).tolist()  # gpt-4o: 1000*2.5 + 1000*1.25 + 500*10 per 1M
    [0.00875, 0.01925]
    """
    lazy = is_dask(workload)  # decided once: one plan, then the pandas path or the dask path
    spec, provenance = log_spec(
        workload,
        model_id=model_id,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens,
        requests=requests,
        input_includes_cache=input_includes_cache,
        lazy=lazy,
    )
    provenance["token_rate_estimates"] = bool(token_rate_estimates)
    if at is not None:
        asof = asof_table(catalog_versions(catalog), withhold=not token_rate_estimates)
        resolver = id_resolver(asof.union_ids.to_pylist(), aliases=aliases, resolve_ids=resolve_ids)
        plan = PricingPlan(table=asof.table, spec=spec, asof=asof, at=at, progress=progress, resolver=resolver)
    else:
        table = price_table(catalog, needed_for="estimate_cost")
        resolver = id_resolver(table.model_ids, aliases=aliases, resolve_ids=resolve_ids)
        if not token_rate_estimates:
            table = table.withhold_non_token()
        plan = PricingPlan(table=table, spec=spec, progress=progress, resolver=resolver)
    return run_plan(workload, plan, provenance, lazy=lazy, stacklevel=3)
