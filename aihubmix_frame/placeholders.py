"""Prices that are not real prices: models not priced per token (image, video, placeholders), and free models."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema
from .lists import list_contains

__all__ = [
    "PLACEHOLDER_PRICES",
    "PLACEHOLDER_TYPES",
    "NOT_PER_TOKEN_ID_PATTERNS",
    "NOT_PER_TOKEN_OUTPUTS",
    "placeholder_price_mask",
    "not_per_token_mask",
    "free_price_mask",
]


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
    media = list_contains(frame["types"], PLACEHOLDER_TYPES, require_all=False)
    prices = np.zeros(len(frame), dtype=bool)
    inputs = frame["input_usd_per_1m"].to_numpy(dtype=float, na_value=np.nan)
    outputs = frame["output_usd_per_1m"].to_numpy(dtype=float, na_value=np.nan)
    for placeholder_in, placeholder_out in PLACEHOLDER_PRICES:
        prices |= (inputs == placeholder_in) & (outputs == placeholder_out)
    return media & prices


#: Model id fragments (case-insensitive) of image and video services billed per image or per second.
NOT_PER_TOKEN_ID_PATTERNS: tuple[str, ...] = (
    "dall-e",
    "cogview",
    "flux",
    "midjourney",
    "stable-diffusion",
    "imagen-",
    "veo-",
    "sora-",
    "kling",
    "seedance",
    "seedream",
    "ideogram",
    "recraft",
)
#: Output modalities that, without ``text``, mean a model produces media, not tokens.
NOT_PER_TOKEN_OUTPUTS: tuple[str, ...] = ("image", "video")
_ID_RULE = re.compile("|".join(re.escape(p) for p in NOT_PER_TOKEN_ID_PATTERNS))


def not_per_token_mask(frame: pd.DataFrame) -> np.ndarray:
    """True where a model is not priced per token, so a token-rate cost of it would not be real.

    One rule, any of four signals:

    1. ``types`` hold ``image_generation`` or ``video`` and not ``llm`` (a media model; an
       ``image_generation,llm`` model such as gemini-3-pro-image is priced per token);
    2. ``output_modalities`` hold ``image`` or ``video`` and not ``text`` (when the API sends them);
    3. the id contains one of :data:`NOT_PER_TOKEN_ID_PATTERNS` (``dall-e``, ``cogview``, ``flux``,
       ``midjourney``, ``stable-diffusion``, ``imagen-``, ``veo-``, ``sora-``, ``kling``, ``seedance``,
       ``seedream``, ``ideogram``, ``recraft``), which catches untyped ones (``cogview-3``,
       ``flux-kontext-max``);
    4. a placeholder price (:func:`placeholder_price_mask`).

    On the bundled 2026-07-02 snapshot it flags 80 of 804 models: the 76 image-only and video
    models (dall-e-3, dall-e-2, gpt-image-1 and sora-2 among them; 67 of them carry a placeholder
    price) and 4 untyped ones matched by their ids (cogview-3, cogview-3-plus, flux-kontext-max,
    fx-flux-2-pro). The API sends no ``output_modalities`` in that snapshot.

    >>> from aihubmix_frame import catalog_to_frame
    >>> df = catalog_to_frame([
    ...     {"model_id": "cogview-3", "pricing": {"input": 35.5, "output": 35.5}},
    ...     {"model_id": "sora-x", "types": "video", "pricing": {"input": 7, "output": 7}},
    ...     {"model_id": "gemini-3-pro-image", "types": "image_generation,llm", "pricing": {"input": 2, "output": 12}},
    ...     {"model_id": "gpt-4o", "types": "llm", "pricing": {"input": 2.5, "output": 10}}])
    >>> not_per_token_mask(df).tolist()
    [True, True, False, False]
    """
    n = len(frame)
    mask = np.zeros(n, dtype=bool)
    if "types" in frame.columns:
        mask |= list_contains(frame["types"], PLACEHOLDER_TYPES, require_all=False) & ~list_contains(
            frame["types"], ("llm",)
        )
        mask |= placeholder_price_mask(frame)
    if "output_modalities" in frame.columns:
        mask |= list_contains(frame["output_modalities"], NOT_PER_TOKEN_OUTPUTS, require_all=False) & ~list_contains(
            frame["output_modalities"], ("text",)
        )
    ids = pa.array(frame["model_id"].astype("string").fillna("").tolist(), type=pa.string())
    mask |= np.asarray(pc.match_substring_regex(ids, _ID_RULE.pattern, ignore_case=True))
    return mask


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
