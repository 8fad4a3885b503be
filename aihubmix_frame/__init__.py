"""aihubmix_frame: the AIHubMix model catalog as a tidy, typed pandas DataFrame.

Importing the package registers the ``.aihub`` DataFrame accessor. Heavy or optional pieces
(requests-cache, ipywidgets, dask) are imported only when the function that needs them is used.
Prices are USD per 1M tokens.
"""

from __future__ import annotations

import importlib
from typing import Any

from . import accessor as _accessor  # noqa: F401  (registers df.aihub)
from ._version import __version__
from .errors import (
    AihubmixError,
    AihubmixWarning,
    APIError,
    AuthenticationError,
    CachePriceWarning,
    CacheWarning,
    CacheWriteDurationWarning,
    DuplicateModelWarning,
    ExportError,
    HistoryWarning,
    MissingPriceWarning,
    NotACatalogError,
    NotFoundError,
    OfflineError,
    PlaceholderPriceWarning,
    PriceWarning,
    SchemaError,
    StaleCatalogWarning,
    UnknownModelWarning,
    UnknownValueWarning,
)
from .frame import catalog_to_frame
from .loader import load_snapshot
from .query import CatalogQuery
from .schema import PRICE_UNIT

# Public names that live in modules with heavier imports: name -> module, imported on first use.
_LAZY: dict[str, str] = {
    "load_catalog": "loader",
    "load_legacy_models": "loader",
    "get_legacy_model": "loader",
    "fetch_catalog": "http.client",
    "CatalogClient": "http.client",
    "estimate_cost": "pricing",
    "cost_report": "pricing",
    "summarize_cost": "pricing",
    "reprice": "pricing",
    "cache_break_even": "pricing",
    "read_parquet": "store",
    "read_csv": "store",
    "diff_catalogs": "store",
    "CatalogHistory": "store",
    "read_usage": "usage",
    "quality_report": "quality",
    "family_ids": "families",
    "variants": "families",
    "load_modelsdev": "sources.modelsdev",
    "compare_sources": "sources.compare",
    "enrich": "sources.compare",
    "FieldValueWarning": "errors",
    "alternatives": "pricing",
    "UsageColumnsWarning": "errors",
    "ContextLengthWarning": "errors",
    "NotPerTokenWarning": "errors",
    "AsOfWarning": "errors",
    "BadLinesWarning": "errors",
    "AggregateUsageWarning": "errors",
    "BatchPriceWarning": "errors",
    "APIKeyError": "errors",
    "ImplausibleCatalogWarning": "errors",
    "ModelIdResolvedWarning": "errors",
}
_LAZY_MODULES = ("widgets", "plot", "testing", "http", "pricing", "store", "usage")

__all__ = [
    "__version__",
    "PRICE_UNIT",
    "catalog_to_frame",
    "load_snapshot",
    "CatalogQuery",
    "AihubmixError",
    "APIError",
    "NotFoundError",
    "NotACatalogError",
    "AuthenticationError",
    "SchemaError",
    "OfflineError",
    "AihubmixWarning",
    "StaleCatalogWarning",
    "UnknownModelWarning",
    "UnknownValueWarning",
    "DuplicateModelWarning",
    "ExportError",
    "HistoryWarning",
    "PriceWarning",
    "CachePriceWarning",
    "CacheWarning",
    "CacheWriteDurationWarning",
    "PlaceholderPriceWarning",
    "MissingPriceWarning",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'aihubmix_frame' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_LAZY_MODULES})
