"""Faults: the hostile answers a CatalogServer can be armed to give (redirects, bombs, trickles, leaks).

Each fault is a :class:`Fault` (a kind and its checked options) and :func:`answer` turns it, with
the request it meets (an :class:`Exchange`), into a :class:`~aihubmix_frame.testing.reply.Reply`.
Every answer is bounded: sizes are capped, loops count down, and a trickle ends by itself.

>>> Fault.make("gzip_bomb", mb=1)
Fault('gzip_bomb', mb=1.0, content='json')
>>> Fault.make("redirect", status=303)
Traceback (most recent call last):
...
ValueError: redirect: status must be one of 301, 302, 307, 308, not 303
"""

from __future__ import annotations

import functools
import json
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, get_args
from urllib.parse import quote, urlsplit

from .reply import CATALOG_PATH, HTML_TYPE, JSON_TYPE, LOGIN_PATH, MOVED_PATH, Reply, etag, json_bytes

__all__ = [
    "FAULT_KINDS",
    "FAULT_OPTIONS",
    "LOGIN_HTML",
    "Exchange",
    "Fault",
    "FaultKind",
    "answer",
    "filler_envelope",
    "gzip_bomb",
]

FaultKind = Literal[
    "redirect",
    "redirect_login",
    "login_page",
    "echo_key",
    "echo_secrets",
    "redirect_sig",
    "gzip_bomb",
    "oversized",
    "deep_json",
    "huge_price",
    "lone_surrogate",
    "empty_data",
    "invalid_record",
    "trickle",
    "retry_after",
    "expires_never",
    "huge_max_age",
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)

#: Each kind's options and their defaults (see the table in the ``CatalogServer`` docstring).
FAULT_OPTIONS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "redirect": {"status": 302, "to": None},
        "redirect_login": {"status": 302},
        "login_page": {},
        "echo_key": {"status": 401},
        "echo_secrets": {},
        "redirect_sig": {"status": 302, "to": None},
        "gzip_bomb": {"mb": 64.0, "content": "json"},
        "oversized": {"mb": 64.0},
        "deep_json": {"depth": 1000},
        "huge_price": {"digits": 400},
        "lone_surrogate": {"field": "model_name"},
        "empty_data": {},
        "invalid_record": {"record": {"model_id": 42}},
        "trickle": {"seconds": 2.0, "chunk": 8, "interval": 0.05},
        "retry_after": {"status": 503, "value": "nan"},
        "expires_never": {},
        "huge_max_age": {"max_age": 999_999_999_999},
    }
)
STATUS_CHOICES = {
    "redirect": (301, 302, 307, 308),
    "redirect_login": (301, 302, 307, 308),
    "redirect_sig": (301, 302, 307, 308),
    "echo_key": (401, 500, 200),
    "retry_after": (429, 503),
}
MAX_MB = 4096
MAX_TRICKLE_SECONDS = 600.0
MAX_TRICKLE_STEPS = 100_000
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

LOGIN_HTML = (
    b"<!DOCTYPE html><html><head><title>Sign in to the network</title></head><body>"
    b"<h1>Welcome to Guest Wi-Fi</h1><p>Please sign in to continue.</p>"
    b'<form method="post" action="/login"><input name="email" type="email">'
    b'<input name="password" type="password"><button>Sign in</button></form></body></html>'
)
FILLER_RECORD = b'{"model_id":"filler","types":"llm","pricing":{"input":1,"output":1}}'
ENVELOPE_HEAD = b'{"message":"","success":true,"data":['
ENVELOPE_TAIL = b"]}"
BLOCK = 1 << 20
_SURROGATE_SENTINEL = "@@lone-surrogate@@"


@dataclass(frozen=True)
class Exchange:
    """What a fault meets: the request and the answer the server would give without the fault."""

    base_url: str
    query_string: str
    headers: Mapping[str, str]
    normal: Reply
    records: list[Any]
    max_age: int
    stopping: threading.Event

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")


@dataclass(frozen=True)
class Fault:
    """One armed fault: a kind from :data:`FAULT_KINDS` and its options, checked when made."""

    kind: str
    options: Mapping[str, Any]

    @classmethod
    def make(cls, kind: FaultKind, **options: Any) -> Fault:
        """Check ``kind`` and ``options`` against :data:`FAULT_OPTIONS`; fill in the defaults."""
        if kind not in FAULT_OPTIONS:
            raise ValueError(f"unknown fault kind {kind!r}; valid kinds: {', '.join(FAULT_KINDS)}")
        defaults = FAULT_OPTIONS[kind]
        unknown = sorted(set(options) - set(defaults))
        if unknown:
            valid = ", ".join(defaults) or "none"
            raise TypeError(f"{kind}: unknown option(s) {', '.join(unknown)}; valid options: {valid}")
        checked = {name: _check(kind, name, options.get(name, default)) for name, default in defaults.items()}
        return cls(kind, MappingProxyType(checked))

    def __repr__(self) -> str:
        shown = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"Fault({self.kind!r}{shown})"


def _check(kind: str, name: str, value: Any) -> Any:
    def bounded(number: float, low: float, high: float) -> float:
        if not low <= number <= high:
            raise ValueError(f"{kind}: {name} must be between {low} and {high}, not {value!r}")
        return number

    if name == "status":
        if value not in STATUS_CHOICES[kind]:
            choices = ", ".join(map(str, STATUS_CHOICES[kind]))
            raise ValueError(f"{kind}: status must be one of {choices}, not {value!r}")
        return int(value)
    if name == "to":
        return _loopback_base(kind, value)
    if name == "mb":
        bounded(float(value), 1 / 1024, MAX_MB)
        return float(value)
    if name == "content":
        if value not in ("json", "zeros"):
            raise ValueError(f"{kind}: content must be 'json' or 'zeros', not {value!r}")
        return value
    if name in ("depth", "digits", "chunk", "max_age"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{kind}: {name} must be an int, not {value!r}")
        low, high = {
            "depth": (4, 1_000_000),
            "digits": (1, 1_000_000),
            "chunk": (1, 65_536),
            "max_age": (0, 10**30),
        }[name]
        return int(bounded(value, low, high))
    if name in ("seconds", "interval"):
        shortest, longest = (0.001, MAX_TRICKLE_SECONDS) if name == "seconds" else (0.001, 10.0)
        return bounded(float(value), shortest, longest)
    if name in ("value", "field"):
        if not isinstance(value, str) or not value or "\r" in value or "\n" in value:
            raise ValueError(f"{kind}: {name} must be a non-empty one-line string, not {value!r}")
        return value
    if name == "record":
        json.dumps(value)  # raises TypeError now rather than in the server thread
        return json.loads(json.dumps(value))
    raise AssertionError(f"no check for option {name}")  # pragma: no cover - FAULT_OPTIONS and _check agree


def _loopback_base(kind: str, to: Any) -> str | None:
    """``None`` (this server), or the base URL of another loopback server (a CatalogServer or a URL)."""
    if to is None:
        return None
    url = to if isinstance(to, str) else getattr(to, "url", None)
    if not isinstance(url, str):
        raise TypeError(f"{kind}: to must be None, a CatalogServer or a base URL, not {to!r}")
    split = urlsplit(url)
    if split.scheme not in ("http", "https") or split.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"{kind}: to must point at a loopback server ({', '.join(LOOPBACK_HOSTS)}), not {url!r}")
    return f"{split.scheme}://{split.netloc}"


# --- bodies ------------------------------------------------------------------------------------------


def filler_envelope(nbytes: int) -> Iterator[bytes]:
    """A valid JSON catalog envelope of exactly ``nbytes`` bytes: the same filler record over and over.

    >>> body = b"".join(filler_envelope(2048))
    >>> len(body), json.loads(body)["data"][0]["model_id"]
    (2048, 'filler')
    """
    unit = b"," + FILLER_RECORD
    minimum = len(ENVELOPE_HEAD) + len(FILLER_RECORD) + len(ENVELOPE_TAIL)
    if nbytes < minimum:
        raise ValueError(f"an envelope needs at least {minimum} bytes, not {nbytes}")
    count, padding = divmod(nbytes - minimum, len(unit))
    yield ENVELOPE_HEAD + FILLER_RECORD
    per_block = max(1, BLOCK // len(unit))
    full, rest = divmod(count, per_block)
    block = unit * per_block
    for _ in range(full):
        yield block
    yield unit * rest + ENVELOPE_TAIL + b" " * padding


def _zeros(nbytes: int) -> Iterator[bytes]:
    full, rest = divmod(nbytes, BLOCK)
    block = bytes(BLOCK)
    for _ in range(full):
        yield block
    yield bytes(rest)


@functools.lru_cache(maxsize=4)
def gzip_bomb(nbytes: int, content: str = "json") -> bytes:
    """A gzip member that inflates to exactly ``nbytes`` bytes of filler JSON (or of zeros).

    >>> bomb = gzip_bomb(1 << 20, "zeros")
    >>> len(bomb) < 5000, len(zlib.decompress(bomb, wbits=31))
    (True, 1048576)
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip header and trailer
    pieces = filler_envelope(nbytes) if content == "json" else _zeros(nbytes)
    return b"".join([compressor.compress(piece) for piece in pieces] + [compressor.flush()])


def _poisoned_envelope(records: list[Any], extra: bytes) -> bytes:
    """The catalog envelope of ``records`` with one more (raw JSON) record at the end."""
    parts = [json_bytes(r) for r in records] + [extra]
    return b'{"data":[' + b",".join(parts) + b'],"message":"","success":true}'


def _extra_record(kind: str, options: Mapping[str, Any]) -> bytes:
    if kind == "deep_json":
        levels = options["depth"] - 3  # envelope, data list and record are the first three levels
        return b'{"model_id":"fault-deep-json","types":"llm","nested":' + b"[" * levels + b"]" * levels + b"}"
    if kind == "huge_price":
        digits = ("1234567890" * (options["digits"] // 10 + 1))[: options["digits"]]
        return b'{"model_id":"fault-huge-price","types":"llm","pricing":{"input":' + digits.encode() + b',"output":1}}'
    if kind == "lone_surrogate":
        record: dict[str, Any] = {
            "model_id": "fault-lone-surrogate",
            "types": "llm",
            "pricing": {"input": 1, "output": 1},
        }
        record[options["field"]] = _SURROGATE_SENTINEL
        return json_bytes(record).replace(f'"{_SURROGATE_SENTINEL}"'.encode(), b'"broken \\ud800 text"')
    return json_bytes(options["record"])  # invalid_record


def _trickle(body: bytes, seconds: float, chunk: int, interval: float, stopping: threading.Event) -> Iterator[bytes]:
    """``body`` a few bytes at a time, the last trickled byte no sooner than ``seconds`` from now."""
    steps = max(1, min(round(seconds / interval), -(-len(body) // chunk), MAX_TRICKLE_STEPS))
    pause = seconds / steps
    deadline = time.monotonic() + seconds
    for step in range(steps):
        wait = pause if step < steps - 1 else max(pause, deadline - time.monotonic())
        if stopping.wait(min(wait, MAX_TRICKLE_SECONDS)):
            return  # the server is stopping: the client sees a short body
        yield body[step * chunk : (step + 1) * chunk]
    yield body[steps * chunk :]


# --- answers -----------------------------------------------------------------------------------------


def _echo_message(status: int, key: str) -> str:
    if status == 401:
        return f"Invalid token: Bearer {key}"
    if status == 500:
        return f"internal error: upstream call with key {key} failed (connection reset)"
    return f"insufficient quota for key {key}; recharge at https://aihubmix.com/wallet"


def _sent_key(exchange: Exchange) -> str:
    """The credential of the request's Authorization header (``Bearer <key>`` -> ``<key>``)."""
    authorization = exchange.header("Authorization").strip()
    return authorization[7:].strip() if authorization.lower().startswith("bearer ") else authorization


def _echo_secrets(exchange: Exchange, catalog: Any) -> Reply:
    """A good catalog answer that echoes the request's credentials in a header, a cookie and the body
    (as a debugging proxy or a careless gateway would)."""
    authorization = exchange.header("Authorization").strip()
    envelope = {"data": exchange.records, "message": f"welcome {authorization}", "success": True}
    return catalog(
        json_bytes(envelope),
        **{
            "X-Echo-Auth": authorization,
            "Set-Cookie": f"session={quote(_sent_key(exchange), safe='')}; Path=/; HttpOnly",
        },
    )


def answer(fault: Fault, exchange: Exchange) -> Reply:
    """The reply ``fault`` gives to ``exchange`` (a catalog request)."""
    kind, options, normal = fault.kind, fault.options, exchange.normal
    query = f"?{exchange.query_string}" if exchange.query_string else ""
    json_type = {"Content-Type": JSON_TYPE}
    catalog_headers = {
        **json_type,
        "Cache-Control": f"public, max-age={exchange.max_age}, stale-while-revalidate=300",
    }

    def catalog(body: bytes, **headers: str) -> Reply:
        return Reply(200, body, {**catalog_headers, "ETag": etag(body), **headers}, fault=kind)

    if kind == "echo_secrets":
        return _echo_secrets(exchange, catalog)
    if kind in ("redirect", "redirect_login", "redirect_sig"):
        if kind == "redirect_sig":
            target = exchange.base_url + MOVED_PATH if options["to"] is None else options["to"] + CATALOG_PATH
            sig = quote(_sent_key(exchange), safe="")
            location = f"{target}{query}{'&' if query else '?'}sig={sig}"
        elif kind == "redirect_login":
            location = f"{exchange.base_url}{LOGIN_PATH}?next={quote(CATALOG_PATH + query, safe='')}"
        elif options["to"] is None:
            location = f"{exchange.base_url}{MOVED_PATH}{query}"
        else:
            location = f"{options['to']}{CATALOG_PATH}{query}"
        body = f'<html><body>Moved: <a href="{location}">{location}</a></body></html>'.encode()
        return Reply(options["status"], body, {"Content-Type": HTML_TYPE, "Location": location}, fault=kind)
    if kind == "login_page":
        return Reply(200, LOGIN_HTML, {"Content-Type": HTML_TYPE}, fault=kind)
    if kind == "echo_key":
        key = _sent_key(exchange)
        body = json_bytes({"success": False, "message": _echo_message(options["status"], key)})
        return Reply(options["status"], body, dict(json_type), fault=kind)
    if kind == "gzip_bomb":
        bomb = gzip_bomb(int(options["mb"] * BLOCK), options["content"])
        return catalog(bomb, **{"Content-Encoding": "gzip"})
    if kind == "oversized":
        nbytes = max(int(options["mb"] * BLOCK), 1024)
        return Reply(200, headers=dict(catalog_headers), chunks=filler_envelope(nbytes), length=nbytes, fault=kind)
    if kind in ("deep_json", "huge_price", "lone_surrogate", "invalid_record"):
        return catalog(_poisoned_envelope(exchange.records, _extra_record(kind, options)))
    if kind == "empty_data":
        return catalog(json_bytes({"data": [], "message": "", "success": True}))
    if kind == "trickle":
        chunks = _trickle(normal.body, options["seconds"], options["chunk"], options["interval"], exchange.stopping)
        return Reply(normal.status, headers=dict(normal.headers), chunks=chunks, length=len(normal.body), fault=kind)
    if kind == "retry_after":
        status = options["status"]
        body = json_bytes({"success": False, "message": f"simulated HTTP {status}: please retry later"})
        return Reply(status, body, {**json_type, "Retry-After": options["value"]}, fault=kind)
    if kind == "expires_never":
        headers = {k: v for k, v in normal.headers.items() if k != "Cache-Control"}
        return Reply(normal.status, normal.body, {**headers, "Expires": "never"}, fault=kind)
    if kind == "huge_max_age":
        return Reply(
            normal.status,
            normal.body,
            {**normal.headers, "Cache-Control": f"max-age={options['max_age']}"},
            fault=kind,
        )
    raise AssertionError(f"no answer for fault kind {kind}")  # pragma: no cover - FAULT_KINDS and answer agree
