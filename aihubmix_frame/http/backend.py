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
  request, its redirect history and its next request before anything is written. Then every known
  secret's *value* (:mod:`.secrets`: the API key, a base URL's password, in their raw, URL-encoded,
  JSON-escaped and basic-auth forms) is replaced wherever it could be stored: every URL (user info
  dropped), every header value (``Location`` of a redirect included), cookies, the reason and the body.

It also keeps the entry a new answer replaces, in a ``previous`` table beside ``responses``
(:meth:`CatalogCache.previous_response`, :meth:`CatalogCache.restore_previous`): the loader compares
a new catalog with it and puts it back when the new one is implausible (a mass removal).
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
from .secrets import scrub_bytes, scrub_cookies, scrub_headers, scrub_text, scrub_url, secrets_of_request

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


def _scrub_request(request: Any, extra: list[str]) -> None:
    if request is None:
        return
    request.url = scrub_url(request.url, extra)
    scrub_headers(request.headers, extra=extra)
    scrub_cookies(getattr(request, "cookies", None), extra)
    if isinstance(getattr(request, "body", None), bytes):
        request.body = scrub_bytes(request.body, extra)


def redact_cached(response: CachedResponse) -> CachedResponse:
    """Remove credentials from a cached response, its request, its redirect history and next request:
    by name first, then every known secret by value (:mod:`.secrets`)."""
    items = (response, *(getattr(response, "history", None) or []))
    extra = [secret for item in items for secret in secrets_of_request(getattr(item, "request", None))]
    for item in items:
        item.url = scrub_url(redact_url(item.url), extra)
        item.headers = scrub_headers(redact_headers(item.headers), extra=extra)
        scrub_cookies(getattr(item, "cookies", None), extra)
        item.reason = scrub_text(getattr(item, "reason", None), extra)
        if isinstance(getattr(item, "_content", None), bytes):
            item._content = scrub_bytes(item._content, extra)
        for request in (getattr(item, "request", None), getattr(item, "_next", None)):
            _redact_request(request)
            _scrub_request(request, extra)
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
        #: The entry each new answer replaced (serialized as in ``responses``), by cache key.
        self.previous = BoundedSQLiteDict(
            db_path,
            table_name="previous",
            lock=self.responses._lock,
            lock_timeout=lock_timeout,
            **skwargs,
        )

    def save_response(self, response: Any, cache_key: str | None = None, expires: Any = None) -> None:
        cache_key = cache_key or self.create_key(response.request)
        cached = redact_cached(CachedResponse.from_response(response, expires=expires))
        if not cached.revalidated:
            self._keep_previous(cache_key)
        self.responses[cache_key] = cached
        # Redirect aliases, unless this is a revalidation (then they were saved before).
        if response.history and not cached.revalidated:
            for earlier in response.history:
                self.redirects[self.create_key(earlier.request)] = cache_key

    def _keep_previous(self, cache_key: str) -> None:
        """Copy the entry about to be replaced into ``previous`` (or forget an older one there)."""
        with self.responses.connection(commit=True) as connection:
            connection.execute("DELETE FROM previous WHERE key=?", (cache_key,))
            connection.execute(
                "INSERT INTO previous (key, value, expires) SELECT key, value, expires FROM responses WHERE key=?",
                (cache_key,),
            )

    def previous_response(self, cache_key: str) -> CachedResponse | None:
        """The entry the last new answer for ``cache_key`` replaced, or None."""
        try:
            return self.previous[cache_key]
        except KeyError:
            return None

    def restore_previous(self, cache_key: str) -> bool:
        """Put the replaced entry back as the cached answer for ``cache_key``; False if there is none."""
        with self.responses.connection(commit=True) as connection:
            found = connection.execute("SELECT 1 FROM previous WHERE key=?", (cache_key,)).fetchone()
            if found is None:
                return False
            connection.execute(
                "INSERT OR REPLACE INTO responses (key, value, expires) SELECT key, value, expires FROM previous "
                "WHERE key=?",
                (cache_key,),
            )
        return True

    def clear(self) -> None:
        """Delete every cached response, redirect alias and replaced entry."""
        super().clear()
        self.previous.clear()
