"""CatalogCache: requests-cache's SQLite backend with bounded lock waits and complete redaction.

Two faults of the stock backend are fixed here, at the depth where they happen:

- ``SQLiteDict._acquire_sqlite_lock`` retries ``BEGIN IMMEDIATE`` forever while another process
  holds a write transaction (every ``load_catalog`` hung, ``offline=True`` too). Here the wait is
  bounded by ``lock_timeout`` seconds, then :class:`CacheLockedError` says so and the client goes on
  without the cache.
- ``save_response`` redacts the ignored parameters of the final request only, with case-sensitive
  names: the request headers of a redirect's history (``Authorization: Bearer sk-...``) reached the
  file. Here every header and query parameter whose name is a credential
  (:func:`aihubmix_frame.schema.is_secret_name`, any letter case) is removed from the response, its
  request, its redirect history and its next request before anything is written.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from requests.structures import CaseInsensitiveDict
from requests_cache import SQLiteCache
from requests_cache.backends.base import BaseCache
from requests_cache.backends.sqlite import SQLiteDict
from requests_cache.models import CachedResponse

from ..errors import AihubmixError
from ..schema import is_secret_name

#: What a credential's value becomes in the cache file (requests-cache's own word).
REDACTED = "REDACTED"

__all__ = ["CatalogCache", "BoundedSQLiteDict", "CacheLockedError", "redact_url", "redact_headers"]


class CacheLockedError(AihubmixError):
    """Another process held the HTTP cache's write lock too long; the cache is bypassed this time."""


def redact_url(url: str | None) -> str | None:
    """The URL with the values of credential query parameters replaced (any letter case).

    >>> redact_url("https://h/api/v1/models?type=llm&API_KEY=sk-1&Token=x")
    'https://h/api/v1/models?type=llm&API_KEY=REDACTED&Token=REDACTED'
    """
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, REDACTED if is_secret_name(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def redact_headers(headers: Any) -> CaseInsensitiveDict:
    """The headers with the values of credential ones replaced by ``REDACTED`` (any letter case)."""
    return CaseInsensitiveDict({k: REDACTED if is_secret_name(k) else v for k, v in dict(headers or {}).items()})


def _redact_request(request: Any) -> None:
    if request is None:
        return
    request.url = redact_url(request.url)
    request.headers = redact_headers(request.headers)


def redact_cached(response: CachedResponse) -> CachedResponse:
    """Remove credentials from a cached response, its request, its redirect history and next request."""
    for item in (response, *(getattr(response, "history", None) or [])):
        item.url = redact_url(item.url)
        item.headers = redact_headers(item.headers)
        _redact_request(getattr(item, "request", None))
        _redact_request(getattr(item, "_next", None))
    return response


class BoundedSQLiteDict(SQLiteDict):
    """A SQLiteDict whose write lock is waited for at most ``lock_timeout`` seconds."""

    def __init__(self, *args: Any, lock_timeout: float = 10.0, **kwargs: Any):
        self.lock_timeout = lock_timeout
        super().__init__(*args, **kwargs)

    @contextmanager
    def _acquire_sqlite_lock(self) -> Iterator[None]:
        connection = cast(sqlite3.Connection, self._connection)  # opened before any transaction
        with self._lock:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    connection.execute("BEGIN IMMEDIATE")
                    self._active_transaction = True
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise  # not a lock: a real fault (disk, corruption) the caller must see
                    if time.monotonic() >= deadline:
                        raise CacheLockedError(
                            f"the HTTP cache {self.db_path} stayed locked by another process for "
                            f"{self.lock_timeout:g} s; going on without it"
                        ) from None
                    time.sleep(0.01)
            try:
                yield
                connection.commit()
            except sqlite3.OperationalError:
                connection.rollback()
                raise
            finally:
                self._active_transaction = False


class CatalogCache(SQLiteCache):
    """The SQLite backend of the catalog cache (see the module docstring)."""

    def __init__(self, db_path: str, *, lock_timeout: float = 10.0, serializer: Any = "json", **kwargs: Any):
        BaseCache.__init__(self, cache_name=str(db_path), **kwargs)
        skwargs = {"serializer": serializer, **kwargs}
        self.responses = BoundedSQLiteDict(db_path, table_name="responses", lock_timeout=lock_timeout, **skwargs)
        self.redirects = BoundedSQLiteDict(
            db_path,
            table_name="redirects",
            lock=self.responses._lock,
            lock_timeout=lock_timeout,
            serializer=None,
            **kwargs,
        )

    def save_response(self, response: Any, cache_key: str | None = None, expires: Any = None) -> None:
        cache_key = cache_key or self.create_key(response.request)
        cached = redact_cached(CachedResponse.from_response(response, expires=expires))
        self.responses[cache_key] = cached
        # Redirect aliases, unless this is a revalidation (then they were saved before).
        if response.history and not cached.revalidated:
            for earlier in response.history:
                self.redirects[self.create_key(earlier.request)] = cache_key
