"""HTTP client of the AIHubMix API: parameters, endpoints, retries, status -> error, JSON; no pandas.

``fetch_catalog`` answers from the network, the HTTP cache (fresh, revalidated with a 304, or
stale when the server is unreachable or failing) and says which in its provenance. It never
invents data: with no server answer and no cached copy it raises :class:`OfflineError`
(``load_catalog`` then falls back to the bundled snapshot).
"""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from .. import schema
from ..errors import APIError, AuthenticationError, NotFoundError, OfflineError, SchemaError, StaleCatalogWarning

__all__ = [
    "fetch_catalog",
    "fetch_legacy_models",
    "fetch_legacy_model",
    "catalog_params",
    "resolve_base_url",
    "RawCatalog",
    "DEFAULT_BASE_URL",
    "BASE_URL_ENV",
    "API_KEY_ENV",
    "DEFAULT_TIMEOUT",
]

DEFAULT_BASE_URL = "https://aihubmix.com"
BASE_URL_ENV = "AIHUBMIX_BASE_URL"
API_KEY_ENV = "AIHUBMIX_API_KEY"
CATALOG_PATH = "/api/v1/models"
LEGACY_PATH = "/v1/models"
#: Seconds to wait for the server to connect and to answer (each attempt).
DEFAULT_TIMEOUT = 10.0
#: Retries after a 429 or 503 (then the fallback chain applies).
MAX_RETRIES = 3
RETRY_STATUSES = (429, 503)
#: Longest wait honoured from a ``Retry-After`` header, in seconds.
MAX_RETRY_WAIT = 10.0

SORT_KEYS: tuple[str, ...] = ("model_ratio", "context_length", "coding", "order")
SORT_ORDERS: tuple[str, ...] = ("asc", "desc")
_SEPARATORS = re.compile(r"[,\uff0c]")

#: Values each list parameter accepts: documented, seen in real catalogs, and aliases.
KNOWN_VALUES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "type": ((*schema.DOCUMENTED_TYPES, *schema.OBSERVED_TYPES), schema.TYPE_ALIASES),
    "modalities": (schema.MODALITIES, schema.MODALITY_ALIASES),
    "features": (schema.FEATURES, schema.FEATURE_ALIASES),
}


# --- parameters ----------------------------------------------------------------------------------


def _tokens(name: str, value: str | Iterable[str] | None, aliases: Mapping[str, str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        parts: list[Any] = [value]
    else:
        try:
            parts = list(value)
        except TypeError:
            raise TypeError(f"{name} must be a comma-separated string or a list of strings, "
                            f"got {type(value).__name__}") from None
    tokens: list[str] = []
    for part in parts:
        if not isinstance(part, str):
            raise TypeError(f"{name} must contain strings, got {part!r} ({type(part).__name__})")
        for piece in _SEPARATORS.split(part):
            token = piece.strip().lower()
            token = aliases.get(token, token)
            if token and token not in tokens:
                tokens.append(token)
    return tokens


def catalog_params(
    type: str | Iterable[str] | None = None,  # noqa: A002 - the API's own parameter name
    modalities: str | Iterable[str] | None = None,
    features: str | Iterable[str] | None = None,
    model: str | None = None,
    sort_by: str | None = None,
    sort_order: str | None = None,
) -> dict[str, str]:
    """Validate and normalise the query parameters of ``GET /api/v1/models``.

    List values may be comma strings (ASCII or full-width commas) or lists; they are stripped,
    lower-cased, mapped from legacy codes and synonyms, deduplicated and joined with ``,``.
    Unknown values raise ``ValueError`` naming the valid ones, before any request is sent.

    >>> catalog_params(type="T2T", features=["Thinking，tool"], sort_by="Context_Length", sort_order="DESC")
    {'type': 'llm', 'features': 'thinking,tools', 'sort_by': 'context_length', 'sort_order': 'desc'}
    >>> catalog_params(type="lmm")
    Traceback (most recent call last):
    ...
    ValueError: unknown type 'lmm'; valid values: llm, image_generation, video, tts, stt, embedding, rerank, ocr, search (legacy codes t2t, t2i, t2v, reranking are accepted)
    """
    params: dict[str, str] = {}
    for name, value in (("type", type), ("modalities", modalities), ("features", features)):
        known, aliases = KNOWN_VALUES[name]
        tokens = _tokens(name, value, aliases)
        unknown = [t for t in tokens if t not in known]
        if unknown:
            hint = f" (legacy codes {', '.join(aliases)} are accepted)" if aliases else ""
            raise ValueError(f"unknown {name} {', '.join(map(repr, unknown))}; "
                             f"valid values: {', '.join(known)}{hint}")
        if tokens:
            params[name] = ",".join(tokens)
    if model is not None:
        if not isinstance(model, str):
            raise TypeError(f"model must be a string (a substring of model_id), got {model!r}")
        if model.strip():
            params["model"] = model.strip()
    for name, value, valid in (("sort_by", sort_by, SORT_KEYS), ("sort_order", sort_order, SORT_ORDERS)):
        if value is None:
            continue
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, got {value!r}")
        normalised = value.strip().lower()
        if normalised not in valid:
            extra = (" (to sort by another column, sort the frame: df.aihub.sort(column))"
                     if name == "sort_by" else "")
            raise ValueError(f"unknown {name} {value!r}; valid values: {', '.join(valid)}{extra}")
        params[name] = normalised
    return params


def resolve_base_url(base_url: str | None = None) -> str:
    """``base_url``, else ``$AIHUBMIX_BASE_URL``, else https://aihubmix.com (no trailing slash).

    >>> resolve_base_url("http://127.0.0.1:8000/")
    'http://127.0.0.1:8000'
    """
    url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    if not isinstance(url, str):
        raise TypeError(f"base_url must be a string such as {DEFAULT_BASE_URL!r}, got {url!r}")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base_url {url!r} is not an http(s) URL; use e.g. {DEFAULT_BASE_URL!r} "
                         f"or the URL a CatalogServer prints")
    return url.strip().rstrip("/")


def _public_url(url: str) -> str:
    """The URL without user info or query (for provenance and messages)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _auth_headers(api_key: str | None) -> dict[str, str]:
    key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if key is None or key == "":
        return {}
    if not isinstance(key, str):
        raise TypeError("api_key must be a string (or set AIHUBMIX_API_KEY)")
    return {"Authorization": f"Bearer {key.strip()}"}


# --- results -----------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False, eq=False)
class RawCatalog:
    """The catalog JSON envelope and where it came from (never the API key).

    ``payload`` is the parsed envelope (parsed on first access when only the body is known);
    ``provenance`` holds the keys of ``df.attrs["aihubmix"]``.
    """

    source: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    fetched_at: str | None = None
    content: bytes | None = None
    _payload: dict[str, Any] | None = None

    @property
    def payload(self) -> dict[str, Any]:
        if self._payload is None:
            object.__setattr__(self, "_payload", json.loads(self.content))
        return self._payload

    @property
    def content_digest(self) -> str | None:
        """A hash of the body as received (identical bodies give identical frames)."""
        if self.content is None:
            return None
        import hashlib

        return hashlib.blake2b(self.content, digest_size=16).hexdigest()

    @property
    def provenance(self) -> dict[str, Any]:
        """The provenance keys of ``df.attrs["aihubmix"]`` (JSON-serialisable)."""
        return {"source": self.source, "url": self.url, "params": dict(self.params),
                "etag": self.etag, "fetched_at": self.fetched_at}

    def __repr__(self) -> str:
        size = f"{len(self.content):,} bytes" if self.content is not None else "parsed"
        return (f"RawCatalog(source={self.source!r}, url={self.url!r}, params={self.params!r}, "
                f"etag={self.etag!r}, fetched_at={self.fetched_at!r}, body={size})")


@dataclass
class _Exchange:
    """One answer straight from the network (before the cache layer replaces it)."""

    status: int
    headers: dict[str, str]
    message: str | None

    def retry_wait(self, attempt: int) -> float:
        value = self.headers.get("Retry-After") or self.headers.get("retry-after")
        seconds: float | None = None
        if value is not None:
            try:
                seconds = float(value)
            except ValueError:
                try:
                    seconds = (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds()
                except (TypeError, ValueError):
                    seconds = None
        if seconds is None:
            seconds = 0.5 * 2 ** attempt
        return min(max(seconds, 0.0), MAX_RETRY_WAIT)

    def describe(self) -> str:
        text = f"the server answered HTTP {self.status}"
        return f"{text} ({self.message})" if self.message else text


def _error_message(response: Any) -> str | None:
    try:
        body = response.json()
    except ValueError:
        text = (response.text or "").strip()
        return text[:200] or None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if body.get("message"):
            return str(body["message"])
    return None


class _NetworkLog:
    """A ``response`` hook that records answers straight from the network.

    requests-cache replaces a 5xx or 429 with the stale cached copy (``stale_if_error``); the
    hook still sees the original status and ``Retry-After`` so that retries and 4xx errors work.
    """

    def __init__(self):
        self.exchanges: list[_Exchange] = []

    def __call__(self, response, *args, **kwargs):
        if not hasattr(response, "from_cache"):  # the cache layer's objects have it
            message = _error_message(response) if response.status_code >= 400 else None
            self.exchanges.append(_Exchange(response.status_code, dict(response.headers), message))
        return None

    @property
    def last(self) -> _Exchange | None:
        return self.exchanges[-1] if self.exchanges else None


def _status_error(status: int, message: str | None, url: str) -> APIError:
    detail = f": {message}" if message else ""
    if status in (401, 403):
        return AuthenticationError(
            f"AIHubMix refused the API key (HTTP {status}{detail}) at {url}. Check api_key= or "
            f"${API_KEY_ENV}.", status=status, url=url)
    if status == 404:
        return NotFoundError(f"not found (HTTP 404{detail}) at {url}. Check the model id or base_url.",
                             status=status, url=url)
    return APIError(f"AIHubMix answered HTTP {status}{detail} at {url}. Check the request parameters.",
                    status=status, url=url)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _age(moment: datetime) -> str:
    seconds = max(0.0, (_now() - moment).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{int(seconds)} seconds"


# --- the cache layer ---------------------------------------------------------------------------


def _is_cached_session(session: Any) -> bool:
    return hasattr(session, "cache") and hasattr(session.cache, "get_response")


def _cache_key(session: Any, url: str, params: Mapping[str, str]) -> str:
    import requests

    prepared = session.prepare_request(requests.Request("GET", url, params=dict(params)))
    return session.cache.create_key(prepared, verify=bool(session.verify))


def _cached_entry(session: Any, url: str, params: Mapping[str, str]) -> tuple[Any, dict] | None:
    """The cached response and its parsed envelope, without touching the network."""
    if not _is_cached_session(session):
        return None
    cached = session.cache.get_response(_cache_key(session, url, params))
    if cached is None:
        return None
    payload = _parse_envelope(cached)
    return (cached, payload) if payload is not None else None


def _parse_envelope(response: Any) -> dict | None:
    payload = getattr(response, "_aihubmix_payload", None)
    if payload is not None:
        return payload
    try:
        payload = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, TypeError):
        return None
    if isinstance(payload, dict) and payload.get("success") is not False and isinstance(payload.get("data"), list):
        return payload
    return None


def _forget_bad_entry(session: Any, url: str, params: Mapping[str, str]) -> None:
    """A session without our ``filter_fn`` may have stored a broken body: delete it."""
    if _is_cached_session(session) and not getattr(session.settings, "filter_fn", None):
        cached = session.cache.get_response(_cache_key(session, url, params))
        if cached is not None and _parse_envelope(cached) is None:
            session.cache.delete(_cache_key(session, url, params))


def _from_cache(cached: Any, payload: dict | None, source: str, url: str, params: dict) -> RawCatalog:
    from .cache import last_confirmed

    return RawCatalog(source=source, url=_public_url(url), params=params, etag=cached.headers.get("ETag"),
                      fetched_at=_iso(last_confirmed(cached)), content=cached.content, _payload=payload)


def _trusted(session: Any) -> bool:
    """Does this session store only bodies that parse as the catalog (our ``filter_fn``)?"""
    from .cache import _store_only_good_catalogs

    return getattr(getattr(session, "settings", None), "filter_fn", None) is _store_only_good_catalogs


def _stale(cached: Any, payload: dict, reason: str, url: str, params: dict) -> RawCatalog:
    from .cache import last_confirmed

    confirmed = last_confirmed(cached)
    warnings.warn(
        f"{reason} at {_public_url(url)}; using the cached catalog last confirmed by the server "
        f"{_age(confirmed)} ago ({_iso(confirmed)}). Prices may have changed: retry later, or "
        f"check base_url and your network.",
        StaleCatalogWarning, stacklevel=4,
    )
    return _from_cache(cached, payload, "stale", url, params)


# --- requests ------------------------------------------------------------------------------------


def _send(session: Any, url: str, *, params: Mapping[str, str] | None, headers: dict[str, str],
          timeout: float, retries: int, cache_kwargs: dict[str, Any]) -> tuple[Any, _NetworkLog, str | None]:
    """GET with bounded retries on 429/503 (honouring Retry-After); never raises for HTTP status.

    Returns ``(response or None, network log, failure description or None)``.
    """
    import requests

    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
    log = _NetworkLog()
    for attempt in range(retries + 1):
        log.exchanges.clear()
        try:
            response = session.get(url, params=dict(params or {}), headers=headers, timeout=timeout,
                                   hooks={"response": [log]}, **cache_kwargs)
        except requests.Timeout:
            return None, log, f"no answer within {timeout} s"
        except requests.ConnectionError as exc:
            reason = type(exc).__name__
            return None, log, f"could not connect ({reason})"
        except requests.RequestException as exc:
            return None, log, f"the request failed ({type(exc).__name__})"
        last = log.last
        if last is not None and last.status in RETRY_STATUSES and attempt < retries:
            time.sleep(last.retry_wait(attempt))
            continue
        return response, log, None
    return response, log, None  # pragma: no cover - the loop always returns


def fetch_catalog(
    type: str | Iterable[str] | None = None,  # noqa: A002 - the API's own parameter name
    modalities: str | Iterable[str] | None = None,
    features: str | Iterable[str] | None = None,
    model: str | None = None,
    sort_by: str | None = None,
    sort_order: str | None = None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    session: Any = None,
    refresh: bool = False,
    force_refresh: bool = False,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    cache_dir: str | os.PathLike | None = None,
    retries: int = MAX_RETRIES,
) -> RawCatalog:
    """``GET /api/v1/models`` through the HTTP cache: the raw JSON envelope and its provenance.

    Filters go to the server as query parameters (validated first; see :func:`catalog_params`).
    ``source`` says where the data came from: ``network`` (a 200), ``cache`` (fresh, no request),
    ``revalidated`` (a 304 confirmed the cached copy), ``stale`` (the server could not be reached,
    answered 5xx, kept answering 429/503, or sent a broken body: the cached copy is used with a
    :class:`StaleCatalogWarning`). ``refresh=True`` revalidates, ``force_refresh=True`` refetches,
    ``offline=True`` reads only the cache. With no answer and no cached copy it raises
    :class:`OfflineError`; 4xx raise :class:`APIError` (404 :class:`NotFoundError`, 401/403
    :class:`AuthenticationError`). The API key (``api_key=`` or ``$AIHUBMIX_API_KEY``) is sent
    as a Bearer token and never stored.

    >>> import tempfile
    >>> from aihubmix_frame.testing import CatalogServer
    >>> with CatalogServer() as server, tempfile.TemporaryDirectory() as tmp:
    ...     first = fetch_catalog(type="llm", base_url=server.url, cache_dir=tmp)
    ...     again = fetch_catalog(type="llm", base_url=server.url, cache_dir=tmp)
    ...     from aihubmix_frame.http.cache import close_sessions; close_sessions()
    >>> first.source, again.source, first.params, len(first.payload["data"]) == len(again.payload["data"])
    ('network', 'cache', {'type': 'llm'}, True)
    """
    params = catalog_params(type, modalities, features, model, sort_by, sort_order)
    url = resolve_base_url(base_url) + CATALOG_PATH
    headers = _auth_headers(api_key)
    if session is None:
        from .cache import cached_session

        session = cached_session(cache_dir=cache_dir)

    if offline:
        entry = _cached_entry(session, url, params)
        if entry is None:
            raise OfflineError(f"offline=True and no cached catalog for {params or 'no filters'}; "
                               "load it once online, or use load_snapshot()")
        cached, payload = entry
        return _from_cache(cached, payload, "stale" if cached.is_expired else "cache", url, params)

    cache_kwargs = ({"refresh": refresh, "force_refresh": force_refresh}
                    if _is_cached_session(session) else {})
    response, log, failure = _send(session, url, params=params, headers=headers, timeout=timeout,
                                   retries=retries, cache_kwargs=cache_kwargs)
    last = log.last
    public = _public_url(url)
    if last is not None and 400 <= last.status < 500 and last.status not in RETRY_STATUSES:
        raise _status_error(last.status, last.message, public)

    if response is not None and getattr(response, "from_cache", False):
        # Our session stored only bodies that parsed as the catalog: parse lazily (load_catalog
        # may reuse the frame of an identical body); any other session's entry is checked now.
        payload = None if _trusted(session) else _parse_envelope(response)
        if payload is not None or _trusted(session):
            if getattr(response, "revalidated", False):
                return RawCatalog(source="revalidated", url=public, params=params,
                                  etag=response.headers.get("ETag"), fetched_at=_iso(_now()),
                                  content=response.content, _payload=payload)
            # A cached copy comes back after a request only when that request failed
            # (stale_if_error): it had expired, or refresh=True asked to revalidate it.
            revalidatable = bool(response.headers.get("ETag") or response.headers.get("Last-Modified"))
            asked_server = (response.is_expired or ((refresh or force_refresh) and revalidatable)
                            or (last is not None and last.status != 200))
            if not asked_server:
                return _from_cache(response, payload, "cache", url, params)
            reason = (last.describe() if last is not None
                      else "the server did not answer (connection failed or timed out)")
            return _stale(response, payload, reason, url, params)
        failure = "the cached copy is not the catalog JSON"
    elif response is not None:
        if response.status_code == 200:
            problem = getattr(response, "_aihubmix_problem", None)
            payload = _parse_envelope(response) if problem is None else None
            if payload is not None:
                return RawCatalog(source="network", url=public, params=params,
                                  etag=response.headers.get("ETag"), fetched_at=_iso(_now()),
                                  content=response.content, _payload=payload)
            if problem is None:
                from .cache import _body_problem

                problem = _body_problem(response) or "a body that is not the catalog JSON"
            _forget_bad_entry(session, url, params)
            failure = f"the server answered 200 with {problem}"
        elif 400 <= response.status_code < 500 and response.status_code not in RETRY_STATUSES:
            raise _status_error(response.status_code, _error_message(response), public)
        else:
            failure = (last.describe() if last is not None
                       else f"the server answered HTTP {response.status_code}")

    entry = _cached_entry(session, url, params)
    if entry is not None:
        return _stale(entry[0], entry[1], failure or "the request failed", url, params)
    error = OfflineError(f"{failure or 'the request failed'} at {public}, and there is no cached "
                         f"copy of this query. Retry later, check base_url and your network, or use "
                         f"load_snapshot().")
    error.reason = f"{failure or 'the request failed'} at {public}"
    raise error


# --- legacy endpoints ------------------------------------------------------------------------------


def _legacy_get(path: str, *, api_key: str | None, base_url: str | None, session: Any,
                timeout: float, retries: int = MAX_RETRIES) -> Any:
    """GET a legacy endpoint, uncached (its answer depends on the API key), and return its JSON."""
    import requests

    url = resolve_base_url(base_url) + path
    public = _public_url(url)
    headers = _auth_headers(api_key)
    own = session is None
    session = requests.Session() if own else session
    if _is_cached_session(session):
        # The answer depends on the key, and the cache key ignores it: neither read nor store.
        headers["Cache-Control"] = "no-store"
    try:
        response, log, failure = _send(session, url, params=None, headers=headers, timeout=timeout,
                                       retries=retries, cache_kwargs={})
    finally:
        if own:
            session.close()
    if response is None:
        raise OfflineError(f"{failure} at {public}; the legacy endpoints have no cache or snapshot. "
                           "Retry later or check base_url and your network.")
    if response.status_code != 200:
        raise _status_error(response.status_code, _error_message(response), public)
    try:
        return response.json()
    except ValueError:
        raise SchemaError(f"{public} answered 200 with a body that is not JSON "
                          f"({response.headers.get('Content-Type', 'unknown type')}); retry later") from None


def fetch_legacy_models(*, api_key: str | None = None, base_url: str | None = None, session: Any = None,
                        timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """``GET /v1/models`` (OpenAI list format), uncached: the models your API key can use.

    >>> from aihubmix_frame.testing import CatalogServer
    >>> with CatalogServer([{"model_id": "org/m:1@x(y)"}]) as server:
    ...     body = fetch_legacy_models(base_url=server.url)
    >>> [(m["id"], m["object"]) for m in body["data"]]
    [('org/m:1@x(y)', 'model')]
    """
    body = _legacy_get(LEGACY_PATH, api_key=api_key, base_url=base_url, session=session, timeout=timeout)
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise SchemaError("GET /v1/models did not answer {'data': [...]}; check base_url")
    return body


def fetch_legacy_model(model_id: str, *, api_key: str | None = None, base_url: str | None = None,
                       session: Any = None, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """``GET /v1/models/{model}``: one model in the OpenAI format (the id is URL-quoted).

    >>> from aihubmix_frame.testing import CatalogServer
    >>> with CatalogServer([{"model_id": "org/m:1@x(y)"}]) as server:
    ...     fetch_legacy_model("org/m:1@x(y)", base_url=server.url)["root"]
    'org/m:1@x(y)'
    """
    if not isinstance(model_id, str) or not model_id.strip():
        raise ValueError(f"model_id must be a non-empty string, got {model_id!r}")
    body = _legacy_get(f"{LEGACY_PATH}/{quote(model_id, safe='')}", api_key=api_key,
                       base_url=base_url, session=session, timeout=timeout)
    if not isinstance(body, dict) or "id" not in body:
        raise SchemaError(f"GET /v1/models/{model_id} did not answer a model object; check base_url")
    return body
