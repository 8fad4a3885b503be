"""Prices that are not real prices: models not priced per token (image, video, placeholders), free models, and
implausible (unit-slip) prices."""

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
    "IMPLAUSIBLE_PRICE_FLOOR",
    "IMPLAUSIBLE_PRICE_FACTOR",
    "implausible_price_reasons",
    "implausible_price_mask",
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


#: A positive token price below this (USD per 1M tokens) is not a plausible rate for any model
#: priced per token: the cheapest real rates (small embedding models, flash LLMs) are about $0.005.
IMPLAUSIBLE_PRICE_FLOOR: float = 0.001
#: A price this many times below the cheapest other paid model of the same family or vendor is a
#: unit-slip suspect.
IMPLAUSIBLE_PRICE_FACTOR: float = 100.0


def _cheapest_other(codes: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """Per row, the lowest positive price among the *other* rows of its group (``codes`` from
    ``pd.factorize``; -1: no group): the group minimum, except for the row that alone holds it,
    which gets the group's second-lowest price (NaN when there is none)."""
    groups = int(codes.max()) + 1 if len(codes) else 0
    grouped = codes >= 0
    price = np.where(prices > 0, prices, np.inf)
    lowest = np.full(groups, np.inf)
    np.minimum.at(lowest, codes[grouped], price[grouped])
    row_lowest = np.where(grouped, lowest[np.where(grouped, codes, 0)], np.inf)
    is_lowest = grouped & (price == row_lowest) & np.isfinite(price)
    holders = np.zeros(groups, dtype=np.int64)
    np.add.at(holders, codes[is_lowest], 1)
    second = np.full(groups, np.inf)
    rest = grouped & ~is_lowest
    np.minimum.at(second, codes[rest], price[rest])
    safe = np.where(grouped, codes, 0)
    alone = is_lowest & (holders[safe] == 1)
    out = np.where(alone, second[safe], row_lowest)
    out[~grouped] = np.inf
    return np.where(np.isinf(out), np.nan, out)


def implausible_price_reasons(frame: pd.DataFrame) -> np.ndarray:
    """Why each model's token price is implausible (a unit-slip suspect), or ``""`` when it is not.

    The rule (documented in the ``implausible_price`` quality check): a model priced per token (not
    :func:`not_per_token_mask`) is implausible when

    1. its input or output price is above 0 and below :data:`IMPLAUSIBLE_PRICE_FLOOR` ($0.001 per
       1M tokens), or
    2. its input or output price is above 0 and :data:`IMPLAUSIBLE_PRICE_FACTOR` (100) times below
       the cheapest paid price of that kind among the *other* models of its family (``family_id``)
       or of its vendor (``vendor``), when the catalog serves those columns.

    A price of 0 is a free model, not an implausible one. On the bundled 2026-07-02 snapshot (which
    predates ``vendor`` and ``variant_of``) the rule flags 3 models, each about 1,000x below the
    provider's list price: ``llama3-groq-8b-8192-tool-use-preview`` (0.00019), ``yi-vl-plus``
    (0.000852) and ``llama3-groq-70b-8192-tool-use-preview`` (0.00089).

    >>> from aihubmix_frame import catalog_to_frame
    >>> df = catalog_to_frame([
    ...     {"model_id": "slip", "types": "llm", "pricing": {"input": 0.0002, "output": 0.0002}},
    ...     {"model_id": "glm-5", "vendor": "zhipu", "pricing": {"input": 1, "output": 3}},
    ...     {"model_id": "glm-5-cheap", "vendor": "zhipu", "pricing": {"input": 0.005, "output": 0.03}},
    ...     {"model_id": "free", "pricing": {"input": 0, "output": 0}}])
    >>> implausible_price_reasons(df).tolist()[:2]
    ['input price 0.0002 USD per 1M tokens is below 0.001', '']
    >>> implausible_price_reasons(df)[2]
    'input price 0.005 is 200x below the cheapest other zhipu model (1)'
    """
    schema.require_columns(frame, ("model_id", *schema.PRICE_COLUMNS), needed_for="the implausible-price rule")
    n = len(frame)
    reasons = np.full(n, "", dtype=object)
    if not n:
        return reasons
    per_token = ~not_per_token_mask(frame)
    groups = []
    for column in ("family_id", "vendor"):
        if column in frame.columns:
            values = frame[column].astype("string")
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            keys = values.fillna("").to_numpy(dtype=object)
            if len(uniques) < int((codes >= 0).sum()):  # some group has two members: worth comparing
                groups.append((column, keys, codes))
    for kind in ("input", "output"):
        prices = frame[f"{kind}_usd_per_1m"].to_numpy(dtype=float, na_value=np.nan)
        low = per_token & (prices > 0) & (prices < IMPLAUSIBLE_PRICE_FLOOR)
        for row in np.flatnonzero(low & (reasons == "")):
            reasons[row] = f"{kind} price {prices[row]:g} USD per 1M tokens is below {IMPLAUSIBLE_PRICE_FLOOR:g}"
        for column, keys, codes in groups:
            cheapest = _cheapest_other(codes, prices)
            slip = per_token & (prices > 0) & (prices * IMPLAUSIBLE_PRICE_FACTOR < cheapest)
            what = "family" if column == "family_id" else ""
            for row in np.flatnonzero(slip & (reasons == "")):
                label = f"{keys[row]} {what}".strip() if what else f"{keys[row]}"
                reasons[row] = (
                    f"{kind} price {prices[row]:g} is {cheapest[row] / prices[row]:.0f}x below the cheapest "
                    f"other {label} model ({cheapest[row]:g})"
                )
    return reasons


def implausible_price_mask(frame: pd.DataFrame) -> np.ndarray:
    """True where :func:`implausible_price_reasons` finds a reason: a unit-slip suspect price.

    >>> import aihubmix_frame as ahf
    >>> df = ahf.load_snapshot()
    >>> sorted(df.loc[implausible_price_mask(df), "model_id"])
    ['llama3-groq-70b-8192-tool-use-preview', 'llama3-groq-8b-8192-tool-use-preview', 'yi-vl-plus']
    """
    return implausible_price_reasons(frame) != ""
