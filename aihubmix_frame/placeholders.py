"""Prices that are not real prices: placeholder token prices of image and video models, and free models."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema

__all__ = ["PLACEHOLDER_PRICES", "PLACEHOLDER_TYPES", "placeholder_price_mask", "free_price_mask"]


#: Token prices that image and video models carry as placeholders: the real per-image or
#: per-second price is not in this API (26 of 31 video and 36 of 45 image models, 2026-07-02).
PLACEHOLDER_PRICES: frozenset[tuple[float, float]] = frozenset({(2.0, 0.0), (2.0, 2.0)})
PLACEHOLDER_TYPES: tuple[str, ...] = ("image_generation", "video")


def placeholder_price_mask(frame: pd.DataFrame) -> np.ndarray:
    """True where a model's token prices are a known placeholder, not a real price.

    A model counts when it is an image or video model and its (input, output) price in USD per 1M
    tokens is (2, 0) or (2, 2). Such prices must never be presented as real.

    >>> from aihubmix_frame import catalog_to_frame
    >>> df = catalog_to_frame([
    ...     {"model_id": "v", "types": "video", "pricing": {"input": 2, "output": 0}},
    ...     {"model_id": "l", "types": "llm", "pricing": {"input": 2, "output": 2}}])
    >>> placeholder_price_mask(df).tolist()
    [True, False]
    """
    from .filters import list_contains

    media = list_contains(frame["types"], PLACEHOLDER_TYPES, require_all=False)
    prices = np.zeros(len(frame), dtype=bool)
    inputs = frame["input_usd_per_1m"].to_numpy(dtype=float, na_value=np.nan)
    outputs = frame["output_usd_per_1m"].to_numpy(dtype=float, na_value=np.nan)
    for placeholder_in, placeholder_out in PLACEHOLDER_PRICES:
        prices |= (inputs == placeholder_in) & (outputs == placeholder_out)
    return media & prices


def free_price_mask(frame: pd.DataFrame) -> np.ndarray:
    """True where a model is free: its input and output prices are known and every price is 0 or absent.

    The same rule as the price table's ``free`` flag (a model without a price is not free: unknown).

    >>> from aihubmix_frame import catalog_to_frame
    >>> df = catalog_to_frame([
    ...     {"model_id": "free", "pricing": {"input": 0, "output": 0}},
    ...     {"model_id": "paid", "pricing": {"input": 0, "output": 1}},
    ...     {"model_id": "unknown"}])
    >>> free_price_mask(df).tolist()
    [True, False, False]
    """
    schema.require_columns(frame, schema.PRICE_COLUMNS, needed_for="the free-model rule")
    prices = {c: frame[c].to_numpy(dtype=float, na_value=np.nan) for c in schema.PRICE_COLUMNS}
    known = ~np.isnan(prices["input_usd_per_1m"]) & ~np.isnan(prices["output_usd_per_1m"])
    zero_or_absent = np.logical_and.reduce([(v == 0) | np.isnan(v) for v in prices.values()])
    return known & zero_or_absent
