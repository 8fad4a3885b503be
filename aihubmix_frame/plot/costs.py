"""Cost tables as stacked bars: input, cache (read + write) and output cost in USD per row."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .axes import USD_LABEL, axes_for, plain_texts

__all__ = ["cost_bars", "cost_components", "COST_PARTS", "REQUIRED_COST_COLUMNS"]

REQUIRED_COST_COLUMNS: tuple[str, ...] = (
    "input_cost_usd",
    "cache_read_cost_usd",
    "cache_write_cost_usd",
    "output_cost_usd",
    "total_cost_usd",
)
#: The three stacked parts, in drawing order, and their colours.
COST_PARTS: tuple[str, ...] = ("input", "cache", "output")
_COLORS = {"input": "#4c78a8", "cache": "#72b7b2", "output": "#f58518"}
#: Columns of summarize_cost / estimate_cost that are not a label.
_NOT_LABELS = {
    "period",
    "timestamp",
    "note",
    "rows",
    "unpriced_rows",
    "requests",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
}


def _label_column(costs: pd.DataFrame) -> str | None:
    if "model_id" in costs.columns:
        return "model_id"
    for column in costs.columns:
        if column in _NOT_LABELS or str(column).endswith("_usd"):
            continue
        dtype = costs[column].dtype
        if pd.api.types.is_string_dtype(dtype) or dtype == object or isinstance(dtype, pd.CategoricalDtype):
            return str(column)  # categorical: summarize_cost(..., by="priced_as")
    return None


def cost_components(costs: Any, *, top: int = 15, order: str | None = None) -> pd.DataFrame:
    """The bars :func:`cost_bars` draws: ``label``, ``input``, ``cache``, ``output``, ``total`` (USD).

    Takes the cost table of ``df.aihub.cost`` or ``df.aihub.cheapest`` (one row per model), a
    costed log from ``ahf.estimate_cost`` (rows summed per model) or a summary from
    ``ahf.summarize_cost`` (summed per ``by`` key over the periods; ``by=None`` is one bar, "all
    requests"). Rows without a total cost (unknown or unpriced models) are left out; how many is in
    ``attrs["left_out"]``. ``order``: ``"asc"`` (cheapest first; the default for per-model scenario
    tables, which have a ``note`` column) or ``"desc"`` (largest spend first; the default for logs).
    """
    if not isinstance(costs, pd.DataFrame):
        raise ValueError(
            f"cost_bars takes a cost table (a DataFrame from df.aihub.cost, df.aihub.cheapest, "
            f"ahf.estimate_cost or ahf.summarize_cost), got {type(costs).__name__}"
        )
    missing = [c for c in REQUIRED_COST_COLUMNS if c not in costs.columns]
    if missing:
        hint = (
            " This looks like a catalog: price it first, e.g. df.aihub.cost(input_tokens=2_000, output_tokens=500)."
            if "input_usd_per_1m" in costs.columns
            else ""
        )
        raise ValueError(
            f"not a cost table: it lacks {', '.join(missing)}. Pass the output of df.aihub.cost, "
            f"df.aihub.cheapest, ahf.estimate_cost or ahf.summarize_cost.{hint}"
        )
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be a whole number >= 1, got {top!r}")
    if order is None:
        order = "asc" if "note" in costs.columns else "desc"
    if order not in ("asc", "desc"):
        raise ValueError(f"order must be 'asc', 'desc' or None, got {order!r}")
    label = _label_column(costs)
    if label is None and len(costs) > 1:
        raise ValueError(
            "cannot tell the rows of this cost table apart: it has no model_id and no text key column. "
            "Summarize with by='model_id' (or another text column), or pass one row (by=None)"
        )
    parts = pd.DataFrame(
        {
            "label": costs[label].astype("string").fillna("(missing)").to_numpy(dtype=object)
            if label is not None
            else np.array(["all requests"] * len(costs), dtype=object),
            "input": costs["input_cost_usd"].to_numpy(dtype=float, na_value=np.nan),
            "cache": (
                costs["cache_read_cost_usd"].to_numpy(dtype=float, na_value=np.nan)
                + costs["cache_write_cost_usd"].to_numpy(dtype=float, na_value=np.nan)
            ),
            "output": costs["output_cost_usd"].to_numpy(dtype=float, na_value=np.nan),
            "total": costs["total_cost_usd"].to_numpy(dtype=float, na_value=np.nan),
        }
    )
    priced = ~np.isnan(parts["total"].to_numpy())
    left_out = int((~priced).sum())
    parts = parts[priced]
    if parts["label"].duplicated().any():  # a log: several rows per model
        parts = parts.groupby("label", sort=False, as_index=False).sum()
    parts = parts.sort_values("total", ascending=order == "asc", kind="stable").head(int(top))
    parts = parts.reset_index(drop=True).fillna({"input": 0.0, "cache": 0.0, "output": 0.0})
    parts.attrs["left_out"] = left_out
    return parts


def _usd(value: float) -> str:
    if value == 0:
        return "$0"
    if value >= 0.01:
        return f"${value:,.2f}"
    digits = int(-np.floor(np.log10(value))) + 2
    return f"${value:.{digits}f}"


def cost_bars(costs: Any, *, top: int = 15, order: str | None = None, ax: Any = None) -> Any:
    """Stacked horizontal bars of input, cache (read + write) and output cost (USD), one per model.

    ``costs`` is a table from ``df.aihub.cost``, ``df.aihub.cheapest``, ``ahf.estimate_cost`` or
    ``ahf.summarize_cost`` (see :func:`cost_components` for how each is read); anything else raises
    ``ValueError``. Shows the ``top`` rows: the cheapest first for scenario tables, the largest
    spend first for logs (``order=`` overrides). Each bar ends with its total. Returns the Axes.
    """
    parts = cost_components(costs, top=top, order=order)
    ax = axes_for(ax, (9, max(2.5, 0.38 * len(parts) + 1.4)))
    positions = np.arange(len(parts))
    left = np.zeros(len(parts))
    for part in COST_PARTS:
        widths = parts[part].to_numpy(dtype=float)
        bars = ax.barh(positions, widths, left=left, color=_COLORS[part], label=f"{part} cost", height=0.7)
        for patch in bars.patches:
            patch.set_gid(f"cost:{part}")
        left = left + widths
    ax.set_yticks(positions, labels=plain_texts(parts["label"]), fontsize=8)
    ax.invert_yaxis()  # the first row on top
    top_total = float(parts["total"].max()) if len(parts) else 0.0
    for y, total in zip(positions, parts["total"]):
        ax.annotate(
            _usd(float(total)),
            (float(total), y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=7.5,
        )
    ax.set_xlim(0, top_total * 1.18 if top_total > 0 else 1)
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: _usd(value) if value >= 0 else ""))
    ax.set_xlabel(USD_LABEL)
    left_out = parts.attrs["left_out"]
    first = "cheapest" if (order or ("asc" if "note" in costs.columns else "desc")) == "asc" else "largest"
    ax.set_title(
        f"cost of {len(parts):,} rows (USD), {first} first"
        + (f"; {left_out:,} without a price left out" if left_out else ""),
        fontsize=10,
    )
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14 if len(parts) > 3 else -0.3),
        ncol=3,
        fontsize=8,
        frameon=False,
    )
    ax.grid(True, axis="x", alpha=0.25)
    return ax
