"""The HTTP cache: one requests-cache SQLite session with secure defaults, and its housekeeping.

Settings (verified on requests-cache 1.3.3): SQLite with WAL (two kernels can share one cache),
``cache_control=True`` so the server's ``max-age`` applies, ``expire_after=300`` as the fallback,
``stale_if_error`` for connection errors and 5xx, the JSON serializer (a tampered pickle cache
could run code), only 200 responses stored, and every auth header or key parameter redacted in
every letter case (requests-cache compares those names case-sensitively).

The cache lives in the user cache directory (``platformdirs``); ``AIHUBMIX_CACHE_DIR`` or
``cache_dir=`` moves it.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     session = cached_session(cache_dir=tmp)
...     info = cache_info(cache_dir=tmp)
...     close_sessions()
>>> info["responses"], info["path"].endswith("http_cache.sqlite")
(0, True)
"""

from __future__ import annotations

import itertools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .verdict import ResponseMemo, verdict_of

__all__ = [
    "CACHE_DIR_ENV",
    "CACHE_FILE",
    "DEFAULT_EXPIRE_AFTER",
    "SECRET_NAMES",
    "cache_directory",
    "cache_path",
    "cache_files",
    "cached_session",
    "cache_info",
    "clear_cache",
    "close_sessions",
    "last_confirmed",
    "redaction_list",
    "store_only_good_catalogs",
    "is_cached_session",
    "cache_key_of",
]

CACHE_DIR_ENV = "AIHUBMIX_CACHE_DIR"
CACHE_FILE = "http_cache.sqlite"
#: Seconds a response stays fresh when the server sends no ``max-age`` (the API's own is 300).
DEFAULT_EXPIRE_AFTER = 300
#: SQLite waits this long (ms) for another process's write lock instead of failing.
BUSY_TIMEOUT_MS = 10_000

#: Header and query parameter names that may carry a credential. requests-cache redacts names
#: case-sensitively, so :func:`redaction_list` lists every letter-case variant of these.
SECRET_NAMES: tuple[str, ...] = (
    "Authorization",
    "Proxy-Authorization",
    "X-Api-Key",
    "Api-Key",
    "api_key",
    "apikey",
    "key",
    "token",
    "access_token",
    "X-Auth-Token",
    "X-Api-Token",
    "X-Access-Token",
)
#: Names longer than this many letters get the common spellings only (2**18 variants of
#: Proxy-Authorization would slow every cache lookup); requests itself sends the canonical case.
_MAX_ENUMERATED_LETTERS = 13

_LOGGERS = ("requests_cache", "requests_cache.session", "requests_cache.backends.sqlite",
            "requests_cache.backends.base", "requests_cache.policy.actions")
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
    """Every letter-case variant of :data:`SECRET_NAMES`, for ``ignored_parameters``.

    >>> names = redaction_list()
    >>> {"authorization", "AUTHORIZATION", "aUtHoRiZaTiOn", "x-API-key", "Api_Key"} <= names
    True
    """
    return frozenset(variant for name in SECRET_NAMES for variant in _case_variants(name))


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


#: Only catalog responses are judged; other URLs (the legacy endpoints) are stored as usual.
CATALOG_PATH = "/api/v1/models"


def store_only_good_catalogs(response: Any) -> bool:
    """``filter_fn``: never store a 200 whose body is not the catalog JSON.

    requests-cache calls this twice for a new response: before writing (False skips the write)
    and after (False would also delete the previous, good entry). The first call judges the body
    (:func:`~aihubmix_frame.http.verdict.verdict_of`, remembered for the client); the second call
    for the same response answers True, so a bad body never deletes the good copy.
    """
    if getattr(response, "from_cache", False) or response.status_code != 200:
        return True
    if not urlsplit(response.url or "").path.rstrip("/").endswith(CATALOG_PATH):
        return True
    if response in _JUDGED:
        return True  # the second call: the write was decided already; keep the previous entry
    _JUDGED.set(response, True)
    return verdict_of(response).ok


_JUDGED = ResponseMemo()


def _new_session(path: Path, expire_after: int):
    from requests_cache import CachedSession

    class CatalogSession(CachedSession):
        """A CachedSession with a short repr (the settings list thousands of redacted names)."""

        def __repr__(self) -> str:
            return f"<CatalogSession cache={str(path)!r}>"

    path.parent.mkdir(parents=True, exist_ok=True)
    # Two processes opening a new cache at the same moment can see "database is locked" from the
    # journal-mode switch to WAL, which SQLite reports without waiting on busy_timeout: retry.
    for attempt in range(6):
        try:
            return _open_session(CatalogSession, path, expire_after)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 5:
                raise
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _open_session(session_class, path: Path, expire_after: int):
    return session_class(
        cache_name=str(path),
        backend="sqlite",
        wal=True,
        busy_timeout=BUSY_TIMEOUT_MS,
        cache_control=True,
        expire_after=expire_after,
        allowable_codes=(200,),
        allowable_methods=("GET", "HEAD"),
        stale_if_error=True,
        serializer="json",
        ignored_parameters=redaction_list(),
        filter_fn=store_only_good_catalogs,
    )


def cached_session(*, cache_dir: str | os.PathLike | None = None,
                   expire_after: int = DEFAULT_EXPIRE_AFTER):
    """The requests-cache session over the SQLite cache in ``cache_dir`` (one per process and file).

    ``expire_after`` applies only when the server sends no ``Cache-Control: max-age``.

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


def close_sessions() -> None:
    """Close every cached session of this process (their SQLite connections)."""
    with _sessions_lock:
        sessions = [s for (pid, _), s in _sessions.items() if pid == os.getpid()]
        _sessions.clear()
    for session in sessions:
        session.close()


def last_confirmed(response: Any) -> datetime:
    """When the server last sent or confirmed (304) a cached response, in UTC.

    A 304 refreshes the cached ``Date`` header; ``created_at`` is the fallback.
    """
    date = response.headers.get("Date") if getattr(response, "headers", None) is not None else None
    if date:
        try:
            parsed = parsedate_to_datetime(date)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        except (TypeError, ValueError):
            pass
    created = getattr(response, "created_at", None) or datetime.now(timezone.utc)
    return created if created.tzinfo else created.replace(tzinfo=timezone.utc)


def cache_info(*, cache_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Path, size in bytes (SQLite + WAL files), number of responses and the newest fetch.

    Never creates the cache: a missing file reports zero responses.
    """
    path = cache_path(cache_dir)
    info: dict[str, Any] = {"path": str(path), "exists": path.exists(), "size_bytes": 0,
                            "responses": 0, "newest_fetch": None}
    if not path.exists():
        return info
    session = cached_session(cache_dir=cache_dir)
    responses = list(session.cache.responses.values())
    info["responses"] = len(responses)
    if responses:
        info["newest_fetch"] = max(last_confirmed(r) for r in responses).isoformat(timespec="seconds")
    info["size_bytes"] = sum(p.stat().st_size for p in cache_files(cache_dir))
    return info


def clear_cache(*, cache_dir: str | os.PathLike | None = None) -> int:
    """Delete every cached response; returns how many there were."""
    path = cache_path(cache_dir)
    if not path.exists():
        return 0
    session = cached_session(cache_dir=cache_dir)
    count = len(session.cache.responses)
    session.cache.clear()
    with session.cache.responses.connection() as connection:
        # Fold the WAL back into the (now small) database file so the old bytes are gone too.
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return count


def is_cached_session(session: Any) -> bool:
    """Is ``session`` a requests-cache session (one that can answer from its cache)?"""
    return hasattr(session, "cache") and hasattr(session.cache, "get_response")


def cache_key_of(session: Any, url: str, params: Any) -> str:
    """The key a cached session stores the GET of ``url`` with ``params`` under."""
    import requests

    prepared = session.prepare_request(requests.Request("GET", url, params=dict(params)))
    return session.cache.create_key(prepared, verify=bool(session.verify))
