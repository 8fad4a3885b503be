"""The HTTP cache: one requests-cache SQLite session with secure defaults, opened so that faults degrade.

Settings (verified on requests-cache 1.3.3): SQLite with WAL (two kernels can share one cache),
``cache_control=True`` so the server's ``max-age`` applies, ``expire_after=300`` as the fallback,
``stale_if_error`` for connection errors and 5xx, the JSON serializer (a tampered pickle cache
could run code), only 200 responses stored, and every credential header or parameter redacted in
every letter case — in the final request and in the redirect history (:mod:`.backend`). A body is
stored only when it is the whole catalog (:mod:`.verdict`) and the request was not redirected away
from the catalog path. Bodies are read under a size cap and a total deadline (:mod:`.limits`).

The cache lives in the user cache directory (``platformdirs``); ``AIHUBMIX_CACHE_DIR`` or
``cache_dir=`` moves it. :func:`open_cache` never lets a cache fault stop a load: a corrupt file is
moved aside and a new one made; a folder that cannot be used is bypassed; each with one
:class:`~aihubmix_frame.errors.CacheWarning` naming the path.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     session = cached_session(cache_dir=tmp)
...     path = session.cache.db_path
...     close_sessions()
>>> str(path).endswith("http_cache.sqlite")
True
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import CacheWarning, warn
from ..schema import SECRET_NAMES
from .verdict import ResponseMemo, verdict_of

__all__ = [
    "CACHE_DIR_ENV",
    "CACHE_FILE",
    "DEFAULT_EXPIRE_AFTER",
    "LOCK_TIMEOUT_ENV",
    "CATALOG_PATH",
    "cache_directory",
    "cache_path",
    "cache_files",
    "cached_session",
    "open_cache",
    "close_sessions",
    "last_confirmed",
    "redaction_list",
    "store_only_good_catalogs",
    "sanitize_cache_headers",
    "is_cached_session",
    "cache_key_of",
    "move_aside",
    "is_corruption",
]

CACHE_DIR_ENV = "AIHUBMIX_CACHE_DIR"
CACHE_FILE = "http_cache.sqlite"
#: Seconds a response stays fresh when the server sends no ``max-age`` (the API's own is 300).
DEFAULT_EXPIRE_AFTER = 300
#: SQLite waits this long (ms) for another process's write lock instead of failing at once.
BUSY_TIMEOUT_MS = 10_000
#: Seconds a write lock held by another process is waited for, in all, before the cache is bypassed.
LOCK_TIMEOUT_ENV = "AIHUBMIX_CACHE_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 10.0
#: The longest freshness honoured from a server header: a year (``max-age=999999999999`` overflows).
MAX_FRESHNESS_SECONDS = 365 * 24 * 3600
CATALOG_PATH = "/api/v1/models"
#: Names longer than this many letters get the common spellings only (2**18 variants of
#: Proxy-Authorization would slow every cache lookup); our backend redacts any case anyway.
_MAX_ENUMERATED_LETTERS = 13

_LOGGERS = (
    "requests_cache",
    "requests_cache.session",
    "requests_cache.backends.sqlite",
    "requests_cache.backends.base",
    "requests_cache.policy.actions",
)
_sessions: dict[tuple[int, str], Any] = {}
_sessions_lock = threading.Lock()


def _case_variants(name: str) -> Iterable[str]:
    letters = sum(ch.isalpha() for ch in name)
    if letters > _MAX_ENUMERATED_LETTERS:
        title = "-".join(part.capitalize() for part in name.split("-"))
        return {name, name.lower(), name.upper(), title}
    choices = [(ch.lower(), ch.upper()) if ch.isalpha() else (ch,) for ch in name]
    return ("".join(combo) for combo in itertools.product(*choices))


def redaction_list() -> frozenset[str]:
    """Letter-case variants of :data:`aihubmix_frame.schema.SECRET_NAMES` (``-`` and ``_`` forms),
    for requests-cache's ``ignored_parameters`` (which compares names case-sensitively).

    >>> names = redaction_list()
    >>> {"authorization", "AUTHORIZATION", "aUtHoRiZaTiOn", "x-API-key", "Api_Key"} <= names
    True
    """
    spellings = {form for name in SECRET_NAMES for form in (name, name.replace("-", "_"))}
    return frozenset(variant for name in spellings for variant in _case_variants(name))


def cache_directory(cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the cache lives: ``cache_dir``, else ``$AIHUBMIX_CACHE_DIR``, else the user cache dir."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("aihubmix-frame", appauthor=False))


def cache_path(cache_dir: str | os.PathLike | None = None) -> Path:
    """The SQLite cache file."""
    return cache_directory(cache_dir) / CACHE_FILE


def cache_files(cache_dir: str | os.PathLike | None = None) -> list[Path]:
    """The SQLite file and its WAL companions (``-wal``, ``-shm``) that exist."""
    path = cache_path(cache_dir)
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


class _NoTraceback(logging.Filter):
    """Drop the tracebacks of requests-cache's log records (a server that is down is an expected
    event here). Its "failed; using cached response" warning is demoted to INFO: our own
    StaleCatalogWarning says the same, with the age of the copy."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        if record.levelno == logging.WARNING and "using cached response" in str(record.msg):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def _quiet_loggers() -> None:
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoTraceback) for f in logger.filters):
            logger.addFilter(_NoTraceback())


def _is_catalog_url(url: str | None) -> bool:
    return urlsplit(url or "").path.rstrip("/").endswith(CATALOG_PATH)


def store_only_good_catalogs(response: Any) -> bool:
    """``filter_fn``: store a catalog answer only when it is the whole catalog, at the catalog path.

    A request for the catalog that was redirected elsewhere (a login page) is never stored as it.
    requests-cache calls this twice for a new response: before writing (False skips the write)
    and after (False would also delete the previous, good entry). The first call judges the body
    (:func:`~aihubmix_frame.http.verdict.verdict_of`, remembered for the client); the second call
    for the same response answers True, so a bad body never deletes the good copy.
    """
    if getattr(response, "from_cache", False) or response.status_code != 200:
        return True
    history = getattr(response, "history", None) or []
    asked_catalog = any(_is_catalog_url(getattr(r, "url", None)) for r in history) or _is_catalog_url(response.url)
    if not asked_catalog:
        return True
    if response in _JUDGED:
        return True  # the second call: the write was decided already; keep the previous entry
    _JUDGED.set(response, True)
    return _is_catalog_url(response.url) and verdict_of(response).ok


_JUDGED = ResponseMemo()


def sanitize_cache_headers(response: Any, *args: Any, **kwargs: Any) -> None:
    """``response`` hook: caching headers requests-cache would choke on become harmless.

    An unparseable ``Expires`` (``never``) is dropped, and ``max-age`` beyond a year is capped,
    before requests-cache reads them (they raised ValueError and OverflowError from every load).
    """
    headers = response.headers
    expires = headers.get("Expires")
    if expires is not None:
        try:
            parsedate_to_datetime(expires)
        except (TypeError, ValueError, IndexError, OverflowError):
            del headers["Expires"]
    control = headers.get("Cache-Control")
    if control:
        parts = []
        for part in control.split(","):
            name, _, value = part.strip().partition("=")
            if name.lower() in ("max-age", "s-maxage", "stale-if-error", "stale-while-revalidate") and value:
                try:
                    value = str(min(int(value.strip().strip('"')), MAX_FRESHNESS_SECONDS))
                except ValueError:
                    continue  # an unparseable directive is dropped
                parts.append(f"{name}={value}")
            else:
                parts.append(part.strip())
        headers["Cache-Control"] = ", ".join(p for p in parts if p)


def _lock_timeout() -> float:
    value = os.environ.get(LOCK_TIMEOUT_ENV)
    try:
        return max(0.0, float(value)) if value else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


def _new_session(path: Path, expire_after: int) -> Any:
    from requests_cache import CachedSession

    from .backend import CatalogCache
    from .limits import BoundedAdapter

    class CatalogSession(CachedSession):
        """A CachedSession with a short repr (the settings list thousands of redacted names)."""

        def __repr__(self) -> str:
            return f"<CatalogSession cache={str(path)!r}>"

    path.parent.mkdir(parents=True, exist_ok=True)
    lock_timeout = _lock_timeout()
    busy_ms = int(min(BUSY_TIMEOUT_MS, lock_timeout * 1000))
    # Two processes opening a new cache at the same moment can see "database is locked" from the
    # journal-mode switch to WAL, which SQLite reports without waiting on busy_timeout: retry.
    for attempt in range(6):
        try:
            backend = CatalogCache(
                str(path), lock_timeout=lock_timeout, busy_timeout=busy_ms, wal=True, serializer="json"
            )
            session = CatalogSession(
                backend=backend,
                cache_control=True,
                expire_after=expire_after,
                allowable_codes=(200,),
                allowable_methods=("GET", "HEAD"),
                stale_if_error=True,
                ignored_parameters=redaction_list(),
                filter_fn=store_only_good_catalogs,
            )
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 5:
                raise
            time.sleep(0.05 * 2**attempt)
    adapter = BoundedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.hooks["response"].append(sanitize_cache_headers)
    return session


def cached_session(*, cache_dir: str | os.PathLike | None = None, expire_after: int = DEFAULT_EXPIRE_AFTER) -> Any:
    """The requests-cache session over the SQLite cache in ``cache_dir`` (one per process and file).

    ``expire_after`` applies only when the server sends no ``Cache-Control: max-age``. Raises what
    opening the file raises; :func:`open_cache` is the forgiving way.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     session = cached_session(cache_dir=tmp)
    ...     ok = session is cached_session(cache_dir=tmp) and session.settings.stale_if_error
    ...     close_sessions()
    >>> ok
    True
    """
    path = cache_path(cache_dir).absolute()
    _quiet_loggers()
    # Keyed by process id too: a forked child must not share its parent's SQLite connection.
    key = (os.getpid(), f"{path}|{expire_after}")
    with _sessions_lock:
        session = _sessions.get(key)
        if session is None:
            session = _sessions[key] = _new_session(path, expire_after)
        return session


def is_corruption(exc: BaseException) -> bool:
    """Is this the error of a file that is not (or no longer) a usable SQLite database?"""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and any(
        marker in text
        for marker in (
            "not a database",
            "malformed",
            "corrupt",
            "file is encrypted",
            "disk image",
            "no such table",
        )
    )


def move_aside(path: Path) -> Path:
    """Rename a broken cache file (and its WAL companions) to ``<name>.broken-<UTC time>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = path.with_name(f"{path.name}.broken-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            source.rename(Path(f"{target}{suffix}"))
    return target


def open_cache(*, cache_dir: str | os.PathLike | None = None) -> Any:
    """The cached session, or None when the cache cannot be used (with one CacheWarning naming the path).

    A corrupt file is moved aside (its new name is in the warning) and a fresh cache is made.
    """
    path = cache_path(cache_dir)
    try:
        return cached_session(cache_dir=cache_dir)
    except Exception as exc:
        if is_corruption(exc):
            close_sessions()
            try:
                moved = move_aside(path)
                session = cached_session(cache_dir=cache_dir)
            except Exception as again:
                exc = again
            else:
                warn(
                    f"the HTTP cache {path} was not a usable SQLite database ({exc}); it was moved to "
                    f"{moved} and a new cache was started",
                    CacheWarning,
                )
                return session
        warn(
            f"the HTTP cache {path} cannot be used ({type(exc).__name__}: {exc}); loading without it. "
            f"Check the folder, or set {CACHE_DIR_ENV} to another one",
            CacheWarning,
        )
        return None


def close_sessions() -> None:
    """Close every cached session of this process (their SQLite connections)."""
    with _sessions_lock:
        sessions = [s for (pid, _), s in _sessions.items() if pid == os.getpid()]
        _sessions.clear()
    for session in sessions:
        with contextlib.suppress(Exception):
            session.close()


def last_confirmed(response: Any) -> datetime:
    """When the server last sent or confirmed (304) a cached response, in UTC.

    A 304 refreshes the cached ``Date`` header; ``created_at`` is the fallback.
    """
    date = response.headers.get("Date") if getattr(response, "headers", None) is not None else None
    if date:
        try:
            parsed = parsedate_to_datetime(date)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
    created = getattr(response, "created_at", None) or datetime.now(UTC)
    return created if created.tzinfo else created.replace(tzinfo=UTC)


def is_cached_session(session: Any) -> bool:
    """Is ``session`` a requests-cache session (one that can answer from its cache)?"""
    return hasattr(session, "cache") and hasattr(session.cache, "get_response")


def cache_key_of(session: Any, url: str, params: Any) -> str:
    """The key a cached session stores the GET of ``url`` with ``params`` under."""
    import requests

    prepared = session.prepare_request(requests.Request("GET", url, params=dict(params)))
    return session.cache.create_key(prepared, verify=bool(session.verify))
