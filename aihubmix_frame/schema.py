"""The single source of truth for the catalog frame: columns, dtypes, units and alias tables."""

from __future__ import annotations

SCHEMA_VERSION = 1
PRICE_UNIT = "USD per 1M tokens"

# --- vocabularies -------------------------------------------------------------------------------

#: Types the API documents, then undocumented ones seen in real catalogs.
DOCUMENTED_TYPES: tuple[str, ...] = (
    "llm", "image_generation", "video", "tts", "stt", "embedding", "rerank",
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
    "thinking", "tools", "function_calling", "web", "deepsearch", "long_context",
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

#: Raw fields the normaliser consumes; anything else is kept as an extra column.
KNOWN_FIELDS: frozenset[str] = frozenset(
    {*STRING_FIELDS, *LIST_FIELDS, *LIMIT_FIELDS, "pricing"}
)

HAS_COLUMNS: tuple[str, ...] = tuple(f"has_{f}" for f in FEATURES)
ACCEPTS_COLUMNS: tuple[str, ...] = tuple(f"accepts_{m}" for m in MODALITIES)
PRICE_COLUMNS: tuple[str, ...] = tuple(PRICE_FIELDS.values())
LIST_COLUMNS: tuple[str, ...] = ("types", "features", "input_modalities")

#: The wide frame: column -> pandas dtype name, in order. ``list`` is ArrowDtype(list<string>),
#: ``object`` holds Python lists of dicts or NA.
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
}

#: Human-readable unit of each column, for docs, CLI headers and Parquet metadata.
UNITS: dict[str, str] = {
    "max_output": "tokens",
    "context_length": "tokens",
    **{c: PRICE_UNIT for c in PRICE_COLUMNS},
}

#: Keys of ``df.attrs["aihubmix"]``.
PROVENANCE_KEYS: tuple[str, ...] = (
    "source", "url", "params", "etag", "fetched_at", "price_unit", "package_version",
)
SOURCES: tuple[str, ...] = ("network", "cache", "revalidated", "stale", "snapshot")
ATTRS_KEY = "aihubmix"

#: Columns the ``.aihub`` accessor needs to recognise a catalog frame.
REQUIRED_COLUMNS: tuple[str, ...] = ("model_id", "types", "features", "input_modalities")
