"""One GET with bounded retries on 429/503, and the mapping of HTTP statuses to our errors."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ..errors import APIError, AuthenticationError, NotFoundError
from .limits import BodyTooLargeError
from .secrets import scrub_response

__all__ = [
    "Exchange",
    "Attempt",
    "send",
    "status_error",
    "error_message",
    "RETRY_STATUSES",
    "MAX_RETRY_WAIT",
    "API_KEY_ENV",
]

API_KEY_ENV = "AIHUBMIX_API_KEY"
RETRY_STATUSES = (429, 503)
#: Longest wait honoured from a ``Retry-After`` header, in seconds.
MAX_RETRY_WAIT = 10.0


@dataclass(frozen=True)
class Exchange:
    """One answer straight from the network (before the cache layer may replace it)."""

    status: int
    headers: Mapping[str, str]
    message: str | None

    def retry_wait(self, attempt: int) -> float:
        value = self.headers.get("Retry-After") or self.headers.get("retry-after")
        seconds: float | None = None
        if value is not None:
            try:
                seconds = float(value)
            except ValueError:
                try:
                    seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
                except (TypeError, ValueError):
                    seconds = None
        if seconds is None or seconds != seconds:  # missing, unparseable or NaN
            seconds = 0.5 * 2**attempt
        return min(max(seconds, 0.0), MAX_RETRY_WAIT)

    def describe(self) -> str:
        text = f"the server answered HTTP {self.status}"
        return f"{text} ({self.message})" if self.message else text


@dataclass
class Attempt:
    """What one :func:`send` saw: the response (or None), the network exchanges, the failure."""

    response: Any = None
    exchanges: list[Exchange] = field(default_factory=list)
    failure: str | None = None

    @property
    def last(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None


def error_message(response: Any) -> str | None:
    """The server's own error text of a response (JSON ``message``/``error.message`` or the body)."""
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


def status_error(status: int, message: str | None, url: str) -> APIError:
    """The error for an HTTP 4xx answer: 401/403 AuthenticationError, 404 NotFoundError, else APIError."""
    detail = f": {message}" if message else ""
    if status in (401, 403):
        return AuthenticationError(
            f"AIHubMix refused the API key (HTTP {status}{detail}) at {url}. Check api_key= or ${API_KEY_ENV}.",
            status=status,
            url=url,
        )
    if status == 404:
        return NotFoundError(
            f"not found (HTTP 404{detail}) at {url}. Check the model id or base_url.", status=status, url=url
        )
    return APIError(
        f"AIHubMix answered HTTP {status}{detail} at {url}. Check the request parameters.",
        status=status,
        url=url,
    )


def send(
    session: Any,
    url: str,
    *,
    params: Mapping[str, str] | None,
    headers: dict[str, str],
    timeout: float,
    retries: int,
    cache_kwargs: Mapping[str, Any],
) -> Attempt:
    """GET with bounded retries on 429/503 (honouring Retry-After); never raises for HTTP status.

    A ``response`` hook records the answers straight from the network: requests-cache replaces a
    5xx or 429 with the stale cached copy (``stale_if_error``), and the hook still sees the
    original status and ``Retry-After`` so that retries and 4xx errors work.
    """
    import requests

    attempt = Attempt()

    def record(response: Any, *args: Any, **kwargs: Any) -> None:
        if not hasattr(response, "from_cache"):  # the cache layer's objects have it
            message = error_message(response) if response.status_code >= 400 else None
            attempt.exchanges.append(Exchange(response.status_code, dict(response.headers), message))

    # A request's own hooks replace the session's of the same name in requests: pass both. The
    # secrets go first, so that nothing after them (the cache, the verdict, the loader) sees the key.
    session_hooks = (getattr(session, "hooks", None) or {}).get("response", [])
    hooks = {"response": [scrub_response, *session_hooks, record]}
    for number in range(retries + 1):
        attempt.exchanges.clear()
        try:
            attempt.response = session.get(
                url, params=dict(params or {}), headers=headers, timeout=timeout, hooks=hooks, **cache_kwargs
            )
        except requests.Timeout:
            attempt.failure = f"no answer within {timeout} s"
            return attempt
        except requests.ConnectionError as exc:
            attempt.failure = f"could not connect ({type(exc).__name__})"
            return attempt
        except BodyTooLargeError as exc:
            attempt.failure = str(exc)
            return attempt
        except requests.RequestException as exc:
            attempt.failure = f"the request failed ({type(exc).__name__})"
            return attempt
        last = attempt.last
        if last is not None and last.status in RETRY_STATUSES and number < retries:
            time.sleep(last.retry_wait(number))
            continue
        return attempt
    return attempt  # pragma: no cover - the loop always returns
