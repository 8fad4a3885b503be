"""Price maps of a catalog: input against output price, and price against context length."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..placeholders import free_price_mask, implausible_price_mask, placeholder_price_mask
from .axes import PRICE_LABEL, TOKENS_LABEL, axes_for, category_of, check_catalog, log_floor, plain_text
from .labels import place_labels

__all__ = ["price_map", "context_map", "marker_sizes", "PRICE_KINDS"]

PRICE_KINDS = ("input", "output", "cache_read", "cache_write")
_PRICES = ("input_usd_per_1m", "output_usd_per_1m")
#: Marker area (points^2) for context lengths 4K .. 2M on a log scale; unknown context: the smallest.
_SIZE_RANGE = (12.0, 160.0)
_CONTEXT_RANGE = (4_000, 2_000_000)
_SIZE_LEGEND = (8_000, 128_000, 1_000_000)


def marker_sizes(context: np.ndarray) -> np.ndarray:
    """Marker area for each context length (tokens); NaN (unknown) gets the smallest marker."""
    lo, hi = np.log10(_CONTEXT_RANGE[0]), np.log10(_CONTEXT_RANGE[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip((np.log10(context) - lo) / (hi - lo), 0, 1)
    sizes = _SIZE_RANGE[0] + share * (_SIZE_RANGE[1] - _SIZE_RANGE[0])
    return np.where(np.isnan(context), _SIZE_RANGE[0] * 0.6, sizes)


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float, na_value=np.nan)


def _zero_on_floor(values: np.ndarray, floor: float) -> np.ndarray:
    return np.where(values == 0, floor, values)


def _scatter_groups(
    ax: Any,
    x: np.ndarray,
    y: np.ndarray,
    sizes: np.ndarray,
    labels: np.ndarray,
    categories: list[str],
    placeholder: np.ndarray,
    free: np.ndarray,
) -> None:
    """One scatter per category and kind: real prices filled, free hollow, placeholder as x."""
    colors = _palette(len(categories))
    for category, color in zip(categories, colors):
        own = labels == category
        for kind, mask in (
            ("priced", own & ~placeholder & ~free),
            ("free", own & free),
            ("placeholder", own & placeholder),
        ):
            if not mask.any():
                continue
            style: dict[str, Any] = dict(s=sizes[mask], alpha=0.75, linewidths=0.8)
            if kind == "priced":
                style.update(color=color, edgecolors="white")
            elif kind == "free":
                style.update(facecolors="none", edgecolors=color, linewidths=1.2)
            else:
                style.update(color=color, marker="x")
            collection = ax.scatter(x[mask], y[mask], **style)
            collection.set_gid(f"models:{kind}:{category}")
    ax.set_prop_cycle(None)


def _palette(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _legends(ax: Any, categories: list[str], color_by: str, extra: list[tuple[str, dict]], sized: bool) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], ls="", marker="o", ms=7, color=c, label=plain_text(name))
        for name, c in zip(categories, _palette(len(categories)))
    ]
    first = ax.legend(
        handles=handles,
        title=color_by,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        fontsize=8,
        title_fontsize=8,
        frameon=False,
    )
    ax.add_artist(first)
    marks = [Line2D([], [], label=label, **style) for label, style in extra]
    if sized:
        marks += [
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                color="0.6",
                ms=float(np.sqrt(marker_sizes(np.array([float(c)]))[0])),
                label=f"context {c:,} tokens",
            )
            for c in _SIZE_LEGEND
        ]
    if marks:
        ax.legend(handles=marks, loc="lower left", bbox_to_anchor=(1.02, 0.0), fontsize=8, frameon=False)


def _price_tick(value: float) -> str:
    """Plain text ticks (no mathtext: it is slow, and $0.01 reads better than 10^-2)."""
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def _token_tick(value: float) -> str:
    for size, suffix in ((1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def _plain_log_axis(ax: Any, axis: str, label: Any) -> None:
    from matplotlib.ticker import FuncFormatter, NullFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda value, _pos: label(value)))
    target.set_minor_formatter(NullFormatter())


def _floor_axis(ax: Any, axis: str, floor: float, has_zero: bool) -> bool:
    """Log scale; zeros sit on a dashed floor line whose tick reads "0"; True if it was drawn."""
    getattr(ax, f"set_{axis}scale")("log")
    _plain_log_axis(ax, axis, lambda v: "0" if has_zero and np.isclose(v, floor) else _price_tick(v))
    if not has_zero:
        return False
    line = ax.axhline if axis == "y" else ax.axvline
    line(floor, color="0.45", ls="--", lw=0.8, zorder=0)
    return True


def _floor_entry(drawn: bool) -> list[tuple[str, dict]]:
    return [("price 0 (drawn on the dashed floor line, tick 0)", dict(color="0.45", ls="--", lw=0.8))] if drawn else []


def price_map(frame: pd.DataFrame, *, color_by: str = "type", label_cheapest: int = 8, ax: Any = None) -> Any:
    """Input against output price (USD per 1M tokens, log scales) of every priced model.

    Colour by ``color_by`` (``"type"``: a model's first type; ``"vendor"``), marker area by context
    length, placeholder prices (image/video models) as ``x``, free models hollow; prices of 0 sit
    on a dashed floor line; the ``label_cheapest`` cheapest paid models (input + output price) are
    labelled with their ids. Implausible (unit-slip) prices (the ``implausible_price`` quality
    check) are ringed in red and never labelled as the cheapest. Models without a price are left
    out and counted in the title.
    Returns the Axes.
    """
    check_catalog(frame, (*_PRICES, "types"), "price_map")
    if isinstance(label_cheapest, bool) or not isinstance(label_cheapest, (int, np.integer)) or label_cheapest < 0:
        raise ValueError(f"label_cheapest must be a whole number >= 0, got {label_cheapest!r}")
    x_raw, y_raw = _floats(frame, _PRICES[0]), _floats(frame, _PRICES[1])
    priced = ~np.isnan(x_raw) & ~np.isnan(y_raw)
    shown = frame[priced]
    x_raw, y_raw = x_raw[priced], y_raw[priced]
    floor = min(log_floor(x_raw), log_floor(y_raw))
    x, y = _zero_on_floor(x_raw, floor), _zero_on_floor(y_raw, floor)
    context = _floats(shown, "context_length") if "context_length" in shown.columns else np.full(len(shown), np.nan)
    labels, categories = category_of(shown, color_by)
    placeholder, free = placeholder_price_mask(shown), free_price_mask(shown)
    ax = axes_for(ax, (10, 6.5))
    _scatter_groups(ax, x, y, marker_sizes(context), labels, categories, placeholder, free)
    x_floor = _floor_axis(ax, "x", floor, bool((x_raw == 0).any()))
    extra = _floor_entry(_floor_axis(ax, "y", floor, bool((y_raw == 0).any())) or x_floor)
    if free.any():
        extra.append(("free model (hollow)", dict(ls="", marker="o", mfc="none", mec="0.3", ms=7)))
    if placeholder.any():
        extra.append(("placeholder price, not real (x)", dict(ls="", marker="x", color="0.3", ms=7)))
    implausible = implausible_price_mask(shown) if len(shown) else np.zeros(0, dtype=bool)
    if implausible.any():
        ax.scatter(x[implausible], y[implausible], s=90, facecolors="none", edgecolors="#d62728", linewidths=1.2)
        extra.append(
            ("implausible price: unit slip? (red ring)", dict(ls="", marker="o", mfc="none", mec="#d62728", ms=8))
        )
    if np.isnan(context).any():
        extra.append(("context unknown (smallest dot)", dict(ls="", marker="o", color="0.6", ms=3)))
    ax.set_xlabel(f"input price ({PRICE_LABEL}, log scale)")
    ax.set_ylabel(f"output price ({PRICE_LABEL}, log scale)")
    left_out = int((~priced).sum())
    ax.set_title(
        f"{len(shown):,} models by price" + (f" ({left_out:,} without a price left out)" if left_out else ""),
        fontsize=10,
    )
    ax.grid(True, which="major", alpha=0.25)
    _legends(ax, categories, color_by, extra, sized=True)
    if label_cheapest and len(shown):
        paid = np.flatnonzero(~placeholder & ~free & ~implausible)
        order = paid[np.argsort((x_raw + y_raw)[paid], kind="stable")][: int(label_cheapest)]
        ids = shown["model_id"].astype(str).to_numpy()
        place_labels(ax, [(x[i], y[i]) for i in order], [ids[i] for i in order])
    return ax


def context_map(frame: pd.DataFrame, *, price: str = "input", color_by: str = "type", ax: Any = None) -> Any:
    """A price (USD per 1M tokens, log) against context length (tokens, log x), one dot per model.

    ``price`` is ``input``, ``output``, ``cache_read`` or ``cache_write``. Models without a known
    context length or that price are left out and counted in the title; prices of 0 sit on a
    dashed floor line; placeholder prices are ``x``, free models hollow. Returns the Axes.
    """
    if price not in PRICE_KINDS:
        raise ValueError(f"price must be one of {', '.join(PRICE_KINDS)}, got {price!r}")
    column = f"{price}_usd_per_1m"
    check_catalog(frame, (column, *_PRICES, "types", "context_length"), "context_map")
    context, values = _floats(frame, "context_length"), _floats(frame, column)
    known = ~np.isnan(context) & ~np.isnan(values)
    shown = frame[known]
    context, values = context[known], values[known]
    floor = log_floor(values)
    y = _zero_on_floor(values, floor)
    labels, categories = category_of(shown, color_by)
    placeholder, free = placeholder_price_mask(shown), free_price_mask(shown)
    ax = axes_for(ax, (10, 6))
    _scatter_groups(ax, context, y, np.full(len(shown), 28.0), labels, categories, placeholder, free)
    ax.set_xscale("log")
    _plain_log_axis(ax, "x", _token_tick)
    extra = _floor_entry(_floor_axis(ax, "y", floor, bool((values == 0).any())))
    if free.any():
        extra.append(("free model (hollow)", dict(ls="", marker="o", mfc="none", mec="0.3", ms=7)))
    if placeholder.any():
        extra.append(("placeholder price, not real (x)", dict(ls="", marker="x", color="0.3", ms=7)))
    ax.set_xlabel(f"context length ({TOKENS_LABEL}, log scale)")
    ax.set_ylabel(f"{price.replace('_', ' ')} price ({PRICE_LABEL}, log scale)")
    left_out = int((~known).sum())
    ax.set_title(
        f"{len(shown):,} models by context length"
        + (f" ({left_out:,} without a context length or {price} price left out)" if left_out else ""),
        fontsize=10,
    )
    ax.grid(True, which="major", alpha=0.25)
    _legends(ax, categories, color_by, extra, sized=False)
    return ax
