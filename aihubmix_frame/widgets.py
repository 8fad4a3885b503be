"""ipywidgets pickers over the catalog frame; ipywidgets is imported only when a picker is built."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pandas as pd

from . import schema
from .query import CatalogQuery

__all__ = ["ModelPicker", "CostExplorer"]

_SORT_CHOICES = (("server order", "order"), ("input price (model_ratio)", "model_ratio"),
                 ("context length", "context_length"), ("coding first", "coding"))
_SHOWN = ["model_id", "types", "context_length", "max_output", "input_usd_per_1m", "output_usd_per_1m",
          "cache_read_usd_per_1m"]


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "the pickers need ipywidgets: pip install 'aihubmix-frame[widgets]'"
        ) from None
    return ipywidgets


def _check_catalog(frame: Any) -> pd.DataFrame:
    schema.require_columns(frame, (*schema.REQUIRED_COLUMNS, "input_usd_per_1m"), needed_for="a picker")
    return frame


def _error_html(message: str) -> str:
    return f"<span style='color:#b00'>{html.escape(message)}</span>"


def _vocabulary(frame: pd.DataFrame, column: str, documented: tuple[str, ...]) -> list[str]:
    present = {token for cell in frame[column] for token in cell}
    return [*[t for t in documented if t in present], *sorted(present - set(documented))]


class ModelPicker:
    """Filter and sort the catalog with widgets; ``.result`` is the filtered frame, ``.value`` the pick.

    Every control maps onto ``df.aihub.filter`` / ``df.aihub.sort``; the picker never mutates the
    frame it was given. ``on_change(callback)`` calls ``callback(result)`` after each change.

    >>> import aihubmix_frame as ahf
    >>> picker = ahf.widgets.ModelPicker(ahf.load_snapshot())
    >>> picker.type.value = "llm"
    >>> picker.features.value = ("thinking", "tools")
    >>> bool(picker.result["has_thinking"].all()), picker.value == picker.result["model_id"].iloc[0]
    (True, True)
    """

    def __init__(self, frame: pd.DataFrame, *, rows: int = 15):
        w = _ipywidgets()
        self._frame = _check_catalog(frame)
        self._rows = rows
        self._callbacks: list[Callable[[pd.DataFrame], None]] = []
        types = _vocabulary(frame, "types", (*schema.DOCUMENTED_TYPES, *schema.OBSERVED_TYPES))
        self.type = w.Dropdown(options=[("any type", None), *[(t, t) for t in types]], value=None,
                               description="type")
        self.features = w.SelectMultiple(options=_vocabulary(frame, "features", schema.FEATURES),
                                         description="features", rows=min(8, max(1, len(schema.FEATURES))))
        self.modalities = w.SelectMultiple(options=_vocabulary(frame, "input_modalities", schema.MODALITIES),
                                           description="modalities", rows=5)
        self.model = w.Text(value="", placeholder="substring of the model id", description="model")
        prices = frame["input_usd_per_1m"].dropna()
        ceiling = float(prices.max()) if len(prices) else 1.0
        self.max_input_price = w.FloatText(value=ceiling, description="max in $/1M")
        self.sort_by = w.Dropdown(options=list(_SORT_CHOICES), value="order", description="sort")
        self.order = w.ToggleButtons(options=["asc", "desc"], value="asc", description="order")
        self.picked = w.Select(options=[], description="model", rows=8)
        self.summary = w.HTML()
        self.table = w.HTML()
        self._ceiling = ceiling
        self.result: pd.DataFrame = frame
        for control in (self.type, self.features, self.modalities, self.model, self.max_input_price,
                        self.sort_by, self.order):
            control.observe(self._update, names="value")
        self.widget = w.VBox([
            w.HBox([w.VBox([self.type, self.model, self.max_input_price, self.sort_by, self.order]),
                    self.features, self.modalities]),
            self.summary, self.picked, self.table,
        ])
        self._update()

    @property
    def value(self) -> str | None:
        """The picked model id (the first match until the user picks another)."""
        return self.picked.value

    def on_change(self, callback: Callable[[pd.DataFrame], None]) -> None:
        """Call ``callback(result)`` after every change of the filters."""
        self._callbacks.append(callback)

    @property
    def query(self) -> CatalogQuery:
        """The :class:`~aihubmix_frame.query.CatalogQuery` the controls describe."""
        bound = self.max_input_price.value
        return CatalogQuery.parse(
            type=self.type.value,
            features=list(self.features.value) or None,
            modalities=list(self.modalities.value) or None,
            model=self.model.value or None,
            max_input_price=None if bound is None or bound >= self._ceiling else bound,
            sort_by=self.sort_by.value, sort_order=self.order.value,
        )

    def _update(self, _change: Any = None) -> None:
        try:
            result = self.query.apply(self._frame)
        except (ValueError, TypeError) as exc:
            # Shown in the widget; .result is what the widget shows: no matches.
            self._show(self._frame.iloc[:0], error=str(exc))
            return
        self._show(result)

    def _show(self, result: pd.DataFrame, *, error: str | None = None) -> None:
        self.result = result
        ids = result["model_id"].tolist()
        self.picked.options = ids
        self.picked.value = ids[0] if ids else None
        self.summary.value = (_error_html(error) if error is not None else
                              f"<b>{len(result)}</b> of {len(self._frame)} models match; "
                              f"prices in {schema.PRICE_UNIT}")
        shown = result[[c for c in _SHOWN if c in result.columns]].head(self._rows)
        self.table.value = shown.to_html(index=False, na_rep="-", max_cols=len(_SHOWN))
        for callback in self._callbacks:
            callback(result)

    def _ipython_display_(self) -> None:  # pragma: no cover - needs a notebook front end
        from IPython.display import display

        display(self.widget)


_COST_SHOWN = ["model_id", "total_cost_usd", "input_cost_usd", "cache_read_cost_usd",
               "cache_write_cost_usd", "output_cost_usd", "note"]


class CostExplorer:
    """Token sliders over ``df.aihub.cheapest``: what a request shape costs, cheapest models first.

    ``.result`` is the cost table (USD; prices are USD per 1M tokens) for the current controls;
    ``on_change(callback)`` calls ``callback(result)`` after each change. Placeholder-priced image
    and video models are left out unless the "placeholder prices" box is ticked.

    >>> import aihubmix_frame as ahf
    >>> explorer = ahf.widgets.CostExplorer(ahf.load_snapshot())
    >>> explorer.input_tokens.value, explorer.output_tokens.value = 20_000, 1_000
    >>> explorer.type.value = "llm"
    >>> bool(explorer.result["total_cost_usd"].is_monotonic_increasing)
    True
    """

    def __init__(self, frame: pd.DataFrame, *, rows: int = 15):
        w = _ipywidgets()
        self._frame = _check_catalog(frame)
        self._callbacks: list[Callable[[pd.DataFrame], None]] = []
        types = _vocabulary(frame, "types", (*schema.DOCUMENTED_TYPES, *schema.OBSERVED_TYPES))
        self.type = w.Dropdown(options=[("any type", None), *[(t, t) for t in types]], value=None,
                               description="type")
        self.features = w.SelectMultiple(options=_vocabulary(frame, "features", schema.FEATURES),
                                         description="features", rows=7)
        self.input_tokens = w.IntText(value=2_000, description="input tok")
        self.output_tokens = w.IntText(value=500, description="output tok")
        self.cache_read_tokens = w.IntText(value=0, description="cache read")
        self.cache_write_tokens = w.IntText(value=0, description="cache write")
        self.requests = w.IntText(value=1, description="requests")
        self.input_includes_cache = w.Checkbox(value=True, description="input includes cache (OpenAI)")
        self.include_free = w.Checkbox(value=True, description="free models")
        self.include_placeholder = w.Checkbox(value=False, description="placeholder prices")
        self.rows = w.IntSlider(value=rows, min=1, max=100, description="show")
        self.summary = w.HTML()
        self.table = w.HTML()
        self.result: pd.DataFrame = frame.iloc[:0]
        controls = (self.type, self.features, self.input_tokens, self.output_tokens,
                    self.cache_read_tokens, self.cache_write_tokens, self.requests,
                    self.input_includes_cache, self.include_free, self.include_placeholder, self.rows)
        for control in controls:
            control.observe(self._update, names="value")
        self.widget = w.VBox([
            w.HBox([w.VBox([self.type, self.input_tokens, self.output_tokens, self.cache_read_tokens,
                            self.cache_write_tokens, self.requests]),
                    w.VBox([self.features, self.input_includes_cache, self.include_free,
                            self.include_placeholder, self.rows])]),
            self.summary, self.table,
        ])
        self._update()

    def on_change(self, callback: Callable[[pd.DataFrame], None]) -> None:
        """Call ``callback(result)`` after every change of the controls."""
        self._callbacks.append(callback)

    def _update(self, _change: Any = None) -> None:
        try:
            result = self._frame.aihub.cheapest(
                self.rows.value, self.input_tokens.value, self.output_tokens.value,
                self.cache_read_tokens.value, self.cache_write_tokens.value, self.requests.value,
                self.input_includes_cache.value, include_placeholder=self.include_placeholder.value,
                include_free=self.include_free.value, type=self.type.value,
                features=list(self.features.value) or None,
            )
        except (ValueError, TypeError) as exc:  # e.g. cache tokens above input tokens
            # Said in the widget; .result is what the widget shows: no table.
            self.result = self._frame.iloc[:0]
            self.summary.value = _error_html(str(exc))
            self.table.value = ""
            for callback in self._callbacks:
                callback(self.result)
            return
        self.result = result
        self.summary.value = (f"the {len(result)} cheapest models for {self.requests.value:,} request(s) of "
                              f"{self.input_tokens.value:,} input and {self.output_tokens.value:,} output "
                              f"tokens; costs in USD (prices in {schema.PRICE_UNIT})")
        shown = result[[c for c in _COST_SHOWN if c in result.columns]]
        self.table.value = shown.to_html(index=False, na_rep="-", float_format=lambda v: f"{v:.6g}")
        for callback in self._callbacks:
            callback(result)

    def _ipython_display_(self) -> None:  # pragma: no cover - needs a notebook front end
        from IPython.display import display

        display(self.widget)
