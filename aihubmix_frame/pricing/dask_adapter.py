"""The dask path: a lazy log priced partition by partition, its tally carried beside it, computed with progress.

:func:`price_dask` hands each partition to the one partition kernel
(:func:`~aihubmix_frame.pricing.partition.price_partition`) with the plan as one key of the graph
(sent to each worker once). Each task returns the priced rows and a small
:class:`~aihubmix_frame.pricing.partition.Tally`; the rows form the lazy result, the tallies merge
into one more task. Workers never warn: :func:`compute_priced` computes what the caller asked for
together with that merged tally, in one pass, and warns on the client. The result carries a token
in its ``attrs["aihubmix"]["cost"]`` (kept by column selections and ``assign``) that finds the
tally again. dask is imported only here, and only when a dask frame arrives.
"""

from __future__ import annotations

import copy
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..progress import wanted
from ..relay import mark, raise_relayed
from .partition import PricingPlan, Tally, merge_tallies, price_partition

__all__ = ["is_dask", "price_dask", "DaskPricing", "pricing_of", "compute", "TALLY_KEY"]

#: The key, in ``attrs["aihubmix"]["cost"]`` of a lazy priced log, of the token that finds its tally.
TALLY_KEY = "tally_token"
_KEEP = 64  # lazy results remembered (a plan and a few graph keys each)
_PRICINGS: OrderedDict[str, DaskPricing] = OrderedDict()
_ANNOUNCED: set[str] = set()


def is_dask(obj: Any) -> bool:
    """True for a dask DataFrame or Series, checked by module name so that dask is never imported here.

    >>> import pandas as pd
    >>> is_dask(pd.DataFrame())
    False
    """
    return type(obj).__module__.split(".")[0] in ("dask", "dask_expr")


@dataclass(frozen=True)
class DaskPricing:
    """A lazy priced log's plan, base provenance and merged tally (a dask Delayed)."""

    plan: PricingPlan
    provenance: dict[str, Any]
    tally: Any
    name: str  # the lazy result's expression name: a frame derived from it by a row operation is not it


def price_dask(frame: Any, plan: PricingPlan, provenance: dict[str, Any]) -> Any:
    """The lazy dask frame of ``frame`` priced by ``plan``; its tally is remembered for the client.

    The output schema comes from pricing the empty meta frame, so a bad column fails now, not
    mid-compute.
    """
    import dask
    import dask.dataframe as dd

    plan = plan.quiet()
    meta, _ = price_partition(frame._meta, plan)
    token = uuid.uuid4().hex
    meta.attrs = copy.deepcopy(frame._meta.attrs)
    meta.attrs.setdefault("aihubmix", {})["cost"] = {**provenance, TALLY_KEY: token}
    shared = dask.delayed(plan, pure=True, traverse=False)  # one key: each worker receives it once
    kernel = dask.delayed(price_partition, pure=True, nout=2)
    pairs = [kernel(part, shared) for part in frame.to_delayed()]
    tally = dask.delayed(merge_tallies, pure=True)([t for _, t in pairs])
    divisions = frame.divisions if frame.known_divisions else None
    result = dd.from_delayed([f for f, _ in pairs], meta=meta, divisions=divisions, verify_meta=False)
    _PRICINGS[token] = DaskPricing(plan, dict(provenance), tally, result.expr._name)
    while len(_PRICINGS) > _KEEP:
        _PRICINGS.popitem(last=False)
    return result


#: Expressions that keep every row of the frame they apply to (its tally still counts those rows).
_SAME_ROWS = frozenset({"Projection", "Assign", "RenameFrame", "AsType", "RenameSeries", "ColumnsSetter"})


def pricing_of(costed: Any) -> DaskPricing | None:
    """The :class:`DaskPricing` behind a lazy priced log (or a column selection of it), if known.

    None for a frame whose rows were filtered or added since: its tally would not count its rows.
    """
    meta = getattr(costed, "_meta", None)
    attrs = getattr(meta, "attrs", None) or {}
    token = (attrs.get("aihubmix") or {}).get("cost", {}).get(TALLY_KEY)
    pricing = _PRICINGS.get(token) if token is not None else None
    expr = getattr(costed, "expr", None)
    if pricing is None or expr is None:
        return None
    while expr._name != pricing.name and type(expr).__name__ in _SAME_ROWS:
        expr = expr.frame
    return pricing if expr._name == pricing.name else None


def _is_frame(obj: Any) -> bool:
    """A dask DataFrame or Series (a Delayed has no meta)."""
    return is_dask(obj) and hasattr(obj, "_meta") and hasattr(obj, "to_delayed")


def _client() -> Any:
    """The current dask.distributed client, or None (no distributed, or no client started)."""
    try:
        from distributed import get_client
    except ImportError:
        return None
    try:
        return get_client()
    except ValueError:
        return None


def compute(*collections: Any, progress: bool | None = None) -> tuple[Any, ...]:
    """``dask.compute`` with dask's own progress when someone watches (:func:`~aihubmix_frame.progress.wanted`).

    On a distributed client: the dashboard link printed once per client, then
    ``distributed.progress`` (a widget in a notebook, a text bar in a terminal). Without one:
    ``dask.diagnostics.ProgressBar``. Shared tasks of the collections run once. Warnings the
    workers relayed during the computation (:mod:`aihubmix_frame.relay`) are raised here.
    """
    # Frames go as their partitions' Delayed objects: one kind of graph with the tallies (Delayed), in one pass.
    flat: list[Any] = []
    spans: list[tuple[int, int]] = []
    for collection in collections:
        parts = collection.to_delayed() if _is_frame(collection) else [collection]
        spans.append((len(flat), len(flat) + len(parts)))
        flat.extend(parts)
    values = _compute(flat, progress)
    return tuple(
        (pd.concat(values[lo:hi]) if hi > lo else collection._meta) if _is_frame(collection) else values[lo]
        for collection, (lo, hi) in zip(collections, spans)
    )


def _compute(collections: list[Any], progress: bool | None) -> list[Any]:
    import dask

    show = wanted(progress)
    client = _client()
    if client is not None:
        if show and client.id not in _ANNOUNCED and client.dashboard_link:
            _ANNOUNCED.add(client.id)
            print(f"dask dashboard: {client.dashboard_link}")
        after = mark(client)
        futures = client.compute(collections)
        if show:
            from distributed import progress as distributed_progress

            distributed_progress(futures)
        values = list(client.gather(futures))
        raise_relayed(client, after, stacklevel=4)  # what the readers in the workers warned
        return values
    if show:
        from dask.diagnostics import ProgressBar

        with ProgressBar():
            return list(dask.compute(*collections))
    return list(dask.compute(*collections))


def compute_priced(
    result: Any, costed: Any, *, progress: bool | None = None
) -> tuple[Any, DaskPricing | None, Tally | None]:
    """``result`` (a collection built on the lazy priced log ``costed``) computed with ``costed``'s tally, in one pass."""
    pricing = pricing_of(costed)
    if pricing is None:
        (value,) = compute(result, progress=progress)
        return value, None, None
    value, tally = compute(result, pricing.tally, progress=progress)
    return value, pricing, tally
