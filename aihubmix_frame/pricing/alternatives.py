"""Cheaper equivalents: the models that can do what one model does, with their prices and the ratio to it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..placeholders import implausible_price_mask
from .kernel import price_rows
from .table import KINDS, price_table

__all__ = ["alternatives", "capabilities", "MERGED_FEATURES"]

#: Features treated as one capability unless ``tools_equivalent=False``.
MERGED_FEATURES: dict[str, str] = {"function_calling": "tools"}
_SETS = ("types", "features", "input_modalities")


def _cells(frame: pd.DataFrame, column: str) -> list[frozenset[str]]:
    if column not in frame.columns:
        return [frozenset()] * len(frame)
    return [frozenset(c) if c is not None and not isinstance(c, float) else frozenset() for c in frame[column]]


def capabilities(frame: pd.DataFrame, *, tools_equivalent: bool = True) -> dict[str, list[frozenset[str]]]:
    """Per model: its types, features (``function_calling`` read as ``tools`` unless told) and input modalities."""
    out = {column: _cells(frame, column) for column in _SETS}
    if tools_equivalent:
        out["features"] = [frozenset(MERGED_FEATURES.get(f, f) for f in cell) for cell in out["features"]]
    return out


def _reference_cost(table: Any, n: int, input_tokens: float, output_tokens: float) -> np.ndarray:
    columns = {kind: np.zeros(n) for kind in KINDS}
    columns["input"][:] = input_tokens
    columns["output"][:] = output_tokens
    positions = np.arange(n, dtype=np.intp)
    costs, _ = price_rows(table, n, lambda lo, hi: positions[lo:hi], columns, None, inclusive=True)
    return costs[-1].to_numpy(dtype=float, na_value=np.nan)


def alternatives(
    catalog: pd.DataFrame,
    model_id: str,
    *,
    prompt_tokens: float | None = None,
    input_tokens: float | None = None,
    output_tokens: float = 1_000,
    tools_equivalent: bool = True,
    include_deprecated: bool = False,
    include_free: bool = True,
    include_implausible: bool = False,
) -> pd.DataFrame:
    """The models that can do what ``model_id`` does, cheapest first (``df.aihub.alternatives``).

    "Can do what it does" means the same capabilities (type, features, input modalities, context),
    not the same quality: the catalog has no measure of quality.

    A candidate qualifies when it has every type, feature and input modality of the model (same or
    wider; ``tools`` and ``function_calling`` count as one capability unless
    ``tools_equivalent=False``) and a known context length of at least ``prompt_tokens`` (default:
    the model's own context length, when known). Left out: the model itself, models without a price,
    models not priced per token (:func:`aihubmix_frame.placeholders.not_per_token_mask`), deprecated
    ones (``retire_stage == "deprecated"``) unless ``include_deprecated=True``, free ones if
    ``include_free=False``, and models with an implausible (unit-slip) price
    (:func:`aihubmix_frame.placeholders.implausible_price_mask`) unless ``include_implausible=True``
    (``attrs["aihubmix"]["left_out"]`` counts them), so ``reprice(to="cheapest_equivalent")`` never
    moves a log onto a price typo. Prices are compared on one reference request of ``input_tokens``
    (default ``prompt_tokens``, else 1,000) and ``output_tokens`` (1,000) tokens: ``reference_cost_usd``
    and ``price_ratio`` (candidate / model; below 1 is cheaper). Columns: ``model_id``, the four
    ``*_usd_per_1m`` prices, ``context_length``, ``reference_cost_usd``, ``price_ratio``, ``free``,
    ``deprecated``, ``types``, ``features``, ``input_modalities``.

    >>> import aihubmix_frame as ahf
    >>> alt = alternatives(ahf.load_snapshot(), "gpt-4o", prompt_tokens=100_000)
    >>> bool(alt["price_ratio"].is_monotonic_increasing), bool((alt["context_length"] >= 100_000).all())
    (True, True)
    """
    schema.require_columns(catalog, ("model_id", *schema.PRICE_COLUMNS), needed_for="alternatives")
    table = price_table(catalog, needed_for="alternatives")
    row = table.row_of(model_id)
    n = table.n_models
    caps = capabilities(catalog, tools_equivalent=tools_equivalent)
    need = prompt_tokens if prompt_tokens is not None else table.context[row]
    if prompt_tokens is not None and (isinstance(prompt_tokens, bool) or not prompt_tokens >= 0):
        raise ValueError(f"prompt_tokens must be a number >= 0, got {prompt_tokens!r}")
    keep = np.array([all(caps[c][i] >= caps[c][row] for c in _SETS) for i in range(n)], dtype=bool)
    keep[row] = False
    if not math.isnan(need):
        keep &= table.context[:n] >= need  # NaN (unknown context) fails
    keep &= ~table.unpriced[:n] & ~table.placeholder[:n]
    deprecated = np.zeros(n, dtype=bool)
    if "retire_stage" in catalog.columns:
        deprecated = (catalog["retire_stage"].astype("string") == "deprecated").fillna(False).to_numpy(dtype=bool)
    if not include_deprecated:
        keep &= ~deprecated
    if not include_free:
        keep &= ~table.free[:n]
    left_out = 0
    if not include_implausible and n:
        implausible = implausible_price_mask(catalog)
        left_out = int((keep & implausible).sum())
        keep &= ~implausible
    reference_input = input_tokens if input_tokens is not None else (prompt_tokens or 1_000)
    cost = _reference_cost(table, n, reference_input, output_tokens)
    own = cost[row] if not table.placeholder[row] else math.nan
    positions = np.flatnonzero(keep)
    chosen = catalog.iloc[positions]
    result = pd.DataFrame({"model_id": chosen["model_id"].astype("string").array}, index=chosen.index)
    for column in schema.PRICE_COLUMNS:
        result[column] = chosen[column].astype("Float64")
    result["context_length"] = chosen["context_length"].astype("Int64") if "context_length" in chosen else pd.NA
    result["reference_cost_usd"] = pd.array(cost[positions], dtype="Float64")
    ratio = cost[positions] / own if own and not math.isnan(own) else np.full(len(positions), np.nan)
    result["price_ratio"] = pd.array(ratio, dtype="Float64")
    result["free"] = table.free[positions]
    result["deprecated"] = deprecated[positions]
    for column in _SETS:
        if column in chosen.columns:
            result[column] = chosen[column]
    result = result.sort_values("reference_cost_usd", kind="stable")
    result.attrs = {
        "aihubmix": {
            "alternatives_of": model_id,
            "reference_request": {"input_tokens": reference_input, "output_tokens": output_tokens},
            "reference_cost_usd": None if math.isnan(own) else float(own),
            "min_context": None if math.isnan(need) else need,
            "tools_equivalent": tools_equivalent,
            "left_out": {"implausible_price": left_out},
        }
    }
    return result
