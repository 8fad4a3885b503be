"""The price table: a catalog's prices as flat arrays, with the billing fallbacks and model flags computed once.

Prices are USD per 1M tokens. Per model: base prices and context tiers (``price_tiers``, sorted by
size); a price a tier lacks is the base price of that kind; a cache price missing from both is the
input price of that level (and flagged, so that costs can say so). The placeholder flag (image and
video models whose token prices are not real) and the free flag are computed here and nowhere else.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..errors import NotACatalogError, PriceWarning, SchemaError
from ..placeholders import not_per_token_mask
from .model_ids import family_key, resolve_by_rules

__all__ = [
    "PriceTable",
    "price_table",
    "is_catalog_frame",
    "suggest_model_ids",
    "KINDS",
    "CACHE_KINDS",
    "PER_TOKEN",
    "CATALOG_PRICE_COLUMNS",
]

#: Token kinds in billing order; each has a price column and a cost column.
KINDS: tuple[str, ...] = ("input", "cache_read", "cache_write", "output")
CACHE_KINDS: tuple[str, ...] = ("cache_read", "cache_write")
PER_TOKEN = 1e-6  # a price in USD per 1M tokens x PER_TOKEN = USD per token
#: The catalog columns pricing needs.
CATALOG_PRICE_COLUMNS: tuple[str, ...] = ("model_id", *schema.PRICE_COLUMNS)


@dataclass(frozen=True, eq=False)
class PriceTable:
    """A catalog's prices as flat arrays, for vectorised lookup by (model row, tier level).

    Row ``n_models`` is the "unknown model" row: every price there is NaN, so unknown ids cost NA.
    Level 0 is the base price; level ``j`` is the ``j``-th context tier (sorted by size).
    ``prices[kind]`` is USD per token (the catalog's per-1M price x 1e-6) and ``per_1m[kind]`` USD
    per 1M tokens, flat over (row, level), with the billing fallbacks applied: a price a tier lacks is
    the base price of that kind; a cache price missing from both is the level's input price
    (``fallback[kind]`` marks those). ``base_prices`` is level 0 per row, for the untiered fast path;
    ``catalog_usd_per_1m`` the catalog's own base prices (NaN where absent), for notes.
    Per row (``n_models + 1`` entries, the unknown row False): ``unpriced`` (no input or output
    price), ``placeholder`` (an image or video model's placeholder price, not a real one) and
    ``free`` (priced, every base price 0 or absent).
    """

    model_ids: tuple[str, ...]
    lookup_ids: pa.Array
    lookup_rows: np.ndarray | None
    levels: int
    sizes: np.ndarray
    has_tiers: np.ndarray
    prices: dict[str, np.ndarray]
    per_1m: dict[str, np.ndarray]
    fallback: dict[str, np.ndarray]
    fallback_models: dict[str, np.ndarray]
    unpriced: np.ndarray
    nan_models: np.ndarray
    base_prices: dict[str, np.ndarray]
    base_fallback: dict[str, np.ndarray]
    placeholder: np.ndarray
    free: np.ndarray
    catalog_usd_per_1m: dict[str, np.ndarray]
    context: np.ndarray
    withheld: np.ndarray
    _value_sets: dict[Any, pa.Array] = field(default_factory=dict, repr=False)

    @property
    def n_models(self) -> int:
        return len(self.model_ids)

    def row_of(self, model_id: str) -> int:
        """Catalog row of an exact model id; ``ValueError`` with suggestions when it is not there."""
        codes = self.lookup(pa.array([model_id], type=pa.large_string()))
        row = int(codes[0])
        if row == self.n_models:
            raise ValueError(
                f"model id {model_id!r} is not in the catalog{suggest_model_ids(model_id, self.model_ids)}; "
                "ids match exactly (case-sensitive)"
            )
        return row

    def lookup(self, ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Catalog row of each id (exact, case-sensitive); ``n_models`` where the id is unknown or null."""
        value_set = self._value_sets.get(ids.type)
        if value_set is None:
            value_set = self.lookup_ids.cast(ids.type) if ids.type != self.lookup_ids.type else self.lookup_ids
            self._value_sets[ids.type] = value_set
        found = pc.index_in(ids, value_set=value_set)
        missing = len(self.lookup_ids)
        if found.null_count:
            found = pc.fill_null(found, missing)
        codes = found.to_numpy(zero_copy_only=False) if isinstance(found, pa.ChunkedArray) else found.to_numpy()
        if self.lookup_rows is not None:
            return self.lookup_rows[codes]
        return codes.astype(np.intp, copy=False)

    def withhold_non_token(self) -> PriceTable:
        """This table with every model not priced per token made NA (its ``withheld`` flag set)."""
        rows = self.placeholder
        if not rows.any():
            return self
        flat = np.repeat(rows, self.levels)

        def blank(array: np.ndarray, mask: np.ndarray) -> np.ndarray:
            out = array.copy()
            out[mask] = np.nan
            return out

        return dataclasses.replace(
            self,
            prices={k: blank(v, flat) for k, v in self.prices.items()},
            per_1m={k: blank(v, flat) for k, v in self.per_1m.items()},
            base_prices={k: blank(v, rows) for k, v in self.base_prices.items()},
            nan_models=self.nan_models | rows,
            withheld=rows.copy(),
            _value_sets={},
        )

    def level_of(self, row: int, prompt_tokens: float) -> int:
        """Tier level that bills a prompt of this size on this model (0: the base prices)."""
        return int((self.sizes[row] < prompt_tokens).sum()) if self.has_tiers[row] else 0

    def price_usd_per_1m(self, kind: str, row: int, level: int = 0) -> float:
        """The price that bills ``kind`` tokens at this tier level, cache fallback applied."""
        return float(self.per_1m[kind][row * self.levels + level])


def is_catalog_frame(obj: Any) -> bool:
    """True for a pandas DataFrame with the catalog's ``model_id`` and price columns.

    >>> import pandas as pd, aihubmix_frame as ahf
    >>> is_catalog_frame(ahf.load_snapshot()), is_catalog_frame(pd.DataFrame({"model_id": ["gpt-4o"]}))
    (True, False)
    """
    return isinstance(obj, pd.DataFrame) and all(c in obj.columns for c in CATALOG_PRICE_COLUMNS)


def suggest_model_ids(model_id: Any, known: tuple[str, ...] | list[str]) -> str:
    """``"; did you mean ..."`` for an unknown id, never another model family; else ``""``.

    In order: ids differing only in case; the id the resolution rules reach
    (:mod:`~aihubmix_frame.pricing.model_ids`); close spellings of the same line and generation
    (:func:`~aihubmix_frame.pricing.model_ids.same_family`): ``claude-sonnet-4-5-20250929`` is
    never offered ``claude-3-sonnet-20240229``.

    >>> suggest_model_ids("GPT-4o", ["gpt-4o", "gpt-5"])
    "; did you mean 'gpt-4o'?"
    >>> suggest_model_ids("claude-sonnet-9-9-20990101", ["claude-3-sonnet-20240229", "claude-sonnet-4-5"])
    ''
    """
    if not isinstance(model_id, str):
        return ""
    folded = [k for k in known if k.lower() == model_id.lower()]
    if not folded:
        resolved = resolve_by_rules(model_id, frozenset(known))
        folded = [resolved[0]] if resolved else []
    if not folded:
        key = family_key(model_id)
        family = [k for k in known if family_key(k) == key]
        folded = difflib.get_close_matches(model_id, family, n=2, cutoff=0.6)
    return f"; did you mean {', '.join(map(repr, folded))}?" if folded else ""


def _tier_price(value: Any, model_id: str, key: str) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise SchemaError(
            f"model {model_id!r}: price tier {key!r} is {value!r}, expected a number in USD per 1M "
            "tokens; fix the catalog's price_tiers cell"
        )
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise SchemaError(
            f"model {model_id!r}: price tier {key!r} is {value!r}; prices must be finite and >= 0. "
            "Fix the catalog's price_tiers cell"
        )
    return number


def _tiers_of(cell: Any, model_id: str) -> list[tuple[float, dict[str, float]]]:
    """``price_tiers`` cell -> sorted [(size, {kind: USD per 1M or NaN})]; only context tiers."""
    if cell is None or cell is pd.NA or (isinstance(cell, float) and math.isnan(cell)):
        return []
    if isinstance(cell, (str, bytes, Mapping)) or not hasattr(cell, "__iter__"):
        raise SchemaError(
            f"model {model_id!r}: price_tiers is {type(cell).__name__}, expected a list of "
            "{input, output, cache_read, cache_write, tier: {size, type}} objects; fix the cell or "
            "rebuild the frame with catalog_to_frame()"
        )
    tiers = []
    for position, tier in enumerate(cell):
        bound = tier.get("tier") if isinstance(tier, Mapping) else None
        if not isinstance(bound, Mapping):
            raise SchemaError(
                f"model {model_id!r}: price tier {position} has no 'tier' object with its 'size'; "
                "fix the catalog's price_tiers cell"
            )
        kind = bound.get("type", "context")
        if kind not in (None, "context"):
            warnings.warn(
                f"model {model_id!r}: ignoring price tier {position} of type {kind!r} (only context "
                "tiers are understood); its requests are billed at the other prices",
                PriceWarning,
                stacklevel=4,
            )
            continue
        size = _tier_price(bound.get("size"), model_id, "tier.size")
        if math.isnan(size) or size <= 0:
            raise SchemaError(
                f"model {model_id!r}: price tier {position} needs a positive 'tier.size' (prompt "
                "tokens); fix the catalog's price_tiers cell"
            )
        tiers.append((size, {k: _tier_price(tier.get(k), model_id, k) for k in KINDS}))
    tiers.sort(key=lambda t: t[0])
    return tiers


def _base_prices(catalog: pd.DataFrame) -> dict[str, np.ndarray]:
    """The four base price columns as float arrays (NaN where absent)."""
    base = {}
    for kind, column in schema.PRICE_FIELDS.items():
        try:
            base[kind] = catalog[column].to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise SchemaError(
                f"the catalog's {column!r} column is not numeric ({exc}); prices are numbers in "
                f"{schema.PRICE_UNIT}. Rebuild the frame with catalog_to_frame() or load_catalog()"
            ) from None
        bad = np.flatnonzero(~(np.isnan(base[kind]) | ((base[kind] >= 0) & np.isfinite(base[kind]))))
        if bad.size:
            names = [str(catalog["model_id"].iloc[b]) for b in bad[:8]]
            raise SchemaError(
                f"the catalog's {column!r} is negative or infinite for {len(bad)} model(s): {names}; prices "
                f"must be finite and >= 0 ({schema.PRICE_UNIT}). Fix those cells (a hand-edited catalog?) or "
                "reload it with load_catalog()"
            )
    return base


def price_table(catalog: pd.DataFrame, *, needed_for: str = "pricing") -> PriceTable:
    """Build the :class:`PriceTable` of a catalog frame (cheap: about a millisecond per 1000 models).

    A frame without the catalog's ``model_id`` and price columns raises
    :class:`~aihubmix_frame.errors.NotACatalogError` (``needed_for`` names the caller in its
    message); bad ``price_tiers`` cells raise :class:`~aihubmix_frame.errors.SchemaError`.

    >>> import aihubmix_frame as ahf
    >>> table = price_table(ahf.load_snapshot())
    >>> row = table.row_of("gpt-4o")
    >>> table.price_usd_per_1m("input", row), table.price_usd_per_1m("cache_read", row)
    (2.5, 1.25)
    >>> bool(table.free[table.row_of("gpt-5.5-free")]), bool(table.placeholder[row])
    (True, False)
    """
    schema.require_columns(catalog, CATALOG_PRICE_COLUMNS, needed_for=needed_for)
    if not isinstance(catalog, pd.DataFrame):
        raise NotACatalogError(
            f"{needed_for} needs the catalog as a pandas DataFrame, got {type(catalog).__name__}; "
            "load it with aihubmix_frame.load_catalog() or load_snapshot() (a request log may be dask, "
            "the catalog may not)"
        )
    n = len(catalog)
    if catalog["model_id"].isna().any():
        raise SchemaError("the catalog has rows without a model_id; drop them before estimating costs")
    model_ids = tuple(str(m) for m in catalog["model_id"].tolist())
    first: dict[str, int] = {}
    for row, model_id in enumerate(model_ids):
        first.setdefault(model_id, row)  # duplicate ids: the first row prices them
    lookup_ids = pa.array(list(first), type=pa.large_string())
    lookup_rows = None
    if len(first) != n:
        lookup_rows = np.array([*first.values(), n], dtype=np.intp)

    base = _base_prices(catalog)
    tier_column = catalog["price_tiers"] if "price_tiers" in catalog.columns else None
    tiers = (
        [_tiers_of(cell, model_id) for cell, model_id in zip(tier_column, model_ids)]
        if tier_column is not None
        else [[] for _ in range(n)]
    )
    levels = 1 + max((len(t) for t in tiers), default=0)

    per_1m = {kind: np.full((n + 1, levels), np.nan) for kind in KINDS}
    fallback = {kind: np.zeros((n + 1, levels), dtype=bool) for kind in CACHE_KINDS}
    sizes = np.full((n + 1, levels - 1), np.inf)
    for kind in ("input", "output"):
        per_1m[kind][:n, 0] = base[kind]
    for kind in CACHE_KINDS:
        missing = np.isnan(base[kind])
        per_1m[kind][:n, 0] = np.where(missing, base["input"], base[kind])
        fallback[kind][:n, 0] = missing & ~np.isnan(base["input"])
    for array in (*per_1m.values(), *fallback.values()):
        array[:n, 1:] = array[:n, :1]  # levels a model has no tier for repeat its base (never selected)
    for row, row_tiers in enumerate(tiers):
        for level, (size, prices) in enumerate(row_tiers, start=1):
            sizes[row, level - 1] = size
            for kind in ("input", "output"):
                value = prices[kind]
                per_1m[kind][row, level] = base[kind][row] if math.isnan(value) else value
            for kind in CACHE_KINDS:
                value = prices[kind]
                if math.isnan(value):
                    value = base[kind][row]
                fallback[kind][row, level] = False
                if math.isnan(value):
                    value = per_1m["input"][row, level]
                    fallback[kind][row, level] = not math.isnan(value)
                per_1m[kind][row, level] = value

    unpriced = np.zeros(n + 1, dtype=bool)
    unpriced[:n] = np.isnan(base["input"]) | np.isnan(base["output"])
    placeholder = np.zeros(n + 1, dtype=bool)
    if n:
        placeholder[:n] = not_per_token_mask(catalog)
    context = np.full(n + 1, np.nan)
    if "context_length" in catalog.columns:
        context[:n] = pd.to_numeric(catalog["context_length"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    free = np.zeros(n + 1, dtype=bool)
    free[:n] = ~unpriced[:n] & np.logical_and.reduce([(base[k] == 0) | np.isnan(base[k]) for k in KINDS])
    return PriceTable(
        model_ids=model_ids,
        lookup_ids=lookup_ids,
        lookup_rows=lookup_rows,
        levels=levels,
        sizes=sizes,
        has_tiers=np.array([bool(t) for t in tiers] + [False], dtype=bool),
        prices={kind: (per_1m[kind] * PER_TOKEN).ravel() for kind in KINDS},
        per_1m={kind: per_1m[kind].ravel() for kind in KINDS},
        fallback={kind: fallback[kind].ravel() for kind in CACHE_KINDS},
        fallback_models={kind: fallback[kind].any(axis=1) for kind in CACHE_KINDS},  # type: ignore[misc]
        unpriced=unpriced,
        nan_models=np.logical_or.reduce([np.isnan(per_1m[kind]).any(axis=1) for kind in KINDS]),
        base_prices={kind: per_1m[kind][:, 0] * PER_TOKEN for kind in KINDS},
        base_fallback={kind: fallback[kind][:, 0].copy() for kind in CACHE_KINDS},
        placeholder=placeholder,
        free=free,
        catalog_usd_per_1m={kind: np.append(base[kind], np.nan) for kind in KINDS},
        context=context,
        withheld=np.zeros(n + 1, dtype=bool),
    )
