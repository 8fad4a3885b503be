"""What one request shape costs on every model: the per-model cost table, the cheapest models, cache break-even.

Prices are USD per 1M tokens; the billing rules are those of :mod:`aihubmix_frame.pricing.estimate`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ..families import family_keys
from ..filters import filter_catalog
from ..keywords import accepts_query
from ..placeholders import implausible_price_mask
from ..query import CatalogQuery
from .kernel import COST_COLUMNS, price_rows
from .table import CACHE_KINDS, KINDS, PriceTable, price_table

__all__ = ["scenario_cost", "cheapest_models", "cache_break_even", "CacheBreakEven", "NOTE_COLUMN"]

NOTE_COLUMN = "note"


def _tokens(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number of tokens, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return value  # type: ignore[return-value]  # an int count stays an int


def _scenario(
    input_tokens: Any,
    output_tokens: Any,
    cache_read_tokens: Any,
    cache_write_tokens: Any,
    requests: Any,
    input_includes_cache: Any,
) -> dict[str, float]:
    tokens = {
        "input": _tokens("input_tokens", input_tokens),
        "output": _tokens("output_tokens", output_tokens),
        "cache_read": _tokens("cache_read_tokens", cache_read_tokens),
        "cache_write": _tokens("cache_write_tokens", cache_write_tokens),
        "requests": _tokens("requests", requests),
    }
    if not isinstance(input_includes_cache, (bool, np.bool_)):
        raise TypeError(f"input_includes_cache must be True or False, got {input_includes_cache!r}")
    if input_includes_cache and tokens["cache_read"] + tokens["cache_write"] > tokens["input"]:
        raise ValueError(
            f"cache_read_tokens + cache_write_tokens ({tokens['cache_read'] + tokens['cache_write']}) exceed "
            f"input_tokens ({tokens['input']}), which cannot be with input_includes_cache=True (the input "
            "counts include cached tokens, as OpenAI's prompt_tokens do); pass input_includes_cache=False "
            "if your input count excludes them (Anthropic's usage)"
        )
    return tokens


def _prompt(tokens: dict[str, float], inclusive: bool) -> float:
    cached = tokens["cache_read"] + tokens["cache_write"]
    return tokens["input"] if inclusive else tokens["input"] + cached


def _notes(table: PriceTable, catalog: pd.DataFrame, tokens: dict[str, float], prompt: float) -> list[str]:
    """What the user must know about each model's cost, one string per catalog row ("" if nothing)."""
    context = (
        catalog["context_length"].to_numpy(dtype=float, na_value=np.nan)
        if "context_length" in catalog.columns
        else np.full(len(catalog), np.nan)
    )
    notes = []
    for row in range(table.n_models):
        level = table.level_of(row, prompt)
        parts = []
        if table.unpriced[row]:
            parts.append("no input or output price: cost unknown")
        if table.withheld[row]:
            parts.append("not priced per token (image/video model): cost NA")
        elif table.placeholder[row]:
            parts.append("not priced per token (image/video model): listed token rates, not a real price")
        if level:
            parts.append(f"tier above {table.sizes[row, level - 1]:,.0f} prompt tokens applied")
        free = table.free[row]
        for kind in CACHE_KINDS:
            if tokens[kind] > 0 and table.fallback[kind][row * table.levels + level] and not free:
                parts.append(f"no {kind} price: billed at the input price")
        if free:
            parts.append("free model")
        if not math.isnan(context[row]) and prompt > context[row]:
            parts.append(f"prompt exceeds the {context[row]:,.0f}-token context")
        notes.append("; ".join(parts))
    return notes


def scenario_cost(
    catalog: pd.DataFrame,
    input_tokens: float,
    output_tokens: float,
    cache_read_tokens: float = 0,
    cache_write_tokens: float = 0,
    requests: float = 1,
    input_includes_cache: bool = True,
    *,
    token_rate_estimates: bool = False,
) -> pd.DataFrame:
    """One row per catalog model: what ``requests`` requests of this shape cost (``df.aihub.cost``).

    Columns ``model_id``, ``input_cost_usd``, ``cache_read_cost_usd``, ``cache_write_cost_usd``,
    ``output_cost_usd``, ``total_cost_usd`` (Float64, USD), the unit prices the costs used
    (``input_usd_per_1m``, ``output_usd_per_1m``, ``cache_read_usd_per_1m``, ``cache_write_usd_per_1m``:
    the tier's prices when a tier applies, the input price where a cache price is missing),
    ``context_length`` and ``note``: what to know before trusting the number (no cache price so
    billed at the input price, not priced per token, tier applied, free model, no price, prompt
    longer than the context). Models not priced per token (image, video) cost NA unless
    ``token_rate_estimates=True``. The index is the catalog's.

    >>> import aihubmix_frame as ahf
    >>> table = scenario_cost(ahf.load_snapshot(), 2_000, 500, cache_read_tokens=1_000)
    >>> row = table.set_index("model_id").loc["gpt-4o"]
    >>> round(float(row["total_cost_usd"]), 6), row["note"]   # (1000*2.5 + 1000*1.25 + 500*10) / 1M
    (0.00875, '')
    """
    tokens = _scenario(
        input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, requests, input_includes_cache
    )
    table = price_table(catalog, needed_for="the cost table")
    if not token_rate_estimates:
        table = table.withhold_non_token()
    return _cost_table(table, catalog, tokens, bool(input_includes_cache))


def _cost_table(table: PriceTable, catalog: pd.DataFrame, tokens: dict[str, float], inclusive: bool) -> pd.DataFrame:
    """The rows of :func:`scenario_cost` for a table already built from ``catalog``."""
    n = table.n_models
    columns = {kind: np.full(n, tokens[kind], dtype=np.float64) for kind in KINDS}
    requests_column = np.full(n, tokens["requests"], dtype=np.float64)
    positions = np.arange(n, dtype=np.intp)
    costs, _ = price_rows(table, n, lambda lo, hi: positions[lo:hi], columns, requests_column, inclusive=inclusive)
    result = pd.DataFrame({"model_id": catalog["model_id"].astype("string").array}, index=catalog.index)
    for name, array in zip(COST_COLUMNS, costs):
        result[name] = array
    prompt = _prompt(tokens, inclusive)
    flat = np.array([row * table.levels + table.level_of(row, prompt) for row in range(n)], dtype=np.intp)
    for kind in ("input", "output", "cache_read", "cache_write"):
        result[f"{kind}_usd_per_1m"] = pd.array(table.per_1m[kind][flat] if n else [], dtype="Float64")
    result["context_length"] = pd.array(table.context[:n], dtype="Float64").astype("Int64")
    result[NOTE_COLUMN] = pd.array(_notes(table, catalog, tokens, _prompt(tokens, inclusive)), dtype="string")
    return result


@accepts_query(sort=False, positional=False)
def cheapest_models(
    catalog: pd.DataFrame,
    n: int = 10,
    input_tokens: float = 1_000,
    output_tokens: float = 1_000,
    cache_read_tokens: float = 0,
    cache_write_tokens: float = 0,
    requests: float = 1,
    input_includes_cache: bool = True,
    *,
    query: CatalogQuery,
    include_placeholder: bool = False,
    include_short_context: bool = False,
    include_implausible: bool = False,
    per_family: bool = False,
) -> pd.DataFrame:
    """The ``n`` models with the lowest total cost for this request shape (``df.aihub.cheapest``).

    Takes the filters of ``df.aihub.filter`` (``type``, ``modalities``, ``features``, ``model``,
    ``min_context``, ...) or ``query=``. Models not priced per token (image and video models,
    placeholder prices) are left out unless ``include_placeholder=True`` (then billed at their listed
    token rates); models whose known context length cannot hold the prompt are left out unless
    ``include_short_context=True``; deprecated models are left out unless ``include_deprecated=True``; free models (every price 0 or absent) are kept unless
    ``include_free=False``; models without a price are always left out. Both flags come from the
    :class:`~aihubmix_frame.pricing.table.PriceTable`, never from the text of the ``note`` column.
    Models with an implausible price (a unit-slip suspect such as
    ``llama3-groq-8b-8192-tool-use-preview`` at $0.00019 per 1M tokens; the rule is
    :func:`aihubmix_frame.placeholders.implausible_price_reasons`, the ``implausible_price`` quality
    check) are left out unless ``include_implausible=True``. ``per_family=True`` keeps one row per
    family (the cheapest member; :func:`aihubmix_frame.families.family_keys`: ``variant_of`` roots
    and dated snapshots). How many models each rule left out is in
    ``result.attrs["aihubmix"]["left_out"]`` (``{"implausible_price": 3, ...}``).
    Ties keep catalog order.

    >>> import aihubmix_frame as ahf
    >>> top = cheapest_models(ahf.load_snapshot(), 3, 10_000, 1_000, type="llm", features="thinking")
    >>> len(top), bool(top["total_cost_usd"].is_monotonic_increasing)
    (3, True)
    >>> paid = cheapest_models(ahf.load_snapshot(), 3, include_free=False)  # any type: the unit slips are left out
    >>> paid.attrs["aihubmix"]["left_out"], "llama3-groq-8b-8192-tool-use-preview" in set(paid["model_id"])
    ({'implausible_price': 3}, False)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a whole number >= 0, got {n!r}")
    tokens = _scenario(
        input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, requests, input_includes_cache
    )
    include_free = query.include_free is not False
    if query.include_deprecated is None and "retire_stage" in getattr(catalog, "columns", ()):
        query = query.replace(include_deprecated=False)  # a model being retired is no choice to offer
    candidates = filter_catalog(catalog, query=query) if query.selects else catalog
    table = price_table(candidates, needed_for="cheapest")
    if not include_placeholder:
        table = table.withhold_non_token()
    result = _cost_table(table, candidates, tokens, bool(input_includes_cache))
    # The flags come from the price table, computed once there; never from the text of the note.
    keep = result["total_cost_usd"].notna().to_numpy() & ~table.unpriced[:-1]
    if not include_placeholder:
        keep &= ~table.placeholder[:-1]
    if not include_free:
        keep &= ~table.free[:-1]
    left_out: dict[str, int] = {}
    if not include_implausible and len(candidates):
        implausible = implausible_price_mask(candidates)
        left_out["implausible_price"] = int((keep & implausible).sum())
        keep &= ~implausible
    if not include_short_context:
        keep &= ~(table.context[:-1] < _prompt(tokens, bool(input_includes_cache)))  # unknown context: kept
    ranked = result[keep].sort_values("total_cost_usd", kind="stable")
    if per_family and len(ranked):
        keys = family_keys(candidates).to_numpy(dtype=object)[np.flatnonzero(keep)]
        keys = pd.Series(keys, index=result.index[keep]).loc[ranked.index]
        first = ~keys.duplicated().to_numpy()
        left_out["same_family"] = int((~first).sum())
        ranked = ranked[first]
        ranked.insert(1, "family", pd.array(keys[first].to_numpy(), dtype="string"))
    top = ranked.head(int(n))
    top.attrs = {"aihubmix": {"left_out": left_out}}
    return top


@dataclass(frozen=True)
class CacheBreakEven:
    """How many reuses make prompt caching pay off on one model (see :func:`cache_break_even`)."""

    model_id: str
    prompt_tokens: float
    input_usd_per_1m: float
    cache_read_usd_per_1m: float | None
    cache_write_usd_per_1m: float | None
    write_premium_usd: float
    saving_per_reuse_usd: float
    reuses: int | None
    explanation: str

    @property
    def pays_off(self) -> bool:
        """True when some number of reuses makes caching strictly cheaper."""
        return self.reuses is not None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "pays_off": self.pays_off}

    def __str__(self) -> str:
        return self.explanation


def _usd(amount: float) -> str:
    return f"${amount:,.6f}".rstrip("0").rstrip(".") if amount else "$0"


def cache_break_even(catalog: pd.DataFrame, model_id: str, *, prompt_tokens: float) -> CacheBreakEven:
    """How many reuses of a cached prompt prefix it takes before writing it to the cache pays off.

    Writing a ``prompt_tokens`` prefix to the cache costs (cache_write - input) x tokens more than
    sending it uncached (a premium; zero when the model has no cache_write price, as writes then
    bill at the input price); each later request that reads it saves (input - cache_read) x tokens.
    ``reuses`` is the smallest number of later reads for which caching is strictly cheaper in
    total, or ``None`` when it never is (no cache_read price, a read price not below the input
    price, or a free model). The prompt size picks the context tier, as in :func:`estimate_cost`.

    >>> import aihubmix_frame as ahf
    >>> result = cache_break_even(ahf.load_snapshot(), "claude-opus-4-6", prompt_tokens=10_000)
    >>> result.reuses, result.write_premium_usd, result.saving_per_reuse_usd
    (1, 0.0125, 0.045)
    >>> cache_break_even(ahf.load_snapshot(), "gpt-4o", prompt_tokens=10_000).reuses
    1
    """
    prompt_tokens = _tokens("prompt_tokens", prompt_tokens)
    if not isinstance(model_id, str):
        raise TypeError(f"model_id must be a model id string, got {model_id!r}")
    table = price_table(catalog, needed_for="cache_break_even")
    row = table.row_of(model_id)
    level = table.level_of(row, prompt_tokens)
    price = {kind: table.price_usd_per_1m(kind, row, level) for kind in KINDS}
    fallback = {kind: bool(table.fallback[kind][row * table.levels + level]) for kind in CACHE_KINDS}
    listed = {kind: None if fallback[kind] else price[kind] for kind in CACHE_KINDS}
    p_in, p_read, p_write = (
        Fraction(price[k]) if not math.isnan(price[k]) else None for k in ("input", "cache_read", "cache_write")
    )
    tier = f" (tier above {table.sizes[row, level - 1]:,.0f} prompt tokens)" if level else ""
    placeholder = (
        " Its token prices are placeholders (image/video model), so this is not a real answer."
        if table.placeholder[row]
        else ""
    )
    if p_in is None:
        return CacheBreakEven(
            model_id,
            prompt_tokens,
            math.nan,
            None,
            None,
            math.nan,
            math.nan,
            None,
            f"{model_id} has no input price in the catalog: the cache cannot be priced.",
        )

    assert p_read is not None and p_write is not None  # missing cache prices fall back to the input price
    tokens = Fraction(prompt_tokens) / 1_000_000
    premium = float((p_write - p_in) * tokens)
    saving = float((p_in - p_read) * tokens)
    if p_in == 0:
        reuses, why = None, f"{model_id} is free ($0 input): caching cannot save money."
    elif fallback["cache_read"]:
        reuses, why = (
            None,
            (
                f"{model_id} has no cache read price{tier}: cached tokens bill at the input price "
                f"(${price['input']:g} per 1M), so caching never saves money on it."
            ),
        )
    elif p_read >= p_in:
        reuses, why = (
            None,
            (
                f"{model_id} bills cache reads at ${price['cache_read']:g} per 1M{tier}, no less than its "
                f"input price ${price['input']:g}: caching never saves money on it."
            ),
        )
    else:
        excess = (p_write - p_in) / (p_in - p_read)  # reads needed to recover the write premium
        reuses = 0 if excess < 0 else math.floor(excess) + 1
        write_text = (
            f"no cache write price, so writes bill at the input price ${price['input']:g} per 1M"
            if fallback["cache_write"]
            else f"cache write ${price['cache_write']:g} vs input ${price['input']:g} per 1M"
        )
        why = (
            f"Writing the {prompt_tokens:,.0f}-token prefix to {model_id}'s cache{tier} costs "
            f"{_usd(premium)} more than sending it uncached ({write_text}); each later read saves "
            f"{_usd(saving)} (cache read ${price['cache_read']:g} per 1M). Caching is cheaper once the "
            f"prefix is reused {reuses} time{'s' if reuses != 1 else ''}."
        )
    return CacheBreakEven(
        model_id,
        prompt_tokens,
        price["input"],
        listed["cache_read"],
        listed["cache_write"],
        premium,
        saving,
        reuses,
        why + placeholder,
    )
