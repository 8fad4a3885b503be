"""Prices over time from a CatalogHistory: one step line per model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .axes import PRICE_LABEL, axes_for, plain_text
from .prices import PRICE_KINDS

__all__ = ["price_history"]


def _naive_utc(times: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(times)
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None) if stamps.dt.tz is not None else stamps


def price_history(history: Any, model_ids: str | Iterable[str], *, price: str = "input", ax: Any = None) -> Any:
    """Step lines of one price (USD per 1M tokens) of each model over the snapshots of ``history``.

    ``history`` is an :class:`aihubmix_frame.CatalogHistory`; ``model_ids`` one id or several
    (exact, case-sensitive); ``price`` is ``input``, ``output``, ``cache_read`` or ``cache_write``.
    A price holds from its snapshot until the next one; the last value is drawn on to the newest
    snapshot of the history. An id in no snapshot raises ``LookupError`` (from
    ``history.price_history``). Returns the Axes.
    """
    if not hasattr(history, "price_history") or not hasattr(history, "snapshots"):
        raise ValueError(
            f"price_history takes a CatalogHistory, got {type(history).__name__}; "
            "build one with ahf.CatalogHistory(folder)"
        )
    if price not in PRICE_KINDS:
        raise ValueError(f"price must be one of {', '.join(PRICE_KINDS)}, got {price!r}")
    ids = [model_ids] if isinstance(model_ids, str) else list(model_ids)
    if not ids or not all(isinstance(i, str) for i in ids):
        raise ValueError(f"model_ids must be a model id or a list of them, got {model_ids!r}")
    column = f"{price}_usd_per_1m"
    snapshots = history.snapshots
    end = _naive_utc(snapshots["snapshot_at"]).max() if len(snapshots) else None
    ax = axes_for(ax, (9, 4.5))
    for model_id in ids:
        series = history.price_history(model_id)
        times = _naive_utc(series["snapshot_at"]).tolist()
        values = series[column].to_numpy(dtype=float, na_value=np.nan).tolist()
        if end is not None and times and end > times[-1]:
            times, values = [*times, end], [*values, values[-1]]
        (line,) = ax.plot(
            times,
            values,
            drawstyle="steps-post",
            marker="o",
            markevery=list(range(len(series))),
            label=plain_text(model_id),
        )
        line.set_gid(f"history:{model_id}")
    ax.set_xlabel("snapshot time (UTC)")
    ax.set_ylabel(f"{price.replace('_', ' ')} price ({PRICE_LABEL})")
    ax.set_title(f"{price.replace('_', ' ')} price over {len(snapshots)} snapshot(s)", fontsize=10)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.25)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    return ax
