"""ModelPicker: filter, search and sort the catalog with widgets; one page of matches, a price map, a quality badge."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..query import CatalogQuery
from .controls import (
    ANY,
    Recomputer,
    check_catalog,
    check_choices,
    ipywidgets,
    pick_one,
    type_options,
    vocabulary,
    whole_labels,
    wrapping_row,
)
from .picker.summary import badge_for, draw_price_map, quality_counts, summary_html
from .picker.table import PAGE_COLUMNS, table_html
from .plotpane import PlotPane

__all__ = ["ModelPicker", "SORT_CHOICES", "PAGE_COLUMNS"]

SORT_CHOICES = (
    ("server order", "order"),
    ("best match (search)", "score"),
    ("input price (model_ratio)", "model_ratio"),
    ("context length", "context_length"),
    ("coding first", "coding"),
)


class ModelPicker:
    """Filter, search and sort the catalog with widgets; ``.result`` the matches, ``.value`` the pick.

    Every control maps onto ``df.aihub.filter`` / ``.aihub.search`` / ``.aihub.sort``: ``.code``
    is that expression and gives ``.result`` again; ``.query`` the
    :class:`~aihubmix_frame.query.CatalogQuery`. The keywords set the initial values (one
    recompute in all). The table shows one page of ``rows`` matches (``page`` control), with units;
    the price map follows the filters (drawn ``plot_delay`` seconds after the last change, off the
    change path; ``None`` draws at once; big results are drawn from a sample); the badge counts the
    ``ahf.quality_report`` errors and warnings among the matches. Deprecated models are left out
    unless ``include_deprecated=True``. An invalid combination shows its error in the widget and
    ``.result`` is empty. ``on_change(callback)`` calls ``callback(result)`` after each change;
    ``recomputes`` counts them. The frame given is never changed.

    >>> import aihubmix_frame as ahf
    >>> picker = ahf.widgets.ModelPicker(ahf.load_snapshot(), type="llm", features="thinking,tools",
    ...                                  sort_by="model_ratio", plot=False)
    >>> picker.recomputes, bool(picker.result["has_thinking"].all())
    (1, True)
    >>> picker.code
    "df.aihub.filter(type=['llm'], features=['thinking', 'tools'], include_deprecated=False).aihub.sort('model_ratio', order='asc')"
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        *,
        type: Any = None,
        features: Any = None,
        modalities: Any = None,
        model: str | None = None,
        search: str | None = None,
        min_context: int | None = None,
        max_input_price: float | None = None,
        include_free: bool = True,
        include_deprecated: bool = False,
        sort_by: str | None = None,
        sort_order: str | None = None,
        rows: int = 15,
        plot: bool = True,
        plot_delay: float | None = 0.3,
    ):
        w = ipywidgets()
        self._frame = check_catalog(frame)
        if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) or rows < 1:
            raise ValueError(f"rows must be a whole number >= 1, got {rows!r}")
        self._rows = int(rows)
        self._callbacks: list[Callable[[pd.DataFrame], None]] = []
        self._has_stage = "retire_stage" in frame.columns
        initial = CatalogQuery.parse(
            type=type,
            features=features,
            modalities=modalities,
            model=model,
            min_context=min_context,
            max_input_price=max_input_price,
            sort_by=sort_by,
            sort_order=sort_order,
        )
        prices = frame["input_usd_per_1m"].dropna()
        self._ceiling = float(prices.max()) if len(prices) else 1.0

        self.type = w.Dropdown(options=type_options(frame), value=ANY, description="type")
        self.features = w.SelectMultiple(
            options=vocabulary(frame, "features", schema.FEATURES), description="features", rows=7
        )
        self.modalities = w.SelectMultiple(
            options=vocabulary(frame, "input_modalities", schema.MODALITIES), description="modalities", rows=5
        )
        self.model = w.Text(value="", placeholder="substring of the model id", description="model")
        self.search = w.Text(value="", placeholder="fuzzy: gpt5, claude opus", description="search")
        self.min_context = w.IntText(value=0, description="min context", step=1000)
        self.max_input_price = w.FloatText(value=self._ceiling, description="max in $/1M")
        self.include_free = w.Checkbox(value=True, description="free models")
        self.include_deprecated = w.Checkbox(value=False, description="deprecated models")
        self.sort_by = w.Dropdown(options=list(SORT_CHOICES), value="order", description="sort")
        self.sort_order = w.ToggleButtons(options=["asc", "desc"], value="asc", description="order")
        self.order = self.sort_order  # the name of the control before the sort_order keyword
        self.page = w.BoundedIntText(value=1, min=1, max=1, description="page")
        self.picked = w.Select(options=[], description="model", rows=min(self._rows, 10))
        self.summary = w.HTML()
        self.badge = w.HTML()
        self.table = w.HTML()
        self.plot = w.Image(format="png")
        self._plot = PlotPane(self.plot, draw_price_map, delay=plot_delay) if plot else None
        self._issues = quality_counts(frame)
        self.result: pd.DataFrame = frame.iloc[:0]
        self._value: str | None = None
        self._chosen = False
        self._showing = False
        self._recompute = Recomputer(self._update)

        controls = (
            self.type,
            self.features,
            self.modalities,
            self.model,
            self.min_context,
            self.max_input_price,
            self.include_free,
            self.include_deprecated,
            self.sort_by,
            self.sort_order,
        )
        for control in controls:
            control.observe(self._recompute, names="value")
        whole_labels(*controls, self.search, self.page, self.picked)
        self.search.observe(self._follow_search, names="value")
        self.page.observe(self._show_page, names="value")
        self.picked.observe(self._on_pick, names="value")
        self.widget = w.VBox(
            [
                wrapping_row(
                    [
                        w.VBox(
                            [
                                self.type,
                                self.search,
                                self.model,
                                self.min_context,
                                self.max_input_price,
                                self.include_free,
                                self.include_deprecated,
                            ]
                        ),
                        w.VBox([self.features, self.modalities]),
                        w.VBox([self.sort_by, self.sort_order, self.page, self.picked]),
                    ]
                ),
                w.HBox([self.summary, self.badge]),
                self.table,
                self.plot,
            ]
        )
        with self.hold():
            self.type.value = pick_one("type", initial.type, self.type.options)
            self.features.value = check_choices("features", initial.features, list(self.features.options))
            self.modalities.value = check_choices("modalities", initial.modalities, list(self.modalities.options))
            self.model.value = initial.model or ""
            self.search.value = (search or "").strip()
            self.min_context.value = int(initial.min_context or 0)
            if initial.max_input_price is not None:
                self.max_input_price.value = initial.max_input_price
            self.include_free.value = bool(include_free)
            self.include_deprecated.value = bool(include_deprecated)
            if initial.sort_by is not None:
                self.sort_by.value = pick_one("sort_by", (initial.sort_by,), self.sort_by.options)
            if initial.sort_order is not None:
                self.sort_order.value = initial.sort_order
            self._recompute()  # at least once, even when no initial value differs from the default

    # --- state ---------------------------------------------------------------------------------

    def hold(self) -> Any:
        """``with picker.hold():`` set several controls, recompute once at the end."""
        return self._recompute.hold()

    @property
    def recomputes(self) -> int:
        """How many times the result was computed (once at construction, once per change)."""
        return self._recompute.count

    def on_change(self, callback: Callable[[pd.DataFrame], None]) -> None:
        """Call ``callback(result)`` after every change of the filters."""
        self._callbacks.append(callback)

    @property
    def value(self) -> str | None:
        """The picked model id: the first match until one is picked (a pick stays while it still
        matches); ``None`` when nothing matches. Setting an id outside ``.result`` raises ``ValueError``."""
        return self._value

    @value.setter
    def value(self, model_id: str) -> None:
        ids = self.result["model_id"]
        hits = np.flatnonzero((ids == model_id).fillna(False).to_numpy(dtype=bool)) if isinstance(model_id, str) else []
        if not len(hits):
            raise ValueError(
                f"model {model_id!r} is not among the {len(ids):,} matches; loosen the filters "
                "or pick one of picker.result['model_id'] (ids are case-sensitive)"
            )
        self._value, self._chosen = model_id, True
        self._showing = True
        try:
            self.page.value = int(hits[0]) // self._rows + 1
        finally:
            self._showing = False
        self._show_page()

    @property
    def search_text(self) -> str | None:
        return self.search.value.strip() or None

    def _sort(self) -> tuple[str, str]:
        by = self.sort_by.value
        if by == "score" and self.search_text is None:
            by = "order"  # no search, no match score: server order
        return by, self.sort_order.value

    @property
    def query(self) -> CatalogQuery:
        """The :class:`~aihubmix_frame.query.CatalogQuery` of the controls (search aside: see ``code``)."""
        bound = self.max_input_price.value
        by, order = self._sort()
        return CatalogQuery.parse(
            type=self.type.value or None,
            features=list(self.features.value) or None,
            modalities=list(self.modalities.value) or None,
            model=self.model.value or None,
            min_context=self.min_context.value or None,
            max_input_price=None if bound is None or bound >= self._ceiling else bound,
            include_free=None if self.include_free.value else False,
            include_deprecated=None if self.include_deprecated.value or not self._has_stage else False,
            sort_by=None if by == "score" else by,
            sort_order=order,
        )

    @property
    def code(self) -> str:
        """The expression that gives ``.result`` from the picker's frame bound to ``df``."""
        query = self.query
        keywords = {k: v for k, v in query.to_dict().items() if k not in ("sort_by", "sort_order")}
        text = "df.aihub.filter(" + ", ".join(f"{k}={v!r}" for k, v in keywords.items()) + ")"
        if self.search_text is not None:
            text += f".aihub.search({self.search_text!r}, limit=None)"
        by, order = self._sort()
        return text + f".aihub.sort({by!r}, order={order!r})"

    # --- updates -------------------------------------------------------------------------------

    def _follow_search(self, change: Any) -> None:
        """Typing a search sorts by match score; clearing it goes back to server order."""
        searching = bool(str(change["new"]).strip())
        with self.hold():  # the search and the sort it implies: one recompute
            if searching and self.sort_by.value == "order":
                self.sort_by.value, self.sort_order.value = "score", "desc"
            elif not searching and self.sort_by.value == "score":
                self.sort_by.value, self.sort_order.value = "order", "asc"
            self._recompute()

    def _compute(self) -> pd.DataFrame:
        query = self.query
        keywords = {k: v for k, v in query.to_dict().items() if k not in ("sort_by", "sort_order")}
        result = self._frame.aihub.filter(**keywords)
        if self.search_text is not None:
            result = result.aihub.search(self.search_text, limit=None)
        by, order = self._sort()
        return result.aihub.sort(by, order=order)

    def _update(self) -> None:
        try:
            result, error = self._compute(), None
        except (ValueError, TypeError) as exc:
            # Shown in the widget; .result is what the widget shows: no matches.
            result, error = self._frame.iloc[:0], str(exc)
        self.result = result
        ids = result["model_id"]
        kept = (
            self._chosen
            and self._value is not None
            and bool((ids == self._value).fillna(False).to_numpy(dtype=bool).any())
        )
        if not kept:  # the first match, until one is picked (a pick stays while it matches)
            self._chosen = False
            self._value = str(ids.iloc[0]) if len(ids) else None
        pages = max(1, math.ceil(len(result) / self._rows))
        self._showing = True
        try:
            self.page.value = 1
            self.page.max = pages
        finally:
            self._showing = False
        self.summary.value = summary_html(len(result), len(self._frame), error)
        self.badge.value = badge_for(self._issues, result)
        self._show_page()
        if self._plot is not None:
            self._plot.update(result)
        for callback in self._callbacks:
            callback(result)

    def _page_rows(self) -> pd.DataFrame:
        start = (self.page.value - 1) * self._rows
        return self.result.iloc[start : start + self._rows]

    def _show_page(self, _change: Any = None) -> None:
        if self._showing and _change is not None:
            return
        shown = self._page_rows()
        ids = shown["model_id"].astype(str).tolist()
        self._showing = True
        try:
            self.picked.options = ids
            self.picked.value = self._value if self._value in ids else None
        finally:
            self._showing = False
        self._render_table(shown)

    def _render_table(self, shown: pd.DataFrame) -> None:
        self.table.value = table_html(shown, self._value, self.page.value, self.page.max, self._rows)

    def _on_pick(self, change: Any) -> None:
        if self._showing or change["new"] is None:
            return
        self._value, self._chosen = change["new"], True
        self._render_table(self._page_rows())

    # --- plot ------------------------------------------------------------------------------------

    def refresh_plot(self) -> None:
        """Draw the price map of the current matches now (instead of after ``plot_delay``)."""
        if self._plot is not None:
            self._plot.refresh()

    def wait_for_plot(self, timeout: float = 30.0) -> bool:
        """Block until the price map shows the current matches; False after ``timeout`` seconds."""
        return True if self._plot is None else self._plot.wait(timeout)

    @property
    def plot_figure(self) -> Any:
        """The matplotlib Figure last drawn into ``plot`` (``None`` before the first drawing)."""
        return None if self._plot is None else self._plot.figure

    @property
    def plotted(self) -> pd.DataFrame | None:
        """The models last drawn (the matches, or a sample of them when there are many)."""
        return None if self._plot is None else self._plot.drawn

    def _ipython_display_(self) -> None:  # pragma: no cover - needs a notebook front end
        from IPython.display import display

        display(self.widget)
