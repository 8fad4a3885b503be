"""Going on without the cache: a plain session, and whether a fault came from the cache layer."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["plain_session", "is_cache_fault"]


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
