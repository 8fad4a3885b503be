"""How the pickers show values: units and thousands separators, lists as text, one page of a table."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "format_tokens",
    "format_price",
    "format_usd",
    "format_list",
    "format_score",
    "page_html",
    "error_html",
    "badge_html",
    "MISSING",
]

MISSING = "–"


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_tokens(value: Any) -> str:
    """``1050000`` -> ``'1,050,000 tokens'``; missing -> ``'–'``.

    >>> format_tokens(1_050_000), format_tokens(None)
    ('1,050,000 tokens', '–')
    """
    return MISSING if _missing(value) else f"{int(value):,} tokens"


def _dollars(value: float) -> str:
    """At least two decimals, and as many as it takes to show a small amount (up to 3 significant)."""
    if value == 0:
        return "$0.00"
    if abs(value) >= 0.01:
        text = f"{value:,.6f}".rstrip("0")
        whole, _, cents = text.partition(".")
        return f"${whole}.{cents.ljust(2, '0')}"
    digits = int(-math.floor(math.log10(abs(value)))) + 2
    return f"${value:.{digits}f}".rstrip("0")


def format_price(value: Any) -> str:
    """A price in USD per 1M tokens: ``2.5`` -> ``'$2.50 / 1M'``, ``0.075`` -> ``'$0.075 / 1M'``.

    >>> format_price(2.5), format_price(0.075), format_price(1234.5), format_price(pd.NA)
    ('$2.50 / 1M', '$0.075 / 1M', '$1,234.50 / 1M', '–')
    """
    return MISSING if _missing(value) else f"{_dollars(float(value))} / 1M"


def format_usd(value: Any) -> str:
    """An amount in USD: ``0.0075`` -> ``'$0.0075'``, ``1234.5`` -> ``'$1,234.50'``.

    >>> format_usd(0.0075), format_usd(1234.5), format_usd(0.00000125)
    ('$0.0075', '$1,234.50', '$0.00000125')
    """
    return MISSING if _missing(value) else _dollars(float(value))


def format_list(value: Any) -> str:
    """A list cell as text: ``['llm', 'search']`` -> ``'llm, search'``; empty or missing -> ``'–'``.

    >>> format_list(["llm", "search"]), format_list([])
    ('llm, search', '–')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    items = [str(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    return ", ".join(items) if items else MISSING


def format_score(value: Any) -> str:
    return MISSING if _missing(value) else f"{float(value):.0f}"


def page_html(
    frame: pd.DataFrame,
    columns: Sequence[tuple[str, str, Callable[[Any], str]]],
    *,
    highlight: str | None = None,
) -> str:
    """An HTML table of ``frame`` (already one page): ``(column, header, formatter)`` per column
    present; the row whose ``model_id`` is ``highlight`` is bold."""
    shown = [(c, h, f) for c, h, f in columns if c in frame.columns]
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(h)}</th>" for _, h, f in shown)
    cells = {c: [f(v) for v in frame[c].astype(object).tolist()] for c, _, f in shown}
    ids = frame["model_id"].astype(object).tolist() if "model_id" in frame.columns else [None] * len(frame)
    rows = []
    for i in range(len(frame)):
        weight = "font-weight:bold;" if highlight is not None and ids[i] == highlight else ""
        tds = "".join(f"<td style='padding:2px 8px;{weight}'>{html.escape(cells[c][i])}</td>" for c, _, _ in shown)
        rows.append(f"<tr>{tds}</tr>")
    return f"<table style='border-collapse:collapse;font-size:12px'><tr>{head}</tr>{''.join(rows)}</table>"


def error_html(message: str) -> str:
    return f"<span style='color:#b00'>{html.escape(message)}</span>"


def badge_html(count: int, checked: int) -> str:
    """A small badge: how many quality findings (errors and warnings) the matches have."""
    color = "#2a7d2a" if count == 0 else "#b36b00"
    text = "no quality warnings" if count == 0 else f"{count:,} quality warning{'s' if count != 1 else ''}"
    return (
        f"<span title='ahf.quality_report: findings of severity error or warning among the {checked:,} "
        f"matches' style='background:{color};color:white;border-radius:9px;padding:1px 8px;"
        f"font-size:11px'>{text}</span>"
    )
