"""The ModelPicker's summary wiring: the match line, the quality badge's counts, the price map it draws."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ... import schema
from ..formatting import badge_html, error_html

__all__ = ["draw_price_map", "quality_counts", "summary_html", "badge_for"]


def draw_price_map(frame: pd.DataFrame, ax: Any) -> Any:
    """The price map of ``frame`` on ``ax`` (the PlotPane's drawing function)."""
    from ...plot import price_map

    return price_map(frame, label_cheapest=5, ax=ax)


def quality_counts(frame: pd.DataFrame) -> pd.Series:
    """Findings of severity error or warning per row of ``frame`` (by index label)."""
    from ...quality import quality_report

    report = quality_report(frame)
    serious = report[report["severity"].isin(["error", "warning"]).to_numpy(dtype=bool)]
    per_id = serious["model_id"].astype(str).value_counts()
    counts = frame["model_id"].astype(str).map(per_id).fillna(0).to_numpy(dtype=np.int64)
    return pd.Series(counts, index=frame.index)


def summary_html(matches: int, total: int, error: str | None) -> str:
    """The line above the table: how many of ``total`` models match, or the ``error``."""
    if error is not None:
        return error_html(error)
    return f"<b>{matches:,}</b> of {total:,} models match; prices in {schema.PRICE_UNIT}, context in tokens"


def badge_for(issues: pd.Series, result: pd.DataFrame) -> str:
    """The quality badge of ``result``: the errors and warnings of ``issues`` among its rows."""
    count = int(issues.reindex(result.index).sum()) if issues.index.is_unique else 0
    return badge_html(count, len(result))
