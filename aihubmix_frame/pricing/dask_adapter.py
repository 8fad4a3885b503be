"""The dask adapter: recognise dask frames and run a pandas pricing function on each partition, quietly."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ..errors import PriceWarning, UnknownModelWarning

__all__ = ["is_dask", "map_partitions_quietly", "quiet_call"]


def is_dask(obj: Any) -> bool:
    """True for a dask DataFrame or Series, checked by module name so that dask is never imported here.

    >>> import pandas as pd
    >>> is_dask(pd.DataFrame())
    False
    """
    return type(obj).__module__.split(".")[0] in ("dask", "dask_expr")


def quiet_call(partition: Any, func: Callable[..., Any], *args: Any) -> Any:
    """``func(partition, *args)`` with the pricing warnings silenced.

    Warnings raised in dask workers never reach the user, so none are raised there; the costs they
    would explain (NA for unknown ids) are still in the result.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PriceWarning)
        warnings.simplefilter("ignore", UnknownModelWarning)
        return func(partition, *args)


def map_partitions_quietly(frame: Any, func: Callable[..., Any], *args: Any, token: str) -> Any:
    """The lazy dask frame of ``func(partition, *args)`` over every partition (one ``map_partitions``).

    ``func`` must be a module-level function (it is pickled to the workers). The output schema comes
    from running ``func`` on the empty meta frame, so a bad column fails now, not mid-compute.
    """
    meta = quiet_call(frame._meta, func, *args)
    return frame.map_partitions(quiet_call, func, *args, meta=meta, token=token)
