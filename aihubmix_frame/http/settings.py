"""Client settings: the base URL, timeout, retries and catalog path, checked once."""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "DEFAULT_BASE_URL",
    "BASE_URL_ENV",
    "CATALOG_PATH",
    "DEFAULT_TIMEOUT",
    "MAX_RETRIES",
    "resolve_base_url",
    "check_settings",
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


def check_settings(timeout: Any, retries: Any) -> tuple[float, int]:
    """``timeout`` and ``retries`` checked: a positive number of seconds, a non-negative integer."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative integer, got {retries!r}")
    return float(timeout), retries
