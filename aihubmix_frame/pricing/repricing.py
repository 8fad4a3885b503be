"""Repricing a request log: what it would have cost on another model, a mapping of models, or the cheapest equivalents."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import AihubmixDeprecationWarning
from .alternatives import alternatives
from .dask_adapter import compute, is_dask, price_dask
from .estimate import id_resolver, log_spec, run_plan
from .id_lookup import PRICED_AS
from .partition import PricingPlan, price_partition
from .summary import summarize_cost
from .table import CACHE_KINDS, PriceTable, is_catalog_frame, price_table
from .workload import WorkloadSpec, convention_flags, numeric_values

__all__ = ["reprice", "CHEAPEST_EQUIVALENT", "cheapest_equivalents", "request_shapes"]

#: ``reprice(..., to=CHEAPEST_EQUIVALENT)``: each source model moves to its cheapest alternative.
#: "Equivalent" means the same capabilities (type, features, modalities, context), not the same quality.
CHEAPEST_EQUIVALENT = "cheapest_equivalent"


def request_shapes(workload: pd.DataFrame, spec: WorkloadSpec) -> pd.DataFrame:
    """Per row: ``model_id``, the whole ``prompt`` (cache included) and ``output`` tokens (a partition function).

    A costed log's ``priced_as`` column (resolved ids) names the models, else the model-id column.
    """
    ids = workload[PRICED_AS] if PRICED_AS in workload.columns else workload[spec.model_id]
    inputs = numeric_values(workload, spec.tokens["input"]).astype(float)
    prompt = inputs.copy()
    exclusive = np.full(len(workload), not spec.input_includes_cache)
    if spec.convention_column is not None:
        exclusive = ~convention_flags(workload, spec.convention_column)
    for kind in CACHE_KINDS:
        if spec.tokens[kind] is not None:
            prompt += np.where(exclusive, numeric_values(workload, spec.tokens[kind]), 0)
    return pd.DataFrame(
        {
            "model_id": ids.astype("string").array,
            "prompt": prompt,
            "output": numeric_values(workload, spec.tokens["output"]).astype(float),
        },
        index=workload.index,
    )


def cheapest_equivalents(
    catalog: pd.DataFrame, workload: Any, spec: WorkloadSpec, *, lazy: bool = False, progress: bool | None = None
) -> dict[str, str]:
    """``{source id: cheapest alternative}`` for each model of the log that has a cheaper one.

    The alternative must hold the model's longest prompt in the log, and is compared on the model's
    average request in the log (:func:`~aihubmix_frame.pricing.alternatives.alternatives`). A dask
    log (``lazy``) is read once for those per-model figures, before the repricing.
    """
    aggregations = {"longest": ("prompt", "max"), "prompt": ("prompt", "mean"), "output": ("output", "mean")}
    if lazy:
        meta = request_shapes(workload._meta, spec)
        shapes = workload.map_partitions(request_shapes, spec, meta=meta)
        (per_model,) = compute(shapes.groupby("model_id", observed=True).agg(**aggregations), progress=progress)
        per_model = per_model.sort_index()
    else:
        per_model = request_shapes(workload, spec).groupby("model_id", sort=True, observed=True).agg(**aggregations)
    known = set(catalog["model_id"].astype(str))
    chosen = {}
    for model, row in per_model.iterrows():
        if model not in known:
            continue
        options = alternatives(
            catalog,
            model,
            prompt_tokens=float(row["longest"]),
            input_tokens=float(row["prompt"]),
            include_free=False,
            output_tokens=float(row["output"]),
        )
        ratio = options["price_ratio"].to_numpy(dtype=float, na_value=np.nan)
        if len(options) and ratio[0] < 1:
            chosen[model] = str(options["model_id"].iloc[0])
    return chosen


def _targets(table: PriceTable, mapping: Mapping[str, str]) -> np.ndarray:
    target = np.arange(table.n_models + 1, dtype=np.intp)  # a model not in the mapping stays itself
    for source, to in mapping.items():
        destination = table.row_of(to)
        for row in np.flatnonzero(np.asarray(table.model_ids, dtype=object) == source):
            target[row] = destination
        if source not in table.model_ids:
            table.row_of(source)  # raises, with suggestions
    return target


def reprice(
    catalog: pd.DataFrame,
    workload: Any,
    *,
    to: str | Mapping[str, str],
    by_model: bool = False,
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
    """What the log would have cost on other models, side by side with what it cost.

    ``to`` is one exact catalog id (every row moves there), a mapping ``{from_id: to_id}`` (the
    rows of ``from_id`` move; other rows stay on their model), or ``"cheapest_equivalent"``: each
    model of the log moves to its cheapest alternative (:func:`alternatives`: same or wider type,
    features and modalities, a context that holds the model's longest prompt in the log, compared
    on the model's average request; free models are not offered) when one is cheaper, else stays.
    "Equivalent" means the same capabilities, not the same quality: the catalog has no measure of
    quality, so check the answers of a model before switching to it. Returns the rows of
    :func:`estimate_cost` plus ``repriced_model_id``, the cost columns prefixed ``repriced_`` and
    ``cost_difference_usd`` = repriced total - original total (negative: cheaper). With
    ``by_model=True`` it returns the per-model comparison instead: one row per (model, repriced
    model) with ``rows``, the summed costs and ``cost_difference_usd``. Pandas and dask (every
    form of ``to``; on dask the original and the repriced costs come from one pass over each
    partition, and ``"cheapest_equivalent"`` reads the log once more, first, for each model's
    longest and average request). The catalog comes first, as in :func:`estimate_cost`; the old order
    ``reprice(workload, catalog, to=...)`` still works for one release with an
    :class:`~aihubmix_frame.errors.AihubmixDeprecationWarning`.

    Logged ids are resolved as in :func:`estimate_cost` (``aliases``, ``resolve_ids``; the
    ``priced_as`` and ``id_match`` columns); the keys of a ``to`` mapping are catalog ids, and the
    rows priced as one (``priced_as``) move.

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
            AihubmixDeprecationWarning,
            stacklevel=2,
        )
        catalog, workload = workload, catalog
    lazy = is_dask(workload)  # decided once, as in estimate_cost
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
    if not isinstance(to, (str, Mapping)):
        raise TypeError(f"to must be a model id, a {{from_id: to_id}} mapping or {CHEAPEST_EQUIVALENT!r}, got {to!r}")
    table = price_table(catalog, needed_for="reprice")
    resolver = id_resolver(table.model_ids, aliases=aliases, resolve_ids=resolve_ids)
    if not token_rate_estimates:
        table = table.withhold_non_token()
    label = None
    if to == CHEAPEST_EQUIVALENT:  # the log priced first (quietly: it is warned with the result) for priced_as
        plain = PricingPlan(table=table, spec=spec, resolver=resolver)
        priced = price_dask(workload, plain, provenance) if lazy else price_partition(workload, plain)[0]
        to = cheapest_equivalents(catalog, priced, spec, lazy=lazy, progress=progress)
        provenance["repriced_to"] = dict(to)
    if isinstance(to, Mapping):
        target: int | np.ndarray = _targets(table, to)
        provenance.setdefault("repriced_to", dict(to))
    else:
        target, label = table.row_of(to), to
    plan = PricingPlan(table=table, spec=spec, target=target, to_label=label, progress=progress, resolver=resolver)
    result = run_plan(workload, plan, provenance, lazy=lazy, stacklevel=3)
    if by_model:
        return summarize_cost(result, by=[spec.model_id, "repriced_model_id"], progress=progress)
    return result
