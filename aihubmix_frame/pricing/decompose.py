"""Price versus volume: how much of a cost change between periods came from prices, how much from usage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .table import KINDS

__all__ = ["volume_columns", "price_volume_effects", "EFFECT_COLUMNS"]

#: The columns :func:`price_volume_effects` adds (Float64, USD).
EFFECT_COLUMNS = ("cost_change_usd", "price_effect_usd", "volume_effect_usd")
_VOLUME = "__volume_{}"


def volume_columns(frame: pd.DataFrame, *, input_includes_cache: bool) -> dict[str, np.ndarray]:
    """Billed tokens of each kind per row (uncached input, cache read, cache write, output) x requests.

    The convention is the row's ``input_includes_cache`` column when there is one, else the argument.
    """
    missing = [c for c in ("input_tokens", "output_tokens") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"price_volume=True needs the token columns {missing} (the canonical names); rename them before summarizing"
        )

    def counts(name: str) -> np.ndarray:
        if name not in frame.columns:
            return np.zeros(len(frame))
        return frame[name].to_numpy(dtype=float, na_value=np.nan)

    requests = counts("requests") if "requests" in frame.columns else np.ones(len(frame))
    read, write = counts("cache_read_tokens"), counts("cache_write_tokens")
    inclusive = (
        frame["input_includes_cache"].to_numpy(dtype=bool)
        if "input_includes_cache" in frame.columns
        else np.full(len(frame), bool(input_includes_cache))
    )
    uncached = counts("input_tokens") - np.where(inclusive, read + write, 0)
    volumes = {"input": uncached, "cache_read": read, "cache_write": write, "output": counts("output_tokens")}
    return {_VOLUME.format(kind): volumes[kind] * requests for kind in KINDS}


def price_volume_effects(summary: pd.DataFrame, keys: list[str], period: str) -> pd.DataFrame:
    """Add ``cost_change_usd`` (total minus the key's previous period with rows), ``volume_effect_usd``
    (the change in billed tokens of each kind at the previous unit price) and ``price_effect_usd``
    (the change in unit price of each kind times the new tokens). The two effects add up to the change
    exactly; a change in tier or cache mix within a kind shows as price. The first period of a key
    has NA effects. The volume columns are removed.
    """
    result = summary.sort_values([*keys, period], kind="stable")
    price_effect = np.zeros(len(result))
    volume_effect = np.zeros(len(result))
    for kind in KINDS:
        cost = result[f"{kind}_cost_usd"].to_numpy(dtype=float, na_value=np.nan)
        volume = result.pop(_VOLUME.format(kind)).to_numpy(dtype=float)
        frame = pd.DataFrame({"cost": cost, "volume": volume}, index=result.index)
        previous = (
            frame.groupby([result[k] for k in keys], sort=False, dropna=False).shift(1) if keys else frame.shift(1)
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            price_now = np.where(volume > 0, cost / volume, 0.0)
            prev_volume = previous["volume"].to_numpy(dtype=float)
            price_before = np.where(prev_volume > 0, previous["cost"].to_numpy(dtype=float) / prev_volume, price_now)
        volume_effect += (volume - prev_volume) * price_before
        price_effect += (price_now - price_before) * volume
    total = result["total_cost_usd"].to_numpy(dtype=float, na_value=np.nan)
    previous_total = (
        pd.Series(total, index=result.index).groupby([result[k] for k in keys], sort=False, dropna=False).shift(1)
        if keys
        else pd.Series(total, index=result.index).shift(1)
    ).to_numpy(dtype=float)
    result["cost_change_usd"] = pd.array(total - previous_total, dtype="Float64")
    result["price_effect_usd"] = pd.array(price_effect, dtype="Float64")
    result["volume_effect_usd"] = pd.array(volume_effect, dtype="Float64")
    for column in EFFECT_COLUMNS:  # NaN (first period, NA cost) -> NA
        result[column] = result[column].mask(result[column].isna() | np.isnan(previous_total))
    return result.sort_index()
