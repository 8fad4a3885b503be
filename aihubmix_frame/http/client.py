"""CatalogClient: base URL, API key, session, timeout, retries and cache held once; ``fetch`` returns JSON.

``CatalogClient.fetch(query)`` answers from the network, the HTTP cache (fresh, revalidated with a
304, or stale when the server is unreachable or failing) and says which in its provenance. It never
invents data: with no server answer and no cached copy it raises :class:`OfflineError`
(``load_catalog`` then falls back to the bundled snapshot). ``fetch_catalog`` is a convenience over a
client made for one call, as httpx's module functions are over its ``Client``.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import CacheWarning, OfflineError, StaleCatalogWarning, warn
from ..keywords import accepts_query
from ..query import CatalogQuery
from .apikey import check_api_key
from .result import RawCatalog, age_text, iso_utc, public_url, utc_now
from .secrets import remember, remember_url, scrub_message, strip_userinfo
from .transport import API_KEY_ENV, RETRY_STATUSES, error_message, send, status_error
from .verdict import BodyVerdict, verdict_of

#: The verdict on a body our own cache stored: it passed the deep check before it was written.
TRUSTED = BodyVerdict("catalog", None, None, deep=True)

#: What a leaked credential is replaced by in messages.
REDACTED = "[REDACTED]"


def scrub_secret(text: str | None, secret: str | None) -> str | None:
    """``text`` with ``secret`` and any ``Bearer <token>`` replaced by ``[REDACTED]``.

    >>> scrub_secret("Invalid token: Bearer sk-abc123 (key sk-abc123)", "sk-abc123")
    'Invalid token: Bearer [REDACTED] (key [REDACTED])'
    """
    import re

    if not text:
        return text
    if secret:
        text = text.replace(secret, REDACTED)
    return re.sub(r"(?i)(bearer\s+)(?!\[REDACTED\])\S+", r"\1" + REDACTED, text)


def plain_session() -> Any:
    """A requests session without a cache, with the body size cap and total deadline."""
    import requests

    from .limits import BoundedAdapter

    session = requests.Session()
    adapter = BoundedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def is_cache_fault(exc: BaseException) -> bool:
    """Did ``exc`` come from the cache layer (SQLite, requests-cache, its serializer), not the network?"""
    import sqlite3

    from .backend import CacheLockedError

    if isinstance(exc, (sqlite3.Error, CacheLockedError)):
        return True
    trace = exc.__traceback__
    while trace is not None:
        name = trace.tb_frame.f_code.co_filename
        if f"{os.sep}requests_cache{os.sep}" in name or f"{os.sep}cattrs{os.sep}" in name:
            return True
        trace = trace.tb_next
    return False


__all__ = [
    "CatalogClient",
    "fetch_catalog",
    "resolve_base_url",
    "DEFAULT_BASE_URL",
    "BASE_URL_ENV",
    "API_KEY_ENV",
    "DEFAULT_TIMEOUT",
    "MAX_RETRIES",
    "CATALOG_PATH",
    "scrub_secret",
    "check_api_key",
    "plain_session",
    "is_cache_fault",
]

DEFAULT_BASE_URL = "https://aihubmix.com"
BASE_URL_ENV = "AIHUBMIX_BASE_URL"
CATALOG_PATH = "/api/v1/models"
#: Seconds to wait for the server to connect and to answer (each attempt).
DEFAULT_TIMEOUT = 10.0
#: Retries after a 429 or 503 (then the fallback chain applies).
MAX_RETRIES = 3


def resolve_base_url(base_url: str | None = None) -> str:
    """``base_url``, else ``$AIHUBMIX_BASE_URL``, else https://aihubmix.com (no trailing slash).

    >>> resolve_base_url("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    """
    from urllib.parse import urlsplit

    url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    if not isinstance(url, str):
        raise TypeError(f"base_url must be a string such as {DEFAULT_BASE_URL!r}, got {url!r}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"base_url {url!r} is not an http(s) URL; use e.g. {DEFAULT_BASE_URL!r} or the URL a CatalogServer prints"
        )
    return url.strip().rstrip("/")


def _check_settings(timeout: Any, retries: Any) -> tuple[float, int]:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
    return float(timeout), retries


class CatalogClient:
    """The AIHubMix catalog API: settings held once, one method per endpoint.

    ``base_url``: else ``$AIHUBMIX_BASE_URL``, else https://aihubmix.com. ``api_key``: else
    ``$AIHUBMIX_API_KEY`` (optional for the catalog), sent as a Bearer token and never stored or
    shown. ``session``: a requests(-cache) session; by default the shared SQLite cache session of
    ``cache_dir`` (else ``$AIHUBMIX_CACHE_DIR``, else the user cache directory).

    >>> import tempfile
    >>> from aihubmix_frame.testing import CatalogServer
    >>> with CatalogServer() as server, tempfile.TemporaryDirectory() as tmp:
    ...     client = CatalogClient(base_url=server.url, cache_dir=tmp, api_key="sk-secret")
    ...     first, again = client.fetch(CatalogQuery.parse(type="llm")), client.fetch(type="llm")
    ...     from aihubmix_frame.http.cache import close_sessions; close_sessions()
    >>> first.source, again.source, first.params, "sk-secret" in repr(client)
    ('network', 'cache', {'type': 'llm'}, False)
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        session: Any = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = MAX_RETRIES,
        cache_dir: str | os.PathLike[str] | None = None,
    ):
        self.base_url = resolve_base_url(base_url)
        self.timeout, self.retries = _check_settings(timeout, retries)
        self.cache_dir = cache_dir
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        if key is not None and not isinstance(key, str):
            raise TypeError(f"api_key must be a string (or set ${API_KEY_ENV})")
        self._api_key = check_api_key(key.strip()) if key else None
        # Scrubbed by value from everything stored or logged (a server may echo them anywhere).
        remember(self._api_key)
        remember_url(self.base_url)
        self._session = session

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return (
            f"CatalogClient(base_url={strip_userinfo(self.base_url)!r}, api_key=<{key}>, timeout={self.timeout}, "
            f"retries={self.retries})"
        )

    @property
    def session(self) -> Any:
        """The session requests go through: the cache session unless one was given, or — when the
        cache cannot be used — a plain session (after one CacheWarning naming the path)."""
        if self._session is None:
            from .cache import open_cache

            self._session = open_cache(cache_dir=self.cache_dir) or plain_session()
        return self._session

    def bypass_cache(self, exc: BaseException) -> None:
        """A cache fault happened mid-request: say so once, and go on without the cache."""
        from .cache import cache_path

        path = getattr(getattr(self._session, "cache", None), "db_path", None) or cache_path(self.cache_dir)
        warn(
            f"the HTTP cache {path} failed ({type(exc).__name__}: {self.scrub(str(exc))}); going on "
            f"without it. Run `aihubmix-frame cache clear` if it keeps happening",
            CacheWarning,
        )
        self._session = plain_session()

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    def scrub(self, text: str | None) -> str | None:
        """Server text without the API key (servers echo it: "Invalid token: Bearer sk-...")."""
        return scrub_message(scrub_secret(text, self._api_key))

    # --- the catalog ---------------------------------------------------------------------------

    @accepts_query(bounds=False)
    def fetch(
        self,
        *,
        query: CatalogQuery,
        refresh: bool = False,
        force_refresh: bool = False,
        offline: bool = False,
    ) -> RawCatalog:
        """``GET /api/v1/models`` through the HTTP cache: the raw JSON envelope and its provenance.

        The query's server part goes as query parameters (unknown values warn and are still sent).
        ``source`` says where the data came from: ``network`` (a 200), ``cache`` (fresh, no
        request), ``revalidated`` (a 304 confirmed the cached copy), ``stale`` (the server could not
        be reached, answered 5xx, kept answering 429/503, or sent a broken body: the cached copy is
        used with a :class:`StaleCatalogWarning`). ``refresh=True`` revalidates,
        ``force_refresh=True`` refetches, ``offline=True`` reads only the cache. With no answer and
        no cached copy it raises :class:`OfflineError`; 4xx raise :class:`APIError` (404
        :class:`NotFoundError`, 401/403 :class:`AuthenticationError`).
        """
        query.warn_unknown()
        exchange = _CatalogExchange(self, query.to_params())
        if offline:
            return exchange.from_cache_only()
        try:
            return exchange.run(refresh=refresh, force_refresh=force_refresh)
        except Exception as exc:
            if not is_cache_fault(exc):
                raise
            self.bypass_cache(exc)
            return _CatalogExchange(self, query.to_params()).run(refresh=False, force_refresh=False)

    # --- legacy endpoints -------------------------------------------------------------------------

    def get_json(self, path: str) -> Any:
        """GET a legacy endpoint, uncached (its answer depends on the API key), and return its JSON."""
        from ..errors import SchemaError
        from .cache import is_cached_session

        url = self.base_url + path
        public = public_url(url)
        headers = self.auth_headers()
        own = self._session is None
        session = plain_session() if own else self._session
        if is_cached_session(session):
            # The answer depends on the key, and the cache key ignores it: neither read nor store.
            headers["Cache-Control"] = "no-store"
        try:
            attempt = send(
                session,
                url,
                params=None,
                headers=headers,
                timeout=self.timeout,
                retries=self.retries,
                cache_kwargs={},
            )
        finally:
            if own:
                session.close()
        response = attempt.response
        if response is None:
            raise OfflineError(
                f"{attempt.failure} at {public}; the legacy endpoints have no cache or "
                "snapshot. Retry later or check base_url and your network."
            )
        if response.status_code != 200:
            raise status_error(response.status_code, self.scrub(error_message(response)), public)
        try:
            return response.json()
        except ValueError:
            raise SchemaError(
                f"{public} answered 200 with a body that is not JSON "
                f"({response.headers.get('Content-Type', 'unknown type')}); retry later"
            ) from None


class _CatalogExchange:
    """One catalog fetch: the request, the cache's answer, and the verdict on what to return."""

    def __init__(self, client: CatalogClient, params: dict[str, str]):
        self.client = client
        self.params = params
        self.url = client.base_url + CATALOG_PATH
        self.public = public_url(self.url)
        self.session = client.session

    def _cached(self) -> tuple[Any, dict | None] | None:
        """The cached response and its parsed envelope, without touching the network."""
        from .cache import cache_key_of, is_cached_session

        if not is_cached_session(self.session):
            return None
        try:
            cached = self.session.cache.get_response(cache_key_of(self.session, self.url, self.params))
            verdict = verdict_of(cached, deep=False) if cached is not None else None
        except Exception as exc:
            if not is_cache_fault(exc):
                raise
            self.client.bypass_cache(exc)
            self.session = self.client.session
            return None
        return (cached, verdict.payload) if verdict is not None and verdict.ok else None

    def _raw(
        self,
        response: Any,
        payload: dict | None,
        source: str,
        *,
        fetched_at: str | None = None,
        reason: str | None = None,
        converted: tuple | None = None,
    ) -> RawCatalog:
        from .cache import last_confirmed

        when = fetched_at or iso_utc(last_confirmed(response))
        return RawCatalog(
            source=source,
            url=self.public,
            params=dict(self.params),
            etag=response.headers.get("ETag"),
            fetched_at=when,
            content=response.content,
            payload_parsed=payload,
            reason=reason,
            converted=converted,
        )

    def _stale(self, cached: Any, payload: dict | None, reason: str) -> RawCatalog:
        from .cache import last_confirmed

        reason = self.client.scrub(reason) or reason
        confirmed = last_confirmed(cached)
        warn(
            f"{reason} at {self.public}; using the cached catalog last confirmed by the server "
            f"{age_text(confirmed)} ago ({iso_utc(confirmed)}). Prices may have changed: retry later, "
            f"or check base_url and your network.",
            StaleCatalogWarning,
        )
        return self._raw(cached, payload, "stale", reason=f"{reason} at {self.public}")

    def from_cache_only(self) -> RawCatalog:
        entry = self._cached()
        if entry is None:
            raise OfflineError(
                f"offline=True and no cached catalog for {self.params or 'no filters'}; "
                "load it once online, or use load_snapshot()",
                reason="offline",
            )
        cached, payload = entry
        return self._raw(cached, payload, "stale" if cached.is_expired else "cache")

    def run(self, *, refresh: bool, force_refresh: bool) -> RawCatalog:
        from .cache import is_cached_session

        cache_kwargs = {"refresh": refresh, "force_refresh": force_refresh} if is_cached_session(self.session) else {}
        attempt = send(
            self.session,
            self.url,
            params=self.params,
            headers=self.client.auth_headers(),
            timeout=self.client.timeout,
            retries=self.client.retries,
            cache_kwargs=cache_kwargs,
        )
        last, response, failure = attempt.last, attempt.response, attempt.failure
        if last is not None and 400 <= last.status < 500 and last.status not in RETRY_STATUSES:
            raise status_error(last.status, self.client.scrub(last.message), self.public)

        if response is not None and getattr(response, "from_cache", False):
            # Our cache stored this body only after a deep check: trust it and parse it only if the
            # loader needs the payload (an identical body reuses its frame, no parse at all).
            content = response.content or b""
            looks_whole = content[:1] == b"{" and content.rstrip()[-1:] == b"}"  # a damaged row is not
            verdict = TRUSTED if looks_whole and self._trusted_cache() else verdict_of(response, deep=False)
            if verdict.ok:
                if getattr(response, "revalidated", False):
                    return self._raw(response, verdict.payload, "revalidated", fetched_at=iso_utc(utc_now()))
                # A cached copy comes back after a request only when that request failed
                # (stale_if_error): it had expired, or refresh=True asked to revalidate it.
                revalidatable = bool(response.headers.get("ETag") or response.headers.get("Last-Modified"))
                asked_server = (
                    response.is_expired
                    or ((refresh or force_refresh) and revalidatable)
                    or (last is not None and last.status != 200)
                )
                if not asked_server:
                    return self._raw(response, verdict.payload, "cache")
                reason = (
                    last.describe()
                    if last is not None
                    else "the server did not answer (connection failed or timed out)"
                )
                return self._stale(response, verdict.payload, reason)
            if not force_refresh:
                # An unreadable entry (a damaged row, another program's cache): drop it, ask again.
                self._delete_entry()
                return self.run(refresh=False, force_refresh=True)
            failure = "the cached copy is not the catalog JSON"
        elif response is not None:
            if response.status_code == 200:
                verdict = verdict_of(response)
                if verdict.ok:
                    return self._raw(
                        response,
                        verdict.payload,
                        "network",
                        fetched_at=iso_utc(utc_now()),
                        converted=verdict.converted,
                    )
                self._forget_bad_entry()
                failure = f"the server answered 200 with {verdict.problem}"
            elif 400 <= response.status_code < 500 and response.status_code not in RETRY_STATUSES:
                raise status_error(response.status_code, self.client.scrub(error_message(response)), self.public)
            else:
                failure = last.describe() if last is not None else f"the server answered HTTP {response.status_code}"

        entry = self._cached()
        reason = self.client.scrub(failure or "the request failed") or "the request failed"
        if entry is not None:
            return self._stale(entry[0], entry[1], reason)
        raise OfflineError(
            f"{reason} at {self.public}, and there is no cached copy of this query. Retry "
            f"later, check base_url and your network, or use load_snapshot().",
            reason=f"{reason} at {self.public}",
        )

    def _trusted_cache(self) -> bool:
        from .cache import store_only_good_catalogs

        settings = getattr(self.session, "settings", None)
        return getattr(settings, "filter_fn", None) is store_only_good_catalogs

    def _delete_entry(self) -> None:
        from .cache import cache_key_of, is_cached_session

        if is_cached_session(self.session):
            self.session.cache.delete(cache_key_of(self.session, self.url, self.params))

    def _forget_bad_entry(self) -> None:
        """A session without our ``filter_fn`` may have stored a broken body: delete it."""
        from .cache import cache_key_of, is_cached_session, store_only_good_catalogs

        if is_cached_session(self.session) and self.session.settings.filter_fn is not store_only_good_catalogs:
            key = cache_key_of(self.session, self.url, self.params)
            cached = self.session.cache.get_response(key)
            if cached is not None and not verdict_of(cached).ok:
                self.session.cache.delete(key)


@accepts_query(bounds=False)
def fetch_catalog(
    *,
    query: CatalogQuery,
    base_url: str | None = None,
    api_key: str | None = None,
    session: Any = None,
    refresh: bool = False,
    force_refresh: bool = False,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    cache_dir: str | os.PathLike[str] | None = None,
    retries: int = MAX_RETRIES,
) -> RawCatalog:
    """``GET /api/v1/models`` through the HTTP cache: :meth:`CatalogClient.fetch` on a one-call client.

    >>> import tempfile
    >>> from aihubmix_frame.testing import CatalogServer
    >>> with CatalogServer() as server, tempfile.TemporaryDirectory() as tmp:
    ...     first = fetch_catalog(type="llm", base_url=server.url, cache_dir=tmp)
    ...     again = fetch_catalog(type="llm", base_url=server.url, cache_dir=tmp)
    ...     from aihubmix_frame.http.cache import close_sessions; close_sessions()
    >>> first.source, again.source, first.params, len(first.payload["data"]) == len(again.payload["data"])
    ('network', 'cache', {'type': 'llm'}, True)
    """
    client = CatalogClient(
        base_url=base_url,
        api_key=api_key,
        session=session,
        timeout=timeout,
        retries=retries,
        cache_dir=cache_dir,
    )
    return client.fetch(query=query, refresh=refresh, force_refresh=force_refresh, offline=offline)
