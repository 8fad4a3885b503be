"""The ModelPicker's page table: its columns and one page of matches rendered as HTML."""

from __future__ import annotations

import pandas as pd

from ..formatting import format_list, format_price, format_score, format_tokens, page_html

__all__ = ["PAGE_COLUMNS", "table_html"]

PAGE_COLUMNS = (
    ("model_id", "model", str),
    ("score", "match", format_score),
    ("types", "types", format_list),
    ("features", "features", format_list),
    ("input_modalities", "modalities", format_list),
    ("context_length", "context", format_tokens),
    ("max_output", "max output", format_tokens),
    ("input_usd_per_1m", "input price", format_price),
    ("output_usd_per_1m", "output price", format_price),
    ("cache_read_usd_per_1m", "cache read", format_price),
)


def table_html(shown: pd.DataFrame, highlight: str | None, page: int, pages: int, rows: int) -> str:
    """One page of matches, ``highlight`` marked, with the page line under it."""
    return page_html(shown, PAGE_COLUMNS, highlight=highlight) + (
        f"<div style='font-size:11px;color:#666'>page {page} of {pages} ({rows} rows a page)</div>"
    )
