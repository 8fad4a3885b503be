"""CatalogExchange: one catalog fetch, from the request and the cache's answer to what is returned."""

from __future__ import annotations

from typing import Any, Protocol

from ..errors import OfflineError, StaleCatalogWarning, warn
from .bypass import is_cache_fault
from .result import RawCatalog, age_text, iso_utc, public_url, utc_now
from .settings import CATALOG_PATH
from .transport import RETRY_STATUSES, error_message, send, status_error
from .verdict import BodyVerdict, verdict_of

__all__ = ["CatalogExchange", "ExchangeClient", "TRUSTED"]

#: The verdict on a body our own cache stored: it passed the deep check before it was written.
TRUSTED = BodyVerdict("catalog", None, None, deep=True)


class ExchangeClient(Protocol):
    """What an exchange needs of its client (:class:`~aihubmix_frame.http.client.CatalogClient`)."""

    base_url: str
    timeout: float
    retries: int

    @property
    def session(self) -> Any: ...

    def bypass_cache(self, exc: BaseException) -> None: ...

    def auth_headers(self) -> dict[str, str]: ...

    def scrub(self, text: str | None) -> str | None: ...


class CatalogExchange:
    """One catalog fetch: the request, the cache's answer, and the verdict on what to return."""

    def __init__(self, client: ExchangeClient, params: dict[str, str]):
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
