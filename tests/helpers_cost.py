"""A plain-Python, per-row reference for cost estimation, written from the rules in DESIGN.md section 3.

It reads prices straight from the raw JSON records (not from the catalog frame or pricing.PriceTable),
so tests and benchmarks compare two independent implementations.
"""

from __future__ import annotations

KINDS = ("input", "cache_read", "cache_write", "output")


def reference_prices(records):
    """model_id -> {kind: USD per 1M or None, "tiers": [(size, {kind: price or None})] by size}.

    The first record of an id wins, as in the catalog frame.
    """
    prices = {}
    for record in records:
        pricing = record.get("pricing") or {}
        entry = {k: (float(pricing[k]) if pricing.get(k) is not None else None) for k in KINDS}
        tiers = []
        for tier in pricing.get("tiers") or []:
            tiers.append(
                (
                    float(tier["tier"]["size"]),
                    {k: (float(tier[k]) if tier.get(k) is not None else None) for k in KINDS},
                )
            )
        entry["tiers"] = sorted(tiers, key=lambda t: t[0])
        prices.setdefault(record["model_id"], entry)
    return prices


def reference_row_cost(
    prices,
    model_id,
    input_tokens,
    output_tokens,
    cache_read_tokens=0,
    cache_write_tokens=0,
    requests=1,
    input_includes_cache=True,
):
    """(input, cache_read, cache_write, output, total) cost in USD for one log row, or None if unknown."""
    entry = prices.get(model_id)
    if entry is None:
        return None
    if input_includes_cache:
        uncached = input_tokens - cache_read_tokens - cache_write_tokens
        prompt = input_tokens
    else:
        uncached = input_tokens
        prompt = input_tokens + cache_read_tokens + cache_write_tokens
    rate = {k: entry[k] for k in KINDS}
    for size, tier in entry["tiers"]:
        if prompt > size:  # the highest tier exceeded wins
            rate = {k: tier[k] if tier[k] is not None else entry[k] for k in KINDS}
    if rate["input"] is None or rate["output"] is None:
        return None
    read_price = rate["cache_read"] if rate["cache_read"] is not None else rate["input"]
    write_price = rate["cache_write"] if rate["cache_write"] is not None else rate["input"]
    parts = (
        uncached * rate["input"] / 1e6 * requests,
        cache_read_tokens * read_price / 1e6 * requests,
        cache_write_tokens * write_price / 1e6 * requests,
        output_tokens * rate["output"] / 1e6 * requests,
    )
    return (*parts, parts[0] + parts[1] + parts[2] + parts[3])
