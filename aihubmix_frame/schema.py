"""The single source of truth for the catalog frame: columns, dtypes, units and alias tables."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from .errors import NotACatalogError

#: 2 added the 2026 columns (vendor ... pricing_source, family_id); version 1 files lack them.
SCHEMA_VERSION = 2
PRICE_UNIT = "USD per 1M tokens"

# --- vocabularies -------------------------------------------------------------------------------

#: Types the API documents, then undocumented ones seen in real catalogs.
DOCUMENTED_TYPES: tuple[str, ...] = (
    "llm",
    "image_generation",
    "video",
    "tts",
    "stt",
    "embedding",
    "rerank",
)
OBSERVED_TYPES: tuple[str, ...] = ("ocr", "search")
#: Legacy type codes the server maps to the new ones (seed, "Type Compatibility").
TYPE_ALIASES: dict[str, str] = {
    "t2t": "llm",
    "t2i": "image_generation",
    "t2v": "video",
    "reranking": "rerank",
}

#: The seven documented features; each gets a ``has_<feature>`` column.
FEATURES: tuple[str, ...] = (
    "thinking",
    "tools",
    "function_calling",
    "web",
    "deepsearch",
    "long_context",
    "structured_outputs",
)
#: Synonyms seen in real records (2026-07 snapshot and 2026-09 API excerpts).
FEATURE_ALIASES: dict[str, str] = {
    "tool": "tools",
    "tool_calling": "function_calling",
    "reasoning": "thinking",
}

#: The documented input modalities; each gets an ``accepts_<modality>`` column.
MODALITIES: tuple[str, ...] = ("text", "image", "audio", "video", "pdf")
MODALITY_ALIASES: dict[str, str] = {}

#: Raw list field -> (frame column, alias table).
LIST_FIELDS: dict[str, tuple[str, dict[str, str]]] = {
    "types": ("types", TYPE_ALIASES),
    "features": ("features", FEATURE_ALIASES),
    "input_modalities": ("input_modalities", MODALITY_ALIASES),
}

#: Raw ``pricing`` key -> frame column (USD per 1M tokens).
PRICE_FIELDS: dict[str, str] = {
    "input": "input_usd_per_1m",
    "output": "output_usd_per_1m",
    "cache_read": "cache_read_usd_per_1m",
    "cache_write": "cache_write_usd_per_1m",
}
TIER_PRICE_KEYS: tuple[str, ...] = tuple(PRICE_FIELDS)

#: Raw limit field -> frame column (tokens); 0 means unknown and becomes NA.
LIMIT_FIELDS: tuple[str, ...] = ("max_output", "context_length")

STRING_FIELDS: tuple[str, ...] = ("model_id", "model_name", "desc")

# --- the fields served since 2026 (realdata/aihubmix_fields_2026.md) ------------------------------

#: Output modalities; each gets a ``produces_<modality>`` column.
OUTPUT_MODALITIES: tuple[str, ...] = ("text", "image", "audio", "video")
#: Raw true/false fields -> nullable ``boolean`` columns (true, false, null, "true"/"false", 0/1;
#: an object such as ``interleaved: {"anthropic.messages": true}`` is true when a value is truthy).
FLAG_FIELDS: tuple[str, ...] = ("reasoning", "tool_call", "open_weights", "interleaved")
#: Raw ``YYYY-MM-DD`` fields (``YYYY-MM`` = its first day) -> ``datetime64[s]``; unreadable -> NaT + warning.
DATE_FIELDS: tuple[str, ...] = ("release_date", "last_updated", "knowledge")
#: ``reasoning_options[].type`` values the API documents.
REASONING_OPTION_TYPES: tuple[str, ...] = ("toggle", "budget_tokens", "effort")
#: AIHubMix spellings of effort values, kept as served in the frame, and their canonical meaning.
REASONING_VALUE_MEANINGS: dict[str, str] = {"no_think": "none", "instant": "minimal"}
#: ``retire_stage`` value of a model being retired.
DEPRECATED_STAGE = "deprecated"

#: Raw fields the normaliser consumes; anything else is kept as an extra column.
KNOWN_FIELDS: frozenset[str] = frozenset(
    {
        *STRING_FIELDS,
        *LIST_FIELDS,
        *LIMIT_FIELDS,
        "pricing",
        "vendor",
        "variant_of",
        "output_modalities",
        *FLAG_FIELDS,
        "reasoning_options",
        *DATE_FIELDS,
        "retire_stage",
        "pricing_source",
    }
)

HAS_COLUMNS: tuple[str, ...] = tuple(f"has_{f}" for f in FEATURES)
ACCEPTS_COLUMNS: tuple[str, ...] = tuple(f"accepts_{m}" for m in MODALITIES)
PRICE_COLUMNS: tuple[str, ...] = tuple(PRICE_FIELDS.values())
LIST_COLUMNS: tuple[str, ...] = ("types", "features", "input_modalities")
PRODUCES_COLUMNS: tuple[str, ...] = tuple(f"produces_{m}" for m in OUTPUT_MODALITIES)

#: The wide frame: column -> pandas dtype name, in order. ``list`` is ArrowDtype(list<string>),
#: ``object`` holds Python lists of dicts or NA, ``boolean`` is pandas' nullable boolean, dates are
#: ``datetime64[s]`` (midnight, no time zone; Parquet and CSV keep them).
COLUMNS: dict[str, str] = {
    "model_id": "string",
    "model_name": "string",
    "desc": "string",
    "types": "list",
    "features": "list",
    "input_modalities": "list",
    **{c: "bool" for c in HAS_COLUMNS},
    **{c: "bool" for c in ACCEPTS_COLUMNS},
    "max_output": "Int64",
    "context_length": "Int64",
    **{c: "Float64" for c in PRICE_COLUMNS},
    "price_tiers": "object",
    # 2026 fields: always present, all missing when a payload lacks them (the bundled 2026-07 snapshot).
    "vendor": "string",
    "variant_of": "string",
    "family_id": "string",
    "output_modalities": "list",
    **{c: "bool" for c in PRODUCES_COLUMNS},
    **{c: "boolean" for c in FLAG_FIELDS},
    "reasoning_options": "object",
    **{c: "datetime64[s]" for c in DATE_FIELDS},
    "retire_stage": "string",
    "pricing_source": "string",
}

#: What each 2026 column means (the older columns are described in the README's column table).
MEANINGS: dict[str, str] = {
    "vendor": "the lab that built the model, as AIHubMix spells it (zhipu, moonshot, bytedance, ...)",
    "variant_of": "the model id this entry is a routing variant of (coding-, alicloud-, -free, -think)",
    "family_id": "the root of the variant_of chain (the model itself when it is no variant); see families",
    "output_modalities": "what the model produces, split like input_modalities",
    "reasoning": "the model reasons (may disagree with the thinking feature token)",
    "tool_call": "the model calls tools (may disagree with the tools/function_calling tokens)",
    "open_weights": "the weights are published",
    "interleaved": "interleaved thinking between tool calls",
    "reasoning_options": "list of {type: toggle|budget_tokens|effort, values, default}; [] = no controls; "
    "effort values no_think = none and instant = minimal (AIHubMix spellings kept)",
    "release_date": "release date (day precision)",
    "last_updated": "date the model entry last changed",
    "knowledge": "knowledge cut-off (YYYY-MM reads as the first of that month)",
    "retire_stage": "deprecated for a model being retired; missing for active ones",
    "pricing_source": "where the price came from, e.g. billing_config",
}

#: Human-readable unit of each column, for docs, CLI headers and Parquet metadata.
UNITS: dict[str, str] = {
    "max_output": "tokens",
    "context_length": "tokens",
    **{c: PRICE_UNIT for c in PRICE_COLUMNS},
    **{c: "date" for c in DATE_FIELDS},
}

#: Keys of ``df.attrs["aihubmix"]``.
PROVENANCE_KEYS: tuple[str, ...] = (
    "source",
    "url",
    "params",
    "etag",
    "fetched_at",
    "price_unit",
    "package_version",
)
ATTRS_KEY = "aihubmix"

#: Columns the ``.aihub`` accessor needs to recognise a catalog frame.
REQUIRED_COLUMNS: tuple[str, ...] = ("model_id", "types", "features", "input_modalities")

#: Provenance key of the values catalog_to_frame could not read: ``{field: [model ids]}`` (only when some).
UNREADABLE_KEY = "unreadable_values"

#: Provenance key of the completeness fingerprint (see :func:`catalog_fingerprint`).
COMPLETE_KEY = "complete_catalog"

# --- the one tokeniser ----------------------------------------------------------------------------

#: List values are split on the ASCII comma and the full-width comma U+FF0C.
SEPARATORS = re.compile(r"[,\uff0c]")

#: Vocabulary name -> alias table; the names are the frame's list columns.
ALIASES: dict[str, dict[str, str]] = {
    "types": TYPE_ALIASES,
    "features": FEATURE_ALIASES,
    "input_modalities": MODALITY_ALIASES,
    "output_modalities": MODALITY_ALIASES,
    "vendor": {},
}


@lru_cache(maxsize=65536)
def _split_text(text: str, vocabulary: str) -> tuple[str, ...]:
    aliases = ALIASES[vocabulary]
    seen: dict[str, None] = {}
    for part in SEPARATORS.split(text):
        token = part.strip().lower()
        if token:
            seen.setdefault(aliases.get(token, token), None)
    return tuple(seen)


def split_tokens(value: Any, vocabulary: str = "features") -> tuple[str, ...]:
    """Canonical tokens of a list value: the API's fields and the user's filter values alike.

    Accepts a comma string (ASCII or full-width commas) or a list of strings; strips, lower-cases,
    maps aliases of ``vocabulary`` (``types``, ``features``, ``input_modalities``), drops empties and
    dedupes keeping order. Raises TypeError for anything else.

    >>> split_tokens("Thinking，tools,tool")
    ('thinking', 'tools')
    >>> split_tokens(["t2t", "search"], "types")
    ('llm', 'search')
    """
    if value is None:
        return ()
    if isinstance(value, str):
        return _split_text(value, vocabulary)
    if isinstance(value, (list, tuple)) or (isinstance(value, Iterable) and not isinstance(value, (bytes, dict))):
        items = list(value)
        if not all(isinstance(item, str) or item is None for item in items):
            raise TypeError(f"expected a comma-separated string or a list of strings, got {items!r:.80}")
        return _split_text(",".join(item for item in items if item is not None), vocabulary)
    raise TypeError(f"expected a comma-separated string or a list of strings, got {type(value).__name__}")


# --- what makes a frame a catalog -----------------------------------------------------------------


def require_columns(frame: Any, columns: Iterable[str] = REQUIRED_COLUMNS, *, needed_for: str = "this") -> None:
    """Raise :class:`NotACatalogError` naming the catalog columns ``frame`` lacks.

    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"model_id": ["a"]}), ("model_id", "types"), needed_for="filter")
    Traceback (most recent call last):
    ...
    aihubmix_frame.errors.NotACatalogError: filter needs a catalog frame; this one lacks ['types']. Build it with aihubmix_frame.load_catalog(), load_snapshot() or catalog_to_frame(), and select columns afterwards.
    """
    present = getattr(frame, "columns", None)
    if present is None:
        raise NotACatalogError(
            f"{needed_for} needs a catalog frame (a pandas DataFrame), got {type(frame).__name__}. "
            "Build it with aihubmix_frame.load_catalog(), load_snapshot() or catalog_to_frame()."
        )
    missing = [c for c in columns if c not in present]
    if missing:
        raise NotACatalogError(
            f"{needed_for} needs a catalog frame; this one lacks {missing}. Build it with "
            "aihubmix_frame.load_catalog(), load_snapshot() or catalog_to_frame(), and select "
            "columns afterwards."
        )


def catalog_fingerprint(model_ids: Iterable[Any]) -> dict[str, Any]:
    """Row count and SHA-256 of the sorted model ids: what a complete catalog looked like.

    The loader stores it in the provenance of every unfiltered catalog; pandas carries ``attrs`` to
    any subset, but a subset's ids no longer match the fingerprint, so completeness is checked
    against the content (:func:`is_complete_catalog`), never trusted from ``attrs`` alone.
    """
    ids = list(model_ids)
    ids = sorted(ids if set(map(type, ids)) <= {str} else map(str, ids))
    digest = hashlib.sha256("\n".join(ids).encode("utf-8", "surrogatepass")).hexdigest()
    return {"rows": len(ids), "ids_sha256": digest}


def is_complete_catalog(frame: Any) -> bool:
    """True when ``frame`` holds every model of the catalog it was loaded as (no subset).

    >>> import aihubmix_frame as ahf
    >>> df = ahf.load_snapshot()
    >>> is_complete_catalog(df), is_complete_catalog(df[df["has_tools"]]), is_complete_catalog(df.iloc[::-1])
    (True, False, True)
    """
    attrs = getattr(frame, "attrs", None)
    provenance = attrs.get(ATTRS_KEY) if isinstance(attrs, dict) else None
    recorded = provenance.get(COMPLETE_KEY) if isinstance(provenance, dict) else None
    if not isinstance(recorded, dict) or "model_id" not in getattr(frame, "columns", ()):
        return False
    if recorded.get("rows") != len(frame):
        return False
    return catalog_fingerprint(frame["model_id"].tolist()) == recorded


# --- credentials ------------------------------------------------------------------------------------

#: Header, query-parameter and metadata key names that may carry a credential. One list for the
#: HTTP cache and the file codec; :func:`is_secret_name` compares in any letter case and treats
#: ``-`` and ``_`` alike.
SECRET_NAMES: tuple[str, ...] = (
    "authorization",
    "proxy-authorization",
    "auth",
    "x-api-key",
    "api-key",
    "apikey",
    "key",
    "token",
    "access-token",
    "refresh-token",
    "id-token",
    "x-auth-token",
    "x-api-token",
    "x-access-token",
    "bearer",
    "bearer-token",
    "openai-api-key",
    "aihubmix-api-key",
    "anthropic-api-key",
    "client-secret",
    "secret",
    "password",
    "passwd",
    "cookie",
    "set-cookie",
    "credentials",
)
#: Name endings that mark a credential whatever comes before (``my_service_api_key``).
SECRET_SUFFIXES: tuple[str, ...] = ("-api-key", "-apikey", "-token", "-secret", "-password")
_SECRET_SET = frozenset(SECRET_NAMES)


def is_secret_name(name: Any) -> bool:
    """Does this header, parameter or key name carry a credential? Any case; ``-`` and ``_`` alike.

    >>> [is_secret_name(n) for n in ("Authorization", "AIHUBMIX_API_KEY", "x-API-key", "Cookie", "model_id")]
    [True, True, True, True, False]
    """
    if not isinstance(name, str):
        return False
    normal = name.strip().lower().replace("_", "-")
    return normal in _SECRET_SET or normal.endswith(SECRET_SUFFIXES)
