"""CatalogQuery: the catalog's filter and sort parameters, declared, parsed and checked once.

Every face that selects models — ``load_catalog``, ``fetch_catalog``, ``df.aihub.filter`` and
``cheapest``, the CLI, the widgets — takes or builds a :class:`CatalogQuery`. The keyword
signatures users type are generated from :data:`QUERY_PARAMETERS` by
:func:`aihubmix_frame.keywords.accepts_query`, so the copies cannot drift.

Validation policy (the catalog gains new types and features over time, DESIGN.md fact 9): a list
value the package does not know gets an :class:`~aihubmix_frame.errors.UnknownValueWarning` with a
did-you-mean, is still sent to the server (whose 400 becomes ``APIError``) and filters locally by the
same rule (a token no model has matches nothing). Wrong types raise ``TypeError``; a sort order other
than asc/desc and non-finite bounds raise ``ValueError``.

>>> q = CatalogQuery.parse(type="T2T", features=["Thinking，tool"], sort_by="Context_Length", min_context=128_000)
>>> q
CatalogQuery(type=('llm',), features=('thinking', 'tools'), sort_by='context_length', min_context=128000)
>>> q.to_params()
{'type': 'llm', 'features': 'thinking,tools', 'sort_by': 'context_length'}
>>> q.server_query(), q.local_query()
(CatalogQuery(type=('llm',), features=('thinking', 'tools'), sort_by='context_length'), CatalogQuery(min_context=128000))
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from . import schema
from .errors import UnknownValueWarning, warn

__all__ = [
    "CatalogQuery",
    "QUERY_PARAMETERS",
    "SERVER_PARAMETERS",
    "BOUND_PARAMETERS",
    "LOCAL_PARAMETERS",
    "FIELD_FILTERS",
    "SORT_PARAMETERS",
    "SORT_KEYS",
    "SORT_ORDERS",
    "KNOWN_VALUES",
]

#: Sort keys the server documents; any other column name also works locally.
SORT_KEYS: tuple[str, ...] = ("model_ratio", "context_length", "coding", "order")
SORT_ORDERS: tuple[str, ...] = ("asc", "desc")

#: List parameter -> (the frame's list column, the values the package knows).
KNOWN_VALUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "type": ("types", (*schema.DOCUMENTED_TYPES, *schema.OBSERVED_TYPES)),
    "modalities": ("input_modalities", schema.MODALITIES),
    "features": ("features", schema.FEATURES),
}

#: Bound parameter -> (column, comparison, what it means).
BOUNDS: dict[str, tuple[str, str, str]] = {
    "min_context": ("context_length", ">=", "context window of at least this many tokens"),
    "min_output": ("max_output", ">=", "max output of at least this many tokens"),
    "max_input_price": ("input_usd_per_1m", "<=", "input price of at most this many USD per 1M tokens"),
    "max_output_price": ("output_usd_per_1m", "<=", "output price of at most this many USD per 1M tokens"),
}

#: Local filters on the fields served since 2026 and on prices (the server has no such parameters).
FIELD_FILTERS: dict[str, str] = {
    "vendor": "any of these vendors (case-insensitive), e.g. 'openai,anthropic'",
    "output_modalities": "every one of these output modalities, e.g. 'image'",
    "open_weights": "True: only open-weights models; False: only closed ones (unknown never matches)",
    "released_after": "released on or after this date (unknown dates never match)",
    "released_before": "released on or before this date (unknown dates never match)",
    "include_deprecated": "False leaves out models whose retire_stage is 'deprecated' (default: kept)",
    "include_free": "False leaves out free models (every price 0 or absent; default: kept)",
}

SERVER_PARAMETERS: tuple[str, ...] = ("type", "modalities", "features", "model")
SORT_PARAMETERS: tuple[str, ...] = ("sort_by", "sort_order")
BOUND_PARAMETERS: tuple[str, ...] = tuple(BOUNDS)
#: Everything applied locally, after the server answered: the bounds and the field filters.
LOCAL_PARAMETERS: tuple[str, ...] = (*BOUND_PARAMETERS, *FIELD_FILTERS)
#: The one declaration every public keyword signature is built from, in order.
QUERY_PARAMETERS: tuple[str, ...] = (*SERVER_PARAMETERS, *SORT_PARAMETERS, *LOCAL_PARAMETERS)

ANNOTATIONS: dict[str, str] = {
    "type": "str | Iterable[str] | None",
    "modalities": "str | Iterable[str] | None",
    "features": "str | Iterable[str] | None",
    "model": "str | None",
    "sort_by": "str | None",
    "sort_order": "str | None",
    "min_context": "int | None",
    "min_output": "int | None",
    "max_input_price": "float | None",
    "max_output_price": "float | None",
    "vendor": "str | Iterable[str] | None",
    "output_modalities": "str | Iterable[str] | None",
    "open_weights": "bool | None",
    "released_after": "str | date | None",
    "released_before": "str | date | None",
    "include_deprecated": "bool | None",
    "include_free": "bool | None",
}


def _flag(name: str, value: Any) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, (bool, np_bool_types())):
        raise TypeError(f"{name} must be True, False or None, got {value!r:.80}")
    return bool(value)


def np_bool_types() -> tuple[type, ...]:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with pandas
        return ()
    return (np.bool_,)


def _date(name: str, value: Any) -> str | None:
    """A date as ISO ``YYYY-MM-DD`` (kept as text: the query stays hashable and JSON-ready)."""
    if value is None:
        return None
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{name} must be a date such as '2026-01-31' (or a datetime.date), got {value!r:.80}")


def _names(name: str, value: Any) -> tuple[str, ...]:
    """Free-text list values (vendors): split like the catalog's lists, lower-cased, no aliases."""
    try:
        return schema.split_tokens(value, "vendor")
    except TypeError:
        raise TypeError(f"{name} must be a comma-separated string or a list of strings, got {value!r:.80}") from None


def _list_value(name: str, value: Any) -> tuple[str, ...]:
    try:
        return schema.split_tokens(value, KNOWN_VALUES[name][0])
    except TypeError:
        raise TypeError(f"{name} must be a comma-separated string or a list of strings, got {value!r:.80}") from None


def _output_modalities(value: Any) -> tuple[str, ...]:
    try:
        return schema.split_tokens(value, "output_modalities")
    except TypeError:
        raise TypeError(
            f"output_modalities must be a comma-separated string or a list of strings, got {value!r:.80}"
        ) from None


def _text(name: str, value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string ({what}), got {value!r:.80}")
    return value.strip() or None


def _bound(name: str, value: Any) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number ({BOUNDS[name][2]}), got {value!r:.80}")
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be 0 or more ({BOUNDS[name][2]}), got {value!r}")
    if name in ("min_context", "min_output"):
        return int(value) if float(value).is_integer() else float(value)  # type: ignore[call-overload]  # a Real
    return float(value)


@dataclass(frozen=True, repr=False)
class CatalogQuery:
    """One selection of the catalog: server filters, sort, and local numeric bounds. Immutable.

    Build it with :meth:`parse` (which normalises and checks) rather than the constructor.
    ``type`` matches any of a model's types; every modality and feature listed is required;
    ``model`` is a case-insensitive substring of ``model_id``; the bounds never match a missing
    limit or price; all conditions AND.
    """

    type: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    model: str | None = None
    sort_by: str | None = None
    sort_order: str | None = None
    min_context: int | float | None = None
    min_output: int | float | None = None
    max_input_price: float | None = None
    max_output_price: float | None = None
    vendor: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    open_weights: bool | None = None
    released_after: str | None = None
    released_before: str | None = None
    include_deprecated: bool | None = None
    include_free: bool | None = None

    @classmethod
    def parse(
        cls,
        type: Any = None,
        modalities: Any = None,
        features: Any = None,
        model: Any = None,
        sort_by: Any = None,
        sort_order: Any = None,
        *,
        min_context: Any = None,
        min_output: Any = None,
        max_input_price: Any = None,
        max_output_price: Any = None,
        vendor: Any = None,
        output_modalities: Any = None,
        open_weights: Any = None,
        released_after: Any = None,
        released_before: Any = None,
        include_deprecated: Any = None,
        include_free: Any = None,
    ) -> CatalogQuery:
        """Normalise user input: comma strings or lists, legacy codes and synonyms, case, blanks.

        >>> CatalogQuery.parse(type="t2i, llm", modalities="Text，IMAGE", model="  GPT ")
        CatalogQuery(type=('image_generation', 'llm'), modalities=('text', 'image'), model='GPT')
        """
        sort_key = _text("sort_by", sort_by, "a sort key or column name")
        if sort_key is not None and sort_key.lower() in SORT_KEYS:
            sort_key = sort_key.lower()
        order = _text("sort_order", sort_order, "asc or desc")
        if order is not None:
            if order.lower() not in SORT_ORDERS:
                raise ValueError(f"unknown sort_order {sort_order!r}; valid values: asc, desc")
            order = order.lower()
        return cls(
            type=_list_value("type", type),
            modalities=_list_value("modalities", modalities),
            features=_list_value("features", features),
            model=_text("model", model, "a substring of model_id"),
            sort_by=sort_key,
            sort_order=order,
            min_context=_bound("min_context", min_context),
            min_output=_bound("min_output", min_output),
            max_input_price=_bound("max_input_price", max_input_price),
            max_output_price=_bound("max_output_price", max_output_price),
            vendor=_names("vendor", vendor),
            output_modalities=_output_modalities(output_modalities),
            open_weights=_flag("open_weights", open_weights),
            released_after=_date("released_after", released_after),
            released_before=_date("released_before", released_before),
            include_deprecated=_flag("include_deprecated", include_deprecated),
            include_free=_flag("include_free", include_free),
        )

    @classmethod
    def of(cls, query: CatalogQuery | Mapping[str, Any] | None = None, **values: Any) -> CatalogQuery:
        """``query`` itself, a mapping of keywords parsed, or the keywords parsed; not both.

        >>> CatalogQuery.of(None, type="llm") == CatalogQuery.of({"type": "llm"}) == CatalogQuery.of(CatalogQuery.parse(type="llm"))
        True
        """
        given = {k: v for k, v in values.items() if v is not None}
        if query is None:
            return cls.parse(**given)
        if given:
            raise TypeError(f"pass either query= or the keywords {sorted(given)}, not both")
        if isinstance(query, CatalogQuery):
            return query
        if isinstance(query, Mapping):
            unknown = sorted(set(query) - set(QUERY_PARAMETERS))
            if unknown:
                raise TypeError(f"unknown query keys {unknown}; valid keys: {', '.join(QUERY_PARAMETERS)}")
            return cls.parse(**query)
        raise TypeError(f"query must be a CatalogQuery or a mapping of its keywords, got {type(query).__name__}")

    # --- parts -------------------------------------------------------------------------------

    def _items(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_dict(self) -> dict[str, Any]:
        """The parameters that are set, JSON-serialisable (lists for list values)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self._items().items() if v not in (None, ())}

    @property
    def is_empty(self) -> bool:
        return not self.to_dict()

    @property
    def selects(self) -> bool:
        """True when the query can drop models (a filter or a bound; sorting never drops)."""
        return any(k not in SORT_PARAMETERS for k in self.to_dict())

    @property
    def server_sort(self) -> bool:
        return self.sort_by in SORT_KEYS

    def server_query(self) -> CatalogQuery:
        """The part the server understands: its four filters, and the sort when it is a server key."""
        kept = {k: getattr(self, k) for k in SERVER_PARAMETERS}
        if self.server_sort:
            kept.update(sort_by=self.sort_by, sort_order=self.sort_order)
        return CatalogQuery(**kept)

    def local_query(self) -> CatalogQuery:
        """What must be applied locally after a server answer: the bounds, and a column sort."""
        kept = {k: getattr(self, k) for k in LOCAL_PARAMETERS}
        if self.sort_by is not None and not self.server_sort:
            kept.update(sort_by=self.sort_by, sort_order=self.sort_order)
        return CatalogQuery(**kept)

    def to_params(self) -> dict[str, str]:
        """Query parameters of ``GET /api/v1/models`` (the server's part only), comma-joined.

        >>> CatalogQuery.parse(modalities=["text", "image"], sort_by="coding").to_params()
        {'modalities': 'text,image', 'sort_by': 'coding'}
        """
        server = self.server_query()
        params: dict[str, str] = {}
        for name in SERVER_PARAMETERS:
            value = getattr(server, name)
            if value:
                params[name] = ",".join(value) if isinstance(value, tuple) else value
        if server.sort_by is not None:
            params["sort_by"] = server.sort_by
            if server.sort_order is not None:
                params["sort_order"] = server.sort_order
        return params

    # --- validation --------------------------------------------------------------------------

    def unknown_values(self, present: Mapping[str, Iterable[str]] | None = None) -> dict[str, list[str]]:
        """List values neither documented, seen in real catalogs, nor in ``present`` (by parameter).

        >>> CatalogQuery.parse(type="music,llm", features="thinkng").unknown_values()
        {'type': ['music'], 'features': ['thinkng']}
        """
        unknown: dict[str, list[str]] = {}
        for name, (_, known) in KNOWN_VALUES.items():
            extra = set((present or {}).get(name, ()))
            missing = [t for t in getattr(self, name) if t not in known and t not in extra]
            if missing:
                unknown[name] = missing
        return unknown

    def warn_unknown(self, present: Mapping[str, Iterable[str]] | None = None) -> None:
        """One :class:`UnknownValueWarning` per parameter with unknown values, with a did-you-mean."""
        for name, values in self.unknown_values(present).items():
            vocabulary = list(dict.fromkeys([*KNOWN_VALUES[name][1], *sorted(set((present or {}).get(name, ())))]))
            hints = []
            for value in values:
                close = difflib.get_close_matches(value, vocabulary, n=2, cutoff=0.6)
                hints.append(f"{value!r} (did you mean {' or '.join(map(repr, close))}?)" if close else repr(value))
            aliases = schema.ALIASES[KNOWN_VALUES[name][0]]
            accepted = f" (also accepted: {', '.join(f'{k}={v}' for k, v in aliases.items())})" if aliases else ""
            warn(
                f"unknown {name} {', '.join(hints)}; known values: {', '.join(vocabulary)}"
                f"{accepted}. "
                "It is still used (the catalog gains new values over time): a model matches only if it "
                "has it, and the server answers 400 if it does not know it either.",
                UnknownValueWarning,
            )

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._items().items() if v not in (None, ()))
        return f"CatalogQuery({shown})"

    def replace(self, **changes: Any) -> CatalogQuery:
        """A copy with some parameters changed (parsed like :meth:`parse`)."""
        merged = {**self._items(), **changes}
        return CatalogQuery.parse(**merged)
