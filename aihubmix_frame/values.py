"""Normalisers of one raw field value (limit, price, text, tiers, flag, date, reasoning options)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from . import schema

__all__ = [
    "BadValue",
    "UNREADABLE",
    "tokens",
    "limit",
    "price",
    "text",
    "label",
    "tiers",
    "flag",
    "date",
    "reasoning_options",
    "utc_timestamp",
]


class BadValue(Exception):
    """A field value has the wrong shape; :mod:`aihubmix_frame.frame` turns it into a SchemaError with context."""


#: Returned by the lenient normalisers (:func:`flag`, :func:`date`) for a value they cannot read:
#: the frame stores it as missing and names the model in one :class:`FieldValueWarning`.
UNREADABLE = object()


def tokens(value: Any, field: str) -> tuple[str, ...]:
    """:func:`schema.split_tokens` of one record's list field; a bad shape raises :class:`BadValue`."""
    try:
        return schema.split_tokens(value, field)
    except TypeError as exc:
        raise BadValue(str(exc)) from None


def limit(value: Any) -> int | None:
    """A token limit: int or numeric string; 0, None and "" mean unknown.

    >>> limit("256000"), limit(0), limit(None)
    (256000, None, None)
    """
    if value is None:
        return None
    kind = type(value)
    if kind is int:
        number = value
    elif kind is float:
        if not value.is_integer():
            raise BadValue(f"expected a whole number of tokens, got {value!r}")
        number = int(value)
    elif kind is str:
        stripped = value.strip()
        if not stripped:
            return None
        try:
            as_float = float(stripped)
        except ValueError:
            raise BadValue(f"expected a whole number of tokens, got {value!r:.80}") from None
        if not math.isfinite(as_float) or not as_float.is_integer():
            raise BadValue(f"expected a whole number of tokens, got {value!r:.80}")
        number = int(as_float)
    else:
        raise BadValue(f"expected a whole number of tokens, got {kind.__name__}")
    if number < 0 or number >= 2**63:
        raise BadValue(f"expected a non-negative token count, got {value!r}")
    return number or None


def price(value: Any) -> float | None:
    """A price in USD per 1M tokens: number or numeric string, finite and non-negative."""
    if value is None:
        return None
    kind = type(value)
    if kind is int or kind is float:
        try:
            number = float(value)
        except OverflowError:  # an integer with hundreds of digits
            raise BadValue(f"expected a finite, non-negative price, got a {len(str(value))}-digit number") from None
    elif kind is str:
        if not value.strip():
            return None
        try:
            number = float(value)
        except ValueError:
            raise BadValue(f"expected a price in USD per 1M tokens, got {value!r:.80}") from None
    else:
        raise BadValue(f"expected a price in USD per 1M tokens, got {kind.__name__}")
    if not math.isfinite(number) or number < 0:
        raise BadValue(f"expected a finite, non-negative price, got {value!r}")
    return number


def text(value: Any) -> str | None:
    """Optional text: a string, or None; blank strings are missing."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadValue(f"expected a string, got {type(value).__name__}")
    return value if value.strip() else None


def label(value: Any) -> Any:
    """A lenient text field (vendor, variant_of, ...): a string, a number as text, or :data:`UNREADABLE`.

    >>> label("deepseek"), label(" "), label(2), label(["x"]) is UNREADABLE
    ('deepseek', None, '2', True)
    """
    kind = type(value)
    if value is None or kind is str:
        return value if value is None or value.strip() else None
    if kind is int or kind is float:
        return str(value)
    return UNREADABLE


def tiers(value: Any) -> list[dict[str, Any]] | None:
    """``pricing.tiers``: a list of ``{input, output, cache_read, cache_write, tier: {size, type}}``, by size."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise BadValue(f"expected a list of tier objects, got {type(value).__name__}")
    result = []
    for position, raw in enumerate(value):
        if not isinstance(raw, dict):
            raise BadValue(f"tier {position} is a {type(raw).__name__}, expected an object")
        tier = dict(raw)
        for key in schema.TIER_PRICE_KEYS:
            if key in tier:
                tier[key] = price(tier[key])
        bound = raw.get("tier")
        if not isinstance(bound, dict):
            raise BadValue(f"tier {position} has no 'tier' object with its 'size'")
        size = limit(bound.get("size"))
        if size is None:
            raise BadValue(f"tier {position} has no positive 'tier.size' (prompt tokens)")
        tier["tier"] = {**bound, "size": size}
        result.append(tier)
    result.sort(key=lambda t: t["tier"]["size"])
    return result or None


_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def flag(value: Any) -> Any:
    """A true/false field as served: bool, null, ``"true"``/``"false"``, 0/1, or an object.

    An object is the ``interleaved`` shape (``{"anthropic.messages": true}`` in the 2026-09 API,
    ``{"field": "reasoning_content"}`` at models.dev): supported when any value is truthy; an empty
    object is missing. Anything else is :data:`UNREADABLE`.

    >>> flag(True), flag(None), flag(" False "), flag({"anthropic.messages": True}), flag({})
    (True, None, False, True, None)
    """
    kind = type(value)
    if value is None or kind is bool:
        return value
    if kind is int and value in (0, 1):
        return bool(value)
    if kind is str:
        word = value.strip().lower()
        if not word:
            return None
        return True if word in _TRUE else False if word in _FALSE else UNREADABLE
    if kind is dict:
        return any(bool(v) for v in value.values()) if value else None
    return UNREADABLE


_DATE = re.compile(r"^\s*(\d{4})-(\d{2})(?:-(\d{2}))?\s*$")


def date(value: Any) -> Any:
    """A ``YYYY-MM-DD`` date (``YYYY-MM`` means its first day, as models.dev writes cut-offs).

    Returns a :class:`datetime.date`, None for null or blank, :data:`UNREADABLE` otherwise.

    >>> date("2026-04-24"), date("2025-05"), date(""), date("2026-02-30") is UNREADABLE
    (datetime.date(2026, 4, 24), datetime.date(2025, 5, 1), None, True)
    """
    if value is None:
        return None
    if not isinstance(value, str):
        return UNREADABLE
    if not value.strip():
        return None
    match = _DATE.match(value)
    if match is None:
        return UNREADABLE
    year, month, day = match.groups()
    try:
        return dt.date(int(year), int(month), int(day or 1))
    except ValueError:
        return UNREADABLE


def _option_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return str(value).lower() if isinstance(value, bool) else str(value)
    raise BadValue(f"expected a text or number, got {type(value).__name__}")


def reasoning_options(value: Any) -> list[dict[str, Any]] | None:
    """``reasoning_options``: a list of ``{type, values, default}``; ``[]`` means "no controls".

    Every option gets the three keys (``values`` a list of strings or None, ``default`` a string or
    None; numbers become text so the column has one Arrow type); other keys (``min``, ``max`` of
    ``budget_tokens``) are kept as sent. Values keep the AIHubMix spellings (``no_think``,
    ``instant``): see :data:`aihubmix_frame.schema.REASONING_VALUE_MEANINGS`.

    >>> reasoning_options([{"type": "effort", "values": ["low", "no_think"], "default": "low"}, {"type": "toggle"}])
    [{'type': 'effort', 'values': ['low', 'no_think'], 'default': 'low'}, {'type': 'toggle', 'values': None, 'default': None}]
    """
    if value is None:
        return None
    if type(value) is not list:
        raise BadValue(f"expected a list of option objects, got {type(value).__name__}")
    options = []
    for position, raw in enumerate(value):
        if type(raw) is not dict or type(raw.get("type")) is not str:
            raise BadValue(f"option {position} is not an object with a 'type' text")
        values = raw.get("values")
        if values is not None:
            if type(values) is not list:
                raise BadValue(f"option {position} 'values' is a {type(values).__name__}, expected a list")
            values = values.copy() if all(type(v) is str for v in values) else list(map(_option_text, values))
        default = raw.get("default")
        option = {
            "type": raw["type"],
            "values": values,
            "default": default if default is None or type(default) is str else _option_text(default),
        }
        if len(raw) > 1 + ("values" in raw) + ("default" in raw):  # e.g. min/max of budget_tokens
            option.update((k, v) for k, v in raw.items() if k not in option)
        options.append(option)
    return options


def utc_timestamp(value: Any, *, what: str, hint: str = "pass an ISO-8601 string or a datetime") -> Any:
    """A ``pd.Timestamp`` in UTC (naive values are taken as UTC); ValueError naming ``what`` otherwise.

    >>> utc_timestamp("2026-07-02 04:09", what="asof").isoformat()
    '2026-07-02T04:09:00+00:00'
    """
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(f"{what} {value!r} is not a timestamp; pass an ISO-8601 string or a datetime") from None
    if stamp is pd.NaT:
        raise ValueError(f"{what} is missing; {hint}")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
