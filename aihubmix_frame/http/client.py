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

from ..errors import CacheWarning, OfflineError, warn
from ..keywords import accepts_query
from ..query import CatalogQuery
from .apikey import check_api_key
from .bypass import is_cache_fault, plain_session
from .exchange import TRUSTED as TRUSTED  # defined here before the split
from .exchange import CatalogExchange
from .result import RawCatalog, public_url
from .secrets import remember, remember_url, scrub_message, strip_userinfo
from .settings import (
    BASE_URL_ENV,
    CATALOG_PATH,
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    MAX_RETRIES,
    check_settings,
    resolve_base_url,
)
from .transport import API_KEY_ENV, error_message, send, status_error

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
        self.timeout, self.retries = check_settings(timeout, retries)
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
        exchange = CatalogExchange(self, query.to_params())
        if offline:
            return exchange.from_cache_only()
        try:
            return exchange.run(refresh=refresh, force_refresh=force_refresh)
        except Exception as exc:
            if not is_cache_fault(exc):
                raise
            self.bypass_cache(exc)
            return CatalogExchange(self, query.to_params()).run(refresh=False, force_refresh=False)

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
