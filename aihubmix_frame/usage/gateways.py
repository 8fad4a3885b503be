"""What was billed, where a record says so: LiteLLM spend logs, OpenRouter's and xAI's usage cost.

``read_usage`` adds ``billed_usd`` (Float64, USD; NA where a row does not say) after the canonical
columns when the log carries one of these, and keeps the source field as it is:

| source | field | billed_usd |
|---|---|---|
| LiteLLM proxy spend logs (``LiteLLM_SpendLogs`` rows, ``/spend/logs``) | ``spend`` | spend (USD, LiteLLM's own cost map) |
| OpenRouter responses | ``usage.cost`` | cost (credits; 1 credit = 1 USD); with ``usage.is_byok`` the upstream cost ``usage.cost_details.upstream_inference_cost`` is added |
| xAI responses | ``usage.cost_in_usd_ticks`` | ticks / 1e10 (xAI: 1 USD = 10^10 ticks) |

A LiteLLM row is recognised by ``spend`` together with ``call_type`` or ``startTime`` (the
SpendLogs columns); a bare ``spend`` column is left alone. LiteLLM's own ``model_id`` (the id of its
deployment, not of a model) is kept as ``litellm_model_id``; ``model`` is the model. A spend-log
row has ``prompt_tokens`` / ``completion_tokens`` only: a cached part of the prompt is not split
out, so the estimate bills it at the input price (above what a cache read costs) and
``billed_minus_estimate_usd`` looks lower than it is for cache-heavy traffic.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["billed_usd", "rename_gateway_columns", "BILLED_COLUMN"]

BILLED_COLUMN = "billed_usd"
_TICKS_PER_USD = 1e10


def _is_litellm(names: Any) -> bool:
    return "spend" in names and bool({"call_type", "startTime"} & set(names))


def rename_gateway_columns(columns: dict[str, Any]) -> dict[str, Any]:
    """LiteLLM's ``model_id`` (its deployment's id, not a model id) kept as ``litellm_model_id``."""
    if "model_id" not in columns or not _is_litellm(columns):
        return columns
    return {("litellm_model_id" if name == "model_id" else name): column for name, column in columns.items()}


def _float(frame: pd.DataFrame, name: str) -> pd.Series | None:
    if name not in frame.columns:
        return None
    column = frame[name]
    if not (pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)):
        if column.isna().all():
            return None
        raise ValueError(
            f"column {name!r} holds {column.dtype}, not amounts of money; it is read as what was billed: "
            "convert it to numbers, or rename it before read_usage"
        )
    values = column.astype("Float64")
    negative = (values < 0).fillna(False)
    if negative.any():
        raise ValueError(
            f"column {name!r} is negative in rows {list(frame.index[negative.to_numpy()][:5])}; a billed "
            "amount must be >= 0: fix or drop those rows"
        )
    return values


def billed_usd(frame: pd.DataFrame) -> tuple[pd.Series | None, dict[str, Any]]:
    """(billed USD per row or None, a note of the fields used) for a frame read from a request log."""
    parts: list[pd.Series] = []
    sources: dict[str, int] = {}
    spend = _float(frame, "spend") if _is_litellm(frame.columns) else None
    if spend is not None:
        parts.append(spend)
        sources["spend (LiteLLM)"] = int(spend.notna().sum())
    cost = _float(frame, "usage.cost")
    if cost is not None:
        byok = frame.get("usage.is_byok")
        upstream = _float(frame, "usage.cost_details.upstream_inference_cost")
        if byok is not None and upstream is not None:
            mask = byok.astype("boolean").fillna(False).to_numpy(dtype=bool)
            cost = cost.where(~mask, cost + upstream.fillna(0))
            sources["usage.cost_details.upstream_inference_cost (OpenRouter BYOK)"] = int(mask.sum())
        parts.append(cost)
        sources["usage.cost (OpenRouter)"] = int(cost.notna().sum())
    ticks = _float(frame, "usage.cost_in_usd_ticks")
    if ticks is not None:
        parts.append(ticks / _TICKS_PER_USD)
        sources["usage.cost_in_usd_ticks (xAI)"] = int(ticks.notna().sum())
    if not parts:
        return None, {}
    billed = parts[0]
    for part in parts[1:]:
        billed = billed.fillna(part)
    billed = pd.Series(billed.array, index=frame.index, name=BILLED_COLUMN, dtype="Float64")
    return billed, {"fields": sources, "rows_with_billed": int(np.sum(billed.notna().to_numpy()))}
