"""The previous good copy: the cached catalog a new answer replaced, read back or put back.

The cache backend keeps the entry each new answer replaces (:class:`~.backend.CatalogCache`).
Whether a new catalog is plausible is not the HTTP layer's decision (it knows no pandas): the loader
compares the two catalogs and, when the new one is implausible, puts the previous one back here.
"""

from __future__ import annotations

from typing import Any

from ..query import CatalogQuery
from .result import RawCatalog, iso_utc, public_url
from .verdict import verdict_of

__all__ = ["previous_catalog", "restore_previous"]


def _key_and_cache(client: Any, query: CatalogQuery) -> tuple[str, Any] | None:
    from .cache import CATALOG_PATH, cache_key_of, is_cached_session

    session = client.session
    if not is_cached_session(session) or not hasattr(session.cache, "previous_response"):
        return None
    return cache_key_of(session, client.base_url + CATALOG_PATH, query.to_params()), session.cache


def previous_catalog(client: Any, query: CatalogQuery) -> RawCatalog | None:
    """The copy the last new answer to ``query`` replaced in ``client``'s cache, or None.

    None too when the cache is not ours, holds nothing earlier, or cannot be read (a cache fault is
    never a reason to refuse a catalog).
    """
    from .bypass import is_cache_fault
    from .cache import CATALOG_PATH, last_confirmed

    found = _key_and_cache(client, query)
    if found is None:
        return None
    key, cache = found
    try:
        cached = cache.previous_response(key)
        verdict = verdict_of(cached, deep=False) if cached is not None else None
    except Exception as exc:
        if not is_cache_fault(exc):
            raise
        return None
    if verdict is None or not verdict.ok:
        return None
    return RawCatalog(
        source="stale",
        url=public_url(client.base_url + CATALOG_PATH),
        params=query.to_params(),
        etag=cached.headers.get("ETag"),
        fetched_at=iso_utc(last_confirmed(cached)),
        content=cached.content,
        payload_parsed=verdict.payload,
    )


def restore_previous(client: Any, query: CatalogQuery) -> bool:
    """Put the previous copy back as ``client``'s cached answer to ``query``; False if there is none."""
    from .bypass import is_cache_fault

    found = _key_and_cache(client, query)
    if found is None:
        return False
    key, cache = found
    try:
        return bool(cache.restore_previous(key))
    except Exception as exc:
        if not is_cache_fault(exc):
            raise
        return False
