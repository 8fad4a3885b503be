"""Cache housekeeping: what is in the HTTP cache, and emptying it, even when the file is broken."""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from .cache import (
    cache_files,
    cache_path,
    cached_session,
    close_sessions,
    is_corruption,
    last_confirmed,
    move_aside,
)

__all__ = ["cache_info", "clear_cache"]


def cache_info(*, cache_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Path, size in bytes (SQLite + WAL files), number of responses and the newest fetch.

    Never creates the cache: a missing file reports zero responses; a broken one says so in
    ``problem`` instead of raising.

    >>> import tempfile
    >>> info = cache_info(cache_dir=tempfile.mkdtemp())
    >>> info["exists"], info["responses"], info["problem"]
    (False, 0, None)
    """
    path = cache_path(cache_dir)
    info: dict[str, Any] = {
        "path": str(path),
        "exists": path.exists(),
        "size_bytes": 0,
        "responses": 0,
        "newest_fetch": None,
        "problem": None,
    }
    if not path.exists():
        return info
    info["size_bytes"] = sum(p.stat().st_size for p in cache_files(cache_dir))
    try:
        session = cached_session(cache_dir=cache_dir)
        responses = [r for r in session.cache.responses.values() if r is not None]
    except Exception as exc:
        info["problem"] = f"{type(exc).__name__}: {exc}"
        return info
    info["responses"] = len(responses)
    if responses:
        info["newest_fetch"] = max(last_confirmed(r) for r in responses).isoformat(timespec="seconds")
    return info


def clear_cache(*, cache_dir: str | os.PathLike | None = None) -> int:
    """Delete every cached response; returns how many there were.

    Always works: a cache file that cannot be opened or read is moved aside (to
    ``http_cache.sqlite.broken-<time>``) and counts as 0 responses.
    """
    path = cache_path(cache_dir)
    if not path.exists():
        return 0
    try:
        session = cached_session(cache_dir=cache_dir)
        count = len(session.cache.responses)
        session.cache.clear()
        with session.cache.responses.connection() as connection:
            # Fold the WAL back into the (now small) database file so the old bytes are gone too.
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count
    except (sqlite3.DatabaseError, OSError, ValueError) as exc:
        if not (is_corruption(exc) or isinstance(exc, (OSError, ValueError))):
            raise
        close_sessions()
        move_aside(path)
        return 0
