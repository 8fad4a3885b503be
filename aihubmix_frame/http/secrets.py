"""Secret values scrubbed by value: the API key and URL passwords, wherever a server could echo them.

Redaction by name (:func:`aihubmix_frame.schema.is_secret_name`: ``Authorization``, ``api_key``,
``Set-Cookie``...) misses a key that a server sends back somewhere else: in another header
(``X-Echo-Auth: Bearer <key>``), in a cookie, in the body, or in a redirect's URL
(``Location: ...?sig=<key>``). So every secret a client sends is remembered here, in this process
only (:func:`remember`), and replaced by ``[REDACTED]`` in the forms it takes on the wire and on disk:
raw, URL-encoded, JSON-escaped, and for a ``user:password`` in a base URL the base64 that basic
auth sends. A URL's ``user:password@`` is dropped by position, whatever its length.

Where it applies: :func:`scrub_response` is the first response hook of every request (the body,
headers other than ``Location``, and cookies, before requests-cache or the loader read them); the
cache backend scrubs everything it stores (URLs, redirect history, every header, cookies, the
body) just before writing; :class:`ScrubFilter` cleans the log records of urllib3, requests-cache
and this package.

Secrets shorter than :data:`MIN_SECRET_LENGTH` characters are not scrubbed by value (replacing a
two-letter password in a catalog body would destroy it); they are still removed by name and by
position.

>>> remember("sk-demo/0123+456=")
>>> scrub_text("GET /moved?sig=sk-demo%2F0123%2B456%3D and sk-demo/0123+456=")
'GET /moved?sig=[REDACTED] and [REDACTED]'
>>> strip_userinfo("https://me:pw@example.com/api/v1/models?type=llm")
'https://example.com/api/v1/models?type=llm'
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "MIN_SECRET_LENGTH",
    "remember",
    "remember_url",
    "known_secrets",
    "secret_forms",
    "scrub_text",
    "scrub_message",
    "scrub_bytes",
    "strip_userinfo",
    "scrub_url",
    "scrub_headers",
    "scrub_cookies",
    "scrub_response",
    "secrets_of_request",
    "ScrubFilter",
    "install_log_filter",
    "LOGGERS",
]

REDACTED = "[REDACTED]"
#: Shorter secrets are removed by name and position only, never by value (see the module docstring).
MIN_SECRET_LENGTH = 8
#: How many distinct secrets one process remembers (the oldest are forgotten first).
_MAX_KNOWN = 64
#: Loggers whose records may carry a URL or a header: each gets a :class:`ScrubFilter` (a filter
#: applies only to records logged on its own logger, so every module logger of requests, urllib3
#: and requests-cache is listed; ``tests/test_reliability_secrets.py`` checks the list is complete).
LOGGERS = (
    "requests",
    "urllib3",
    "urllib3.connection",
    "urllib3.connectionpool",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
    "requests_cache",
    "requests_cache.backends",
    "requests_cache.backends.base",
    "requests_cache.backends.sqlite",
    "requests_cache.cache_keys",
    "requests_cache.models.raw_response",
    "requests_cache.models.request",
    "requests_cache.models.response",
    "requests_cache.policy.actions",
    "requests_cache.policy.expiration",
    "requests_cache.session",
    "aihubmix_frame",
)

_known: dict[str, None] = {}
_lock = threading.Lock()
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#@\s]*@")


def remember(secret: str | None) -> None:
    """Scrub ``secret`` (by value) from everything this process stores or logs from now on."""
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        return
    with _lock:
        _known.pop(secret, None)
        _known[secret] = None
        while len(_known) > _MAX_KNOWN:
            _known.pop(next(iter(_known)))
    install_log_filter()


def remember_url(url: str | None) -> None:
    """Remember the password of ``url``'s ``user:password@`` (and the basic-auth forms of both)."""
    if not url:
        return
    parts = urlsplit(url)
    if parts.password is None:
        return
    user, password = unquote(parts.username or ""), unquote(parts.password)
    pair = f"{user}:{password}"
    remember(password)
    remember(pair)
    for encoding in ("utf-8", "latin-1"):
        try:
            remember(base64.b64encode(pair.encode(encoding)).decode("ascii"))
        except UnicodeEncodeError:
            continue


def known_secrets() -> tuple[str, ...]:
    """The secrets remembered in this process, longest first (so a longer one is replaced whole)."""
    with _lock:
        return tuple(sorted(_known, key=len, reverse=True))


def secret_forms(secret: str) -> list[str]:
    """The texts ``secret`` becomes when sent or stored: raw, URL-encoded, JSON-escaped.

    >>> secret_forms('sk-a/b"c')
    ['sk-a/b"c', 'sk-a%2Fb%22c', 'sk-a/b%22c', 'sk-a/b\\\\"c', 'sk-a\\\\/b\\\\"c']
    """
    escaped = json.dumps(secret)[1:-1]
    forms = [
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        quote(secret),
        escaped,
        json.dumps(secret, ensure_ascii=False)[1:-1],
        escaped.replace("/", "\\/"),
    ]
    return list(dict.fromkeys(forms))


def _all_forms(extra: Iterable[str] = ()) -> list[str]:
    secrets = [*known_secrets(), *(s for s in extra if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH)]
    forms = {form for secret in secrets for form in secret_forms(secret)}
    return sorted(forms, key=len, reverse=True)


def scrub_text(text: Any, extra: Iterable[str] = ()) -> Any:
    """``text`` with every form of every known secret (and of ``extra``) replaced by ``REDACTED``."""
    if not isinstance(text, str) or not text:
        return text
    for form in _all_forms(extra):
        if form in text:
            text = text.replace(form, REDACTED)
    return text


def scrub_bytes(data: Any, extra: Iterable[str] = ()) -> Any:
    """``data`` (bytes) with every form of every known secret replaced, in UTF-8 and in Latin-1."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        return data
    data = bytes(data)
    for form in _all_forms(extra):
        for encoding in ("utf-8", "latin-1"):
            try:
                encoded = form.encode(encoding)
            except UnicodeEncodeError:
                continue
            if encoded in data:
                data = data.replace(encoded, REDACTED.encode())
    return data


def strip_userinfo(url: Any) -> Any:
    """``url`` without its ``user:password@`` part (the rest unchanged)."""
    if not isinstance(url, str) or "@" not in url:
        return url
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def scrub_url(url: Any, extra: Iterable[str] = ()) -> Any:
    """``url`` without user info and with every known secret's value replaced."""
    return scrub_text(strip_userinfo(url), extra)


def scrub_headers(headers: Any, *, keep: Iterable[str] = (), extra: Iterable[str] = ()) -> Any:
    """The header values of ``headers`` (a mutable mapping) scrubbed in place, except names in ``keep``."""
    if headers is None:
        return headers
    kept = {name.lower() for name in keep}
    for name in list(headers):
        value = headers[name]
        if name.lower() not in kept and isinstance(value, str):
            cleaned = scrub_text(_USERINFO.sub(r"\1", value), extra)
            if cleaned != value:
                headers[name] = cleaned
    return headers


def scrub_cookies(jar: Any, extra: Iterable[str] = ()) -> Any:
    """The cookies of ``jar`` with secret values replaced (in place; a cookie jar or a dict)."""
    if jar is None:
        return jar
    if isinstance(jar, dict):
        for name, value in list(jar.items()):
            jar[name] = scrub_text(value, extra)
        return jar
    for cookie in list(jar):
        value = getattr(cookie, "value", None)
        cleaned = scrub_text(value, extra)
        if cleaned != value:
            cookie.value = cleaned
    return jar


_BEARER = re.compile(r"(?i)^\s*(?:bearer|token)\s+(\S+)\s*$")
_BASIC = re.compile(r"(?i)^\s*basic\s+([A-Za-z0-9+/=]+)\s*$")


def secrets_of_request(request: Any) -> list[str]:
    """Secret values a request carried: its bearer token, basic-auth pair and URL password."""
    found: list[str] = []
    headers = getattr(request, "headers", None) or {}
    from ..schema import is_secret_name

    for name, value in dict(headers).items():
        if not isinstance(value, str) or not is_secret_name(name) or value in (REDACTED, "REDACTED"):
            continue
        bearer, basic = _BEARER.match(value), _BASIC.match(value)
        if bearer:
            found.append(bearer.group(1))
        elif basic:
            found.append(basic.group(1))
            try:
                pair = base64.b64decode(basic.group(1)).decode("latin-1")
            except ValueError:
                pair = ""
            found += [pair, pair.partition(":")[2]]
        elif name.lower() not in ("cookie", "set-cookie"):
            found.append(value.strip())
    url = getattr(request, "url", None)
    if isinstance(url, str) and "@" in url:
        parts = urlsplit(url)
        if parts.password:
            found.append(unquote(parts.password))
    return [s for s in found if len(s) >= MIN_SECRET_LENGTH]


def scrub_response(response: Any, *args: Any, **kwargs: Any) -> Any:
    """Response hook: the body, headers (``Location`` aside: the redirect needs it) and cookies of a
    fresh response lose every known secret before the cache, the verdict or the loader read them."""
    extra = secrets_of_request(getattr(response, "request", None))
    content = getattr(response, "_content", None)
    if isinstance(content, bytes):
        response._content = scrub_bytes(content, extra)
    scrub_headers(getattr(response, "headers", None), keep=("Location",), extra=extra)
    scrub_cookies(getattr(response, "cookies", None), extra)
    return response


def scrub_message(text: Any) -> Any:
    """A message or log line without any URL's user info and without any known secret.

    >>> scrub_message("GET http://me:hunter2@host/api failed")
    'GET http://host/api failed'
    """
    if not isinstance(text, str) or not text:
        return text
    return scrub_text(_USERINFO.sub(r"\1", text))


class ScrubFilter(logging.Filter):
    """A logging filter: the record's message loses every known secret and every URL's user info."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: leave it to logging's own error handling
            return True
        cleaned = scrub_message(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_installed = False


def install_log_filter() -> None:
    """Put a :class:`ScrubFilter` on each of :data:`LOGGERS` (once per process)."""
    global _installed
    if _installed:
        return
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubFilter) for f in logger.filters):
            logger.addFilter(ScrubFilter())
    _installed = True
