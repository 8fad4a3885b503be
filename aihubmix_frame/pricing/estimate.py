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
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AsOfWarning
from .aggregates import (
    AGGREGATE_MARKER,
    REQUEST_COUNT,
    aggregate_mask,
    base_price_table,
    note_aggregates,
    note_batch,
)
from .asof import asof_source, asof_table, catalog_versions, utc_nanoseconds
from .columns import choose_columns, warn_columns
from .dask_adapter import is_dask, map_partitions_quietly
from .id_lookup import LoggedIds, warn_resolved
from .kernel import COST_COLUMNS, ids_source, price_rows, warn_report
from .model_ids import IdResolver
from .table import CACHE_KINDS, PriceTable, price_table, suggest_model_ids
from .workload import WorkloadSpec, convention_flags, diagnose, numeric_values, workload_spec

__all__ = [
    "estimate_cost",
    "price_workload",
    "price_partition",
    "REPRICED_PREFIX",
    "EXCEEDS_COLUMN",
    "log_spec",
    "id_resolver",
]

REPRICED_PREFIX = "repriced_"
#: True where a row's whole prompt exceeds its model's context length.
EXCEEDS_COLUMN = "exceeds_context"


def log_spec(
    workload: Any,
    *,
    model_id,
    input_tokens,
    output_tokens,
    cache_read_tokens,
    cache_write_tokens,
    requests,
    input_includes_cache,
    stacklevel: int = 4,
) -> tuple[WorkloadSpec, dict]:
    """The :class:`WorkloadSpec` of a log (names resolved by :mod:`.columns`, stated once) and its provenance."""
    if not (isinstance(workload, pd.DataFrame) or is_dask(workload)):
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
    choice = choose_columns(workload.columns, given=given, requests=requests, input_includes_cache=input_includes_cache)
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
    )
    warn_columns(choice, stacklevel=stacklevel)
    return spec, choice.provenance()


def _labels(table: PriceTable, target: np.ndarray) -> pd.arrays.ArrowStringArray:
    names = np.array([*table.model_ids, None], dtype=object)
    return pd.array(names[target], dtype="string")


def price_workload(
    workload: pd.DataFrame,
    table: PriceTable,
    spec: WorkloadSpec,
    target: int | np.ndarray | None = None,
    prefix: str = "",
    to_label: str | None = None,
    provenance: dict | None = None,
    *,
    warn: bool = True,
    stacklevel: int = 4,
    source: tuple | None = None,
    resolver: IdResolver | None = None,
) -> pd.DataFrame:
    """A pandas workload with the cost columns added (``prefix`` + name), priced on its own ids or,
    with ``target``, on another model: one catalog row for every row (an int, ``to_label`` its id) or
    one per source model (an array indexed by the source's catalog row; the ids become the labels).

    ``source`` = (rows, unknown_names, counts, logged ids or None) replaces the id lookup (as-of
    pricing; ``counts()[0]``: rows before the first version, which are not unknown ids). With a
    ``resolver`` the ids are resolved (:mod:`.model_ids`) and, when ``target`` is None, the
    ``priced_as`` and ``id_match`` columns added. The caller's frame is never changed. Positional
    arguments after ``workload`` are those the dask adapter passes.
    """
    n_rows = len(workload)
    arrays = {column: numeric_values(workload, column) for column in spec.numeric_columns}
    tokens = {kind: arrays[c] if c is not None else None for kind, c in spec.tokens.items()}
    requests = arrays[spec.requests] if spec.requests is not None else None
    inclusive, flags = spec.input_includes_cache, None
    if spec.convention_column is not None:
        flags = convention_flags(workload, spec.convention_column)
        inclusive = bool(flags.all()) or bool(flags.any())
        if inclusive and not flags.all():  # mixed: bring the exclusive rows to the inclusive convention
            cached = sum(tokens[k] for k in CACHE_KINDS if tokens[k] is not None)
            tokens["input"] = np.where(flags, tokens["input"], tokens["input"] + cached)
    labels, logged = None, None
    if source is not None:
        rows_of, unknown_of, _, logged = source
    elif resolver is not None:
        per_key = table.lookup_rows if table.lookup_rows is not None else np.arange(table.n_models + 1)
        logged = LoggedIds(workload[spec.model_id], table.lookup_ids, resolver, per_key.astype(np.intp))
        rows_of, unknown_of = logged.keys, logged.unknown
    else:
        rows_of, unknown_of = ids_source(table, workload[spec.model_id])
    if isinstance(target, np.ndarray):
        source_rows = rows_of
        per_source = target

        def rows_of(lo: int, hi: int) -> np.ndarray:
            return per_source[source_rows(lo, hi)]

        unknown_of = None
        labels = _labels(table, per_source[source_rows(0, n_rows)])
    elif target is not None:

        def rows_of(lo: int, hi: int) -> np.ndarray:
            return np.full(hi - lo, target, dtype=np.intp)

        unknown_of = None
    costs, report = price_rows(table, n_rows, rows_of, tokens, requests, inclusive=inclusive, unknown_of=unknown_of)
    if report.bad:
        raise diagnose(workload.index, arrays, spec, None if flags is None else flags)
    if warn:
        before_first = int(source[2]()[0]) if source is not None else 0
        warn_report(table, report, stacklevel=stacklevel, before_first=before_first)
    # concat does not copy the new arrays (df[col] = array would); the caller's frame is never changed.
    names = [prefix + column for column in (*COST_COLUMNS, EXCEEDS_COLUMN)]
    columns = dict(zip(names, [*costs, report.exceeds]))
    if logged is not None and target is None:
        columns.update(logged.columns())  # priced_as, id_match
    kept = workload.drop(columns=[c for c in columns if c in workload.columns])
    added = pd.DataFrame(columns, index=workload.index, copy=False)
    result = pd.concat([kept, added], axis=1) if len(kept.columns) else added
    result.attrs = copy.deepcopy(workload.attrs)
    if provenance:
        result.attrs.setdefault("aihubmix", {})["cost"] = provenance
    if logged is not None and target is None:
        _record_ids(result, logged, warn=warn)
    if labels is not None or to_label is not None:
        result["repriced_model_id"] = (
            labels if labels is not None else pd.array([to_label] * len(result), dtype="string")
        )
        result["cost_difference_usd"] = result[REPRICED_PREFIX + "total_cost_usd"] - result["total_cost_usd"]
    return result


def _record_ids(result: pd.DataFrame, logged: LoggedIds, *, warn: bool) -> None:
    """The resolved ids said once (a warning) and recorded in ``result.attrs``."""
    resolved = logged.resolved()
    if warn:
        warn_resolved(resolved)
    resolver = logged.resolver
    record = {
        "resolve_ids": bool(resolver is not None and resolver.rules),
        "aliases": dict(resolver.aliases) if resolver is not None else {},
        "resolved": resolved,
    }
    result.attrs.setdefault("aihubmix", {}).setdefault("cost", {})["ids"] = record


def id_resolver(known: Any, *, aliases: Any, resolve_ids: bool) -> IdResolver:
    """The resolver of ``estimate_cost``'s ``aliases`` and ``resolve_ids`` over these catalog ids (checked now)."""
    if not isinstance(resolve_ids, (bool, np.bool_)):
        raise TypeError(f"resolve_ids must be True or False, got {resolve_ids!r}")
    ids = tuple(known)
    return IdResolver(
        ids, aliases=aliases, rules=bool(resolve_ids), suggest=lambda model_id: suggest_model_ids(model_id, ids)
    )


def price_partition(
    partition: pd.DataFrame,
    table: PriceTable,
    spec: WorkloadSpec,
    target,
    prefix: str,
    to_label: str | None,
    provenance: dict | None,
    resolver: IdResolver | None = None,
) -> pd.DataFrame:
    """One dask partition (its warnings would stay in the worker, so none are raised).

    Ids are resolved per partition: the rules are deterministic, so every partition agrees.
    """
    return price_workload(partition, table, spec, target, prefix, to_label, provenance, warn=False, resolver=resolver)


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
    spec, provenance = log_spec(
        workload,
        model_id=model_id,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens,
        requests=requests,
        input_includes_cache=input_includes_cache,
    )
    provenance["token_rate_estimates"] = bool(token_rate_estimates)
    if at is not None:
        return _estimate_asof(catalog, workload, spec, provenance, at, token_rate_estimates, aliases, resolve_ids)
    table = price_table(catalog, needed_for="estimate_cost")
    resolver = id_resolver(table.model_ids, aliases=aliases, resolve_ids=resolve_ids)
    if not token_rate_estimates:
        table = table.withhold_non_token()
    if is_dask(workload) and REQUEST_COUNT in workload.columns:  # usage-export totals: per partition
        return map_partitions_quietly(
            workload,
            _price_rows_and_aggregates,
            table,
            spec,
            provenance,
            None,
            resolver,
            token="aihubmix-estimate-cost-",
        )
    if is_dask(workload):
        return map_partitions_quietly(
            workload,
            price_partition,
            table,
            spec,
            None,
            "",
            None,
            provenance,
            resolver,
            token="aihubmix-estimate-cost-",
        )
    return _price_rows_and_aggregates(workload, table, spec, provenance, resolver=resolver)


def _price_rows_and_aggregates(
    workload: pd.DataFrame,
    table: PriceTable,
    spec: WorkloadSpec,
    provenance: dict,
    source: tuple | None = None,
    resolver: Any = None,
) -> pd.DataFrame:
    """Price a pandas log; usage-export totals (:mod:`.aggregates`) at base prices, marked and said once."""
    mask = aggregate_mask(workload)
    if mask is None or not mask.any():
        result = price_workload(
            workload, table, spec, provenance=provenance, stacklevel=5, source=source, resolver=resolver
        )
        if mask is not None:
            result[AGGREGATE_MARKER] = False
    elif mask.all() or source is not None:
        if source is not None and not mask.all():
            raise ValueError(
                "at= prices a log of requests or a log of usage-export totals, not both at once: split the log "
                "on its request_count column (totals have request_count != 1) and price each part"
            )
        result = price_workload(
            workload,
            base_price_table(table),
            spec,
            provenance=provenance,
            stacklevel=5,
            source=source,
            resolver=resolver,
        )
        note_aggregates(result, mask, table, spec.model_id, stacklevel=4)
    else:
        positions = np.concatenate([np.flatnonzero(mask), np.flatnonzero(~mask)])
        parts = [
            price_workload(
                workload.iloc[np.flatnonzero(mask)],
                base_price_table(table),
                spec,
                provenance=provenance,
                stacklevel=5,
                resolver=resolver,
            ),
            price_workload(
                workload.iloc[np.flatnonzero(~mask)],
                table,
                spec,
                provenance=provenance,
                stacklevel=5,
                resolver=resolver,
            ),
        ]
        result = pd.concat(parts).iloc[np.argsort(positions, kind="stable")]
        for name in ("priced_as", "id_match"):  # concat of two categoricals with other categories: strings
            if name in result.columns and isinstance(parts[0][name].dtype, pd.CategoricalDtype):
                result[name] = result[name].astype("category")
        result.attrs = copy.deepcopy(parts[0].attrs)
        note_aggregates(result, mask, table, spec.model_id, stacklevel=4)
    note_batch(result, stacklevel=4)
    return result


def _estimate_asof(
    history: Any,
    workload: Any,
    spec: WorkloadSpec,
    provenance: dict,
    at: Any,
    token_rate_estimates: bool,
    aliases: Any,
    resolve_ids: bool,
) -> pd.DataFrame:
    """estimate_cost(history, log, at=...): the as-of join, then the same kernel."""
    if is_dask(workload):
        raise TypeError("at= prices pandas logs; compute the dask log per month (ddf.partitions) or pass pandas")
    asof = asof_table(catalog_versions(history), withhold=not token_rate_estimates)
    resolver = id_resolver(asof.union_ids.to_pylist(), aliases=aliases, resolve_ids=resolve_ids)
    stamps, unit = utc_nanoseconds(workload, at)
    source = asof_source(asof, workload[spec.model_id], stamps, unit, resolver=resolver)
    result = _price_rows_and_aggregates(workload, asof.table, spec, provenance, source, resolver)
    counts = source[2]()
    before, per_version = int(counts[0]), counts[1:]
    if before:
        first = asof.labels[0]
        warnings.warn(
            f"{before} row(s) are dated before the first catalog version ({first}); their costs are NA. "
            "Record an older catalog in the history, or drop those rows",
            AsOfWarning,
            stacklevel=3,
        )
    result.attrs["aihubmix"]["cost"]["as_of"] = {
        "column": at,
        "versions": dict(zip(asof.labels, per_version.tolist())),
        "before_first_version": before,
    }
    return result
