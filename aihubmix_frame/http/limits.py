"""BoundedAdapter: a maximum body size enforced while reading and decompressing, and a total deadline.

requests' ``timeout`` applies to each socket read, so a server that trickles a byte every second
never times out, and ``Response.content`` inflates a gzip bomb whole. This transport adapter reads
the body itself, in small decoded chunks, and stops with :class:`BodyTooLargeError` past
``max_bytes`` (decoded size) or with ``requests.Timeout`` past the deadline, measured from the
request's start; a watchdog closes the connection at the deadline, so a blocked read ends too.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

__all__ = [
    "BoundedAdapter",
    "BodyTooLargeError",
    "DEFAULT_MAX_BYTES",
    "MAX_BYTES_ENV",
    "DEFAULT_DEADLINE",
    "bounded_limits",
]

#: Largest catalog body accepted, decoded (the real catalog is about 0.4 MB; 32 MB leaves room).
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
MAX_BYTES_ENV = "AIHUBMIX_MAX_BODY_BYTES"
#: Seconds one request may take in all (connect, headers, body) when the caller gives no timeout;
#: with a timeout, the timeout is the total.
DEFAULT_DEADLINE = 60.0
#: Decoded chunk size: a gzip chunk of this many compressed bytes inflates at most ~1000x.
_CHUNK = 16 * 1024


class BodyTooLargeError(requests.RequestException):
    """The response body exceeded the size limit (decoded); nothing of it is kept."""


def bounded_limits(max_bytes: int | None = None) -> int:
    """``max_bytes``, else ``$AIHUBMIX_MAX_BODY_BYTES``, else :data:`DEFAULT_MAX_BYTES`."""
    value: Any = max_bytes if max_bytes is not None else os.environ.get(MAX_BYTES_ENV) or DEFAULT_MAX_BYTES
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"the body size limit must be a whole number of bytes, got {value!r} (max_bytes= or ${MAX_BYTES_ENV})"
        ) from None
    if number <= 0:
        raise ValueError(f"the body size limit must be positive, got {number}")
    return number


class BoundedAdapter(HTTPAdapter):
    """An HTTPAdapter that reads bodies under a size cap and a total deadline."""

    def __init__(self, *, max_bytes: int | None = None, deadline: float = DEFAULT_DEADLINE, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_bytes = bounded_limits(max_bytes)
        self.deadline = float(deadline)

    def send(self, request: Any, stream: bool = False, timeout: Any = None, **kwargs: Any) -> Any:  # type: ignore[override]
        started = time.monotonic()
        budget = self.deadline
        if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
            budget = min(budget, float(timeout))  # the caller's timeout bounds the whole request
        response = super().send(request, stream=True, timeout=timeout, **kwargs)
        if stream:
            return response
        remaining = budget - (time.monotonic() - started)
        watchdog = threading.Timer(max(remaining, 0.0), _close, args=(response,))
        watchdog.daemon = True
        watchdog.start()
        try:
            response._content = self._read(response, started, budget)
        except (requests.RequestException, OSError, ValueError, urllib3.exceptions.HTTPError) as exc:
            response.close()
            if isinstance(exc, BodyTooLargeError):
                raise
            if time.monotonic() - started >= budget:
                raise requests.Timeout(f"the answer took longer than {budget:g} s in all") from None
            raise requests.ConnectionError(
                f"the connection broke while reading the body ({type(exc).__name__})"
            ) from None
        finally:
            watchdog.cancel()
        response._content_consumed = True  # type: ignore[attr-defined]  # requests' own flag
        return response

    def _read(self, response: Any, started: float, budget: float) -> bytes:
        declared = response.headers.get("Content-Length")
        if (
            declared
            and declared.isdigit()
            and int(declared) > self.max_bytes
            and not response.headers.get("Content-Encoding")
        ):
            raise BodyTooLargeError(
                f"the body is {int(declared):,} bytes, above the limit of "
                f"{self.max_bytes:,} (max_bytes= or ${MAX_BYTES_ENV})"
            )
        chunks, size = [], 0
        for chunk in response.raw.stream(_CHUNK, decode_content=True):
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLargeError(
                    f"the body exceeded the limit of {self.max_bytes:,} bytes (decoded); "
                    f"raise it with max_bytes= or ${MAX_BYTES_ENV} if that is expected"
                )
            if time.monotonic() - started > budget:
                raise requests.Timeout(f"the answer took longer than {budget:g} s in all")
            chunks.append(chunk)
        return b"".join(chunks)


def _close(response: Any) -> None:
    """The watchdog: end a read that is still blocked at the deadline.

    ``shutdown`` (not ``close``) is what wakes a ``recv`` blocked in another thread.
    """
    raw = response.raw
    sockets = []
    connection = getattr(raw, "_connection", None) or getattr(raw, "connection", None)
    sockets.append(getattr(connection, "sock", None))
    fp = getattr(raw, "_fp", None)
    sockets.append(getattr(getattr(getattr(fp, "fp", None), "raw", None), "_sock", None))
    for sock in sockets:
        if sock is None:
            continue
        with contextlib.suppress(OSError):  # already closed: the read ends anyway
            sock.shutdown(socket.SHUT_RDWR)
