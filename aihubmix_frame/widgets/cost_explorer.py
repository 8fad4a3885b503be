"""CostExplorer: what a request shape costs on the cheapest models, as a table, bars and a monthly projection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .. import schema
from .controls import ANY, Recomputer, check_catalog, ipywidgets, type_options, vocabulary, whole_labels, wrapping_row
from .formatting import error_html, format_usd, page_html
from .plotpane import PlotPane

__all__ = ["CostExplorer", "DAYS_PER_MONTH", "COST_COLUMNS_SHOWN"]

#: The average month: 365.25 days / 12.
DAYS_PER_MONTH = 30.4375
COST_COLUMNS_SHOWN = (
    ("model_id", "model", str),
    ("total_cost_usd", "total", format_usd),
    ("input_cost_usd", "input", format_usd),
    ("cache_read_cost_usd", "cache read", format_usd),
    ("cache_write_cost_usd", "cache write", format_usd),
    ("output_cost_usd", "output", format_usd),
    ("note", "note", lambda v: "" if v is None or v is pd.NA else str(v)),
)


def _draw_cost_bars(costs: pd.DataFrame, ax: Any) -> Any:
    from ..plot import cost_bars

    return cost_bars(costs, top=len(costs), order="asc", ax=ax)


def _left_out_note(left_out: dict[str, int], explorer: CostExplorer) -> str:
    """The sentence that says what the defaults left out (and how to bring it back)."""
    parts = []
    hidden = left_out.get("implausible_price", 0)
    if hidden:
        parts.append(
            f"{hidden} model{'s' if hidden != 1 else ''} with an implausible (unit-slip) price left out "
            "(tick &ldquo;implausible prices&rdquo; to show them)"
        )
    if not explorer.include_free.value:
        parts.append("free models left out")
    if not explorer.include_placeholder.value:
        parts.append("image/video placeholder prices left out")
    return "<br>" + "; ".join(parts) + "." if parts else ""


class CostExplorer:
    """Token counts in, the cheapest models out (``df.aihub.cheapest``): a table, bars, a projection.

    ``.result`` is the cost table (USD; prices are USD per 1M tokens) of the ``rows`` cheapest models
    for the current controls; the bar chart (``plot``) shows their input, cache and output cost.
    ``monthly_cost_usd`` projects the cheapest model over a month: its cost per request x
    ``requests_per_day`` x 30.4375 days.

    It opens on paid LLMs at plausible prices (``type="llm"``, ``include_free=False``): free
    models, deprecated models, placeholder-priced image and video models and models with an
    implausible (unit-slip) price are left out unless their boxes are ticked, and the summary says
    how many implausible prices were left out. ``per_family=True`` (the "one row per family" box)
    keeps the cheapest member of each family. "Cheapest" compares prices of models that match the
    filters; it says nothing about quality. ``on_change(callback)`` calls ``callback(result)``
    after each change; an impossible shape shows its error and an empty result.

    >>> import aihubmix_frame as ahf
    >>> explorer = ahf.widgets.CostExplorer(ahf.load_snapshot(), plot=False)
    >>> explorer.type.value, explorer.include_free.value, explorer.include_implausible.value
    ('llm', False, False)
    >>> bool((explorer.result["total_cost_usd"] > 0).all()), explorer.monthly_cost_usd > 0
    (True, True)
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        rows: int = 15,
        requests_per_day: int = 1_000,
        type: str | None = "llm",
        include_free: bool = False,
        include_implausible: bool = False,
        per_family: bool = False,
        plot: bool = True,
        plot_delay: float | None = 0.3,
    ):
        w = ipywidgets()
        self._frame = check_catalog(frame)
        self._callbacks: list[Callable[[pd.DataFrame], None]] = []
        self._has_stage = "retire_stage" in frame.columns
        options = type_options(frame)
        self.type = w.Dropdown(
            options=options, value=type if type in [v for _, v in options] else ANY, description="type"
        )
        self.features = w.SelectMultiple(
            options=vocabulary(frame, "features", schema.FEATURES), description="features", rows=7
        )
        self.modalities = w.SelectMultiple(
            options=vocabulary(frame, "input_modalities", schema.MODALITIES), description="modalities", rows=5
        )
        self.min_context = w.IntText(value=0, description="min context", step=1000)
        self.input_tokens = w.IntText(value=2_000, description="input tok")
        self.output_tokens = w.IntText(value=500, description="output tok")
        self.cache_read_tokens = w.IntText(value=0, description="cache read")
        self.cache_write_tokens = w.IntText(value=0, description="cache write")
        self.requests = w.IntText(value=1, description="requests")
        self.requests_per_day = w.IntText(value=requests_per_day, description="requests/day")
        self.input_includes_cache = w.Checkbox(value=True, description="input includes cache (OpenAI)")
        self.include_free = w.Checkbox(value=include_free, description="free models")
        self.include_placeholder = w.Checkbox(value=False, description="placeholder prices")
        self.include_deprecated = w.Checkbox(value=False, description="deprecated models")
        self.include_implausible = w.Checkbox(value=include_implausible, description="implausible prices")
        self.per_family = w.Checkbox(value=per_family, description="one row per family")
        self.rows = w.IntSlider(value=rows, min=1, max=100, description="show")
        self.summary = w.HTML()
        self.projection = w.HTML()
        self.table = w.HTML()
        self.plot = w.Image(format="png")
        self._plot = PlotPane(self.plot, _draw_cost_bars, delay=plot_delay, size=(9.0, 5.2)) if plot else None
        self.result: pd.DataFrame = frame.iloc[:0]
        self.monthly_cost_usd: float | None = None
        self._recompute = Recomputer(self._update)
        controls = (
            self.type,
            self.features,
            self.modalities,
            self.min_context,
            self.input_tokens,
            self.output_tokens,
            self.cache_read_tokens,
            self.cache_write_tokens,
            self.requests,
            self.input_includes_cache,
            self.include_free,
            self.include_placeholder,
            self.include_deprecated,
            self.include_implausible,
            self.per_family,
            self.rows,
        )
        for control in controls:
            control.observe(self._recompute, names="value")
        whole_labels(*controls, self.requests_per_day)
        self.requests_per_day.observe(self._project, names="value")  # no new costs, only the projection
        self.widget = w.VBox(
            [
                wrapping_row(
                    [
                        w.VBox(
                            [
                                self.type,
                                self.min_context,
                                self.input_tokens,
                                self.output_tokens,
                                self.cache_read_tokens,
                                self.cache_write_tokens,
                                self.requests,
                                self.requests_per_day,
                            ]
                        ),
                        w.VBox([self.features, self.modalities]),
                        w.VBox(
                            [
                                self.input_includes_cache,
                                self.include_free,
                                self.include_placeholder,
                                self.include_deprecated,
                                self.include_implausible,
                                self.per_family,
                                self.rows,
                            ]
                        ),
                    ]
                ),
                self.summary,
                self.projection,
                self.table,
                self.plot,
            ]
        )
        self._recompute()

    def hold(self) -> Any:
        """``with explorer.hold():`` set several controls, recompute once at the end."""
        return self._recompute.hold()

    @property
    def recomputes(self) -> int:
        return self._recompute.count

    def on_change(self, callback: Callable[[pd.DataFrame], None]) -> None:
        """Call ``callback(result)`` after every change of the controls."""
        self._callbacks.append(callback)

    def _filters(self) -> dict[str, Any]:
        return dict(
            type=self.type.value or None,
            features=list(self.features.value) or None,
            modalities=list(self.modalities.value) or None,
            min_context=self.min_context.value or None,
            include_free=self.include_free.value,
            include_deprecated=True if self.include_deprecated.value or not self._has_stage else None,
        )

    def _update(self) -> None:
        try:
            result = self._frame.aihub.cheapest(
                self.rows.value,
                self.input_tokens.value,
                self.output_tokens.value,
                self.cache_read_tokens.value,
                self.cache_write_tokens.value,
                self.requests.value,
                self.input_includes_cache.value,
                include_placeholder=self.include_placeholder.value,
                include_implausible=self.include_implausible.value,
                per_family=self.per_family.value,
                **self._filters(),
            )
        except (ValueError, TypeError) as exc:  # e.g. cache tokens above input tokens
            # Said in the widget; .result is what the widget shows: no table.
            self.result = self._frame.iloc[:0]
            self.summary.value = error_html(str(exc))
            self.table.value = ""
            self._project()
            if self._plot is not None:
                self._plot.update(self.result)
            for callback in self._callbacks:
                callback(self.result)
            return
        self.result = result
        left_out = result.attrs.get(schema.ATTRS_KEY, {}).get("left_out", {})
        self.summary.value = (
            f"the {len(result)} cheapest {'families' if self.per_family.value else 'models'} for "
            f"{self.requests.value:,} request(s) of {self.input_tokens.value:,} input and "
            f"{self.output_tokens.value:,} output tokens; costs in USD (prices in {schema.PRICE_UNIT}). "
            "Cheapest among the models that pass the filters: the capabilities asked for, not the same quality."
            + _left_out_note(left_out, self)
        )
        self.table.value = page_html(result, COST_COLUMNS_SHOWN)
        self._project()
        if self._plot is not None:
            self._plot.update(result)
        for callback in self._callbacks:
            callback(result)

    @property
    def left_out(self) -> dict[str, int]:
        """How many models each default rule left out of ``.result`` (``{"implausible_price": 3}``)."""
        return dict(self.result.attrs.get(schema.ATTRS_KEY, {}).get("left_out", {}))

    def _project(self, _change: Any = None) -> None:
        """The monthly cost of the cheapest model: per-request cost x requests/day x 30.4375 days."""
        per_day = self.requests_per_day.value
        if self.result.empty or not self.requests.value or per_day is None or per_day < 0:
            self.monthly_cost_usd = None
            self.projection.value = (
                ""
                if self.result.empty
                else error_html("requests/day and requests must be positive to project a monthly cost")
            )
            return
        best = self.result.iloc[0]
        per_request = float(best["total_cost_usd"]) / self.requests.value
        self.monthly_cost_usd = per_request * per_day * DAYS_PER_MONTH
        self.projection.value = (
            f"projected monthly cost of the cheapest model, <b>{best['model_id']}</b>: "
            f"<b>{format_usd(self.monthly_cost_usd)}</b> = {format_usd(per_request)} per request x "
            f"{per_day:,} requests/day x {DAYS_PER_MONTH} days"
        )

    def refresh_plot(self) -> None:
        """Draw the cost bars of the current result now (instead of after ``plot_delay``)."""
        if self._plot is not None:
            self._plot.refresh()

    def wait_for_plot(self, timeout: float = 30.0) -> bool:
        return True if self._plot is None else self._plot.wait(timeout)

    @property
    def plot_figure(self) -> Any:
        return None if self._plot is None else self._plot.figure

    def _ipython_display_(self) -> None:  # pragma: no cover - needs a notebook front end
        from IPython.display import display

        display(self.widget)
