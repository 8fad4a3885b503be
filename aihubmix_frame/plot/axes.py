"""What every plot shares: matplotlib imported on first use, a fresh or given Axes, units, zero on log scales."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import schema

__all__ = [
    "pyplot",
    "axes_for",
    "PRICE_LABEL",
    "USD_LABEL",
    "TOKENS_LABEL",
    "log_floor",
    "category_of",
    "CATEGORY_LIMIT",
    "OTHER",
    "check_catalog",
    "check_axes",
    "plain_text",
    "plain_texts",
]

PRICE_LABEL = "USD per 1M tokens"
USD_LABEL = "cost (USD)"
TOKENS_LABEL = "tokens"
#: Colour categories beyond this many (the most common ones) are drawn as one "other" colour.
CATEGORY_LIMIT = 9
OTHER = "other"


def pyplot() -> Any:
    """``matplotlib.pyplot``, imported here and only here, when a plot is drawn."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ImportError("plots need matplotlib: pip install 'aihubmix-frame[plot]'") from None
    return plt


def plain_text(text: Any) -> str:
    r"""Catalog text (a model id, a type, a vendor) as matplotlib shows it literally, never as math.

    matplotlib parses text between two ``$`` as mathtext, and an id such as ``$\evilcmd{x}$``
    raised ``ParseFatalException`` from every chart that showed it. Each ``$`` is escaped as
    ``\$``, which matplotlib draws as a plain dollar sign (legends and tick labels have no
    ``parse_math=False`` switch, so escaping is the one rule for every place).

    >>> plain_text("$\\evilcmd{x}$"), plain_text("gpt-4o")
    ('\\$\\evilcmd{x}\\$', 'gpt-4o')
    """
    return str(text).replace("$", r"\$")


def plain_texts(texts: Any) -> list[str]:
    """:func:`plain_text` of each text."""
    return [plain_text(text) for text in texts]


def check_axes(ax: Any) -> None:
    if ax is None:
        return
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes (e.g. from plt.subplots()), got {type(ax).__name__}")


def axes_for(ax: Any, size: tuple[float, float]) -> Any:
    """``ax`` itself, or the Axes of a new pyplot figure of ``size`` inches (constrained layout)."""
    check_axes(ax)
    if ax is not None:
        return ax
    _, new = pyplot().subplots(figsize=size, layout="constrained")
    return new


def check_catalog(frame: Any, needed: tuple[str, ...], what: str) -> pd.DataFrame:
    schema.require_columns(frame, ("model_id", *needed), needed_for=what)
    return frame


def log_floor(values: np.ndarray) -> float:
    """Where zeros go on a log axis: one decade below the smallest positive value (1e-3 if none)."""
    positive = values[np.isfinite(values) & (values > 0)]
    if not len(positive):
        return 1e-3
    return float(10 ** (np.floor(np.log10(positive.min())) - 1))


def category_of(frame: pd.DataFrame, color_by: str) -> tuple[np.ndarray, list[str]]:
    """One colour category per row (a model's first type, or its vendor) and the categories in
    legend order: the most common first, the rest folded into ``other``."""
    if color_by == "type":
        raw = ["(no type)" if not len(cell) else str(cell[0]) for cell in frame["types"]]
    elif color_by == "vendor":
        if "vendor" in frame.columns:
            raw = [v if isinstance(v, str) and v else "(no vendor)" for v in frame["vendor"].astype(object)]
        else:
            raw = ["(no vendor)"] * len(frame)
    else:
        raise ValueError(f"color_by must be 'type' or 'vendor', got {color_by!r}")
    labels = np.array(raw, dtype=object)
    counts = pd.Series(labels).value_counts(sort=True)
    if len(counts) > CATEGORY_LIMIT:
        kept = list(counts.index[: CATEGORY_LIMIT - 1])
        labels = np.where(np.isin(labels, kept), labels, OTHER)
        return labels, [*kept, OTHER]
    return labels, list(counts.index)
