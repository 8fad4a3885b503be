"""Plots of the catalog and of costs (matplotlib, imported when a plot is drawn); ``df.aihub.plot``.

Every function returns the matplotlib Axes and takes ``ax=`` to draw into an existing one. Axes
carry their units: prices in USD per 1M tokens, costs in USD, context lengths in tokens.

>>> import aihubmix_frame as ahf
>>> df = ahf.load_snapshot().aihub.filter(type="llm", features="thinking")
>>> ax = df.aihub.plot.price_map(label_cheapest=3)
>>> ax.get_xlabel()
'input price (USD per 1M tokens, log scale)'
>>> ax = ahf.plot.cost_bars(df.aihub.cheapest(5, 10_000, 1_000))
>>> len(ax.get_yticklabels())
5
>>> ahf.plot.pyplot().close("all")
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .axes import pyplot
from .costs import cost_bars, cost_components
from .features import feature_matrix, feature_table
from .history import price_history
from .prices import context_map, price_map

__all__ = [
    "CatalogPlots",
    "price_map",
    "context_map",
    "cost_bars",
    "cost_components",
    "price_history",
    "feature_matrix",
    "feature_table",
    "pyplot",
]


class CatalogPlots:
    """The plots of one catalog frame, as ``df.aihub.plot``: each method returns the Axes."""

    def __init__(self, frame: pd.DataFrame):
        self._frame = frame

    def price_map(self, *, color_by: str = "type", label_cheapest: int = 8, ax: Any = None) -> Any:
        """Input against output price; see :func:`aihubmix_frame.plot.price_map`."""
        return price_map(self._frame, color_by=color_by, label_cheapest=label_cheapest, ax=ax)

    def context_map(self, *, price: str = "input", color_by: str = "type", ax: Any = None) -> Any:
        """A price against context length; see :func:`aihubmix_frame.plot.context_map`."""
        return context_map(self._frame, price=price, color_by=color_by, ax=ax)

    def feature_matrix(self, *, max_models: int = 60, hide_empty: bool = True, ax: Any = None) -> Any:
        """Models x features and modalities; see :func:`aihubmix_frame.plot.feature_matrix`."""
        return feature_matrix(self._frame, max_models=max_models, hide_empty=hide_empty, ax=ax)

    def cost_bars(
        self,
        costs: pd.DataFrame | None = None,
        *,
        top: int = 15,
        order: str | None = None,
        ax: Any = None,
        **scenario: Any,
    ) -> Any:
        """Stacked cost bars of ``costs``; without it, of ``df.aihub.cheapest(top, **scenario)``
        (e.g. ``input_tokens=20_000, output_tokens=1_000, type="llm"``). See
        :func:`aihubmix_frame.plot.cost_bars`."""
        if costs is None:
            costs = self._frame.aihub.cheapest(top, **scenario)
        elif scenario:
            raise TypeError(f"pass either costs or the request shape {sorted(scenario)}, not both")
        return cost_bars(costs, top=top, order=order, ax=ax)

    def price_history(
        self, history: Any, model_ids: str | Iterable[str], *, price: str = "input", ax: Any = None
    ) -> Any:
        """Prices over time; see :func:`aihubmix_frame.plot.price_history`."""
        return price_history(history, model_ids, price=price, ax=ax)
