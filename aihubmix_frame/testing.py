"""CatalogServer: the documented AIHubMix catalog API on loopback, with fault injection.

The server filters and sorts the raw JSON records with its own plain Python code, independent of
the vectorised frame code in ``filters.py``, so that parity tests compare two implementations.
It shares only the constant tables of ``schema.py`` and the text of ``filters.CODING_PATTERN``.

>>> import requests
>>> with CatalogServer() as server:
...     body = requests.get(server.url + "/api/v1/models", params={"type": "t2t", "model": "gpt-5"}).json()
...     sorted(r["model_id"] for r in body["data"])[:2], server.requests[-1].status
(['gpt-5', 'gpt-5-chat-latest'], 200)
"""

from __future__ import annotations

import calendar
import email.utils
import hashlib
import json
import math
import re
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import schema

__all__ = ["CatalogServer", "RequestRecord", "INVALID_PARAMETER_MESSAGE", "query_records"]

INVALID_PARAMETER_MESSAGE = "Invalid request parameter format"
CATALOG_PATH = "/api/v1/models"
LEGACY_PATH = "/v1/models"
SORT_KEYS = ("model_ratio", "context_length", "coding", "order")
SORT_ORDERS = ("asc", "desc")
MALFORMED_KINDS = ("truncated", "html", "success_false")
#: The text of ``filters.CODING_PATTERN`` (copied, not imported: the server is independent code).
CODING_PATTERN = re.compile(r"(?<![a-z])cod(?:e|er|ex|ing|estral)(?![a-z])", re.IGNORECASE)
#: ``created`` of legacy records without a ``release_date`` (the docs example's timestamp).
LEGACY_CREATED = 1626777600

_SEPARATORS = re.compile(r"[,\uff0c]")


class InvalidParameter(ValueError):
    """A query parameter value the server rejects with 400."""


# --- plain-Python query semantics over raw records ------------------------------------------------


def _split(value: Any, aliases: Mapping[str, str]) -> list[str]:
    """Tokens of a raw comma string (or list of strings): split, strip, lower, alias, dedupe."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        value = ",".join(item for item in value if isinstance(item, str))
    if not isinstance(value, str):
        return []
    tokens: list[str] = []
    for part in _SEPARATORS.split(value):
        token = part.strip().lower()
        if token:
            token = aliases.get(token, token)
            if token not in tokens:
                tokens.append(token)
    return tokens


def _price(record: Mapping[str, Any]) -> float | None:
    pricing = record.get("pricing")
    value = pricing.get("input") if isinstance(pricing, Mapping) else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _context(record: Mapping[str, Any]) -> int | None:
    value = record.get("context_length")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if value.strip() else 0
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return int(value) or None


def _is_coding(record: Mapping[str, Any]) -> bool:
    model_id = record.get("model_id") if isinstance(record.get("model_id"), str) else ""
    name = record.get("model_name") if isinstance(record.get("model_name"), str) else ""
    return bool(CODING_PATTERN.search(f"{model_id} {name}"))


def _vocabulary(records: list[Mapping[str, Any]], field_name: str, aliases: Mapping[str, str],
                documented: Iterable[str]) -> set[str]:
    valid = set(documented)
    for record in records:
        valid.update(_split(record.get(field_name), aliases))
    return valid


def _requested(query: Mapping[str, str], name: str, aliases: Mapping[str, str], valid: set[str]) -> list[str]:
    tokens = _split(query.get(name), aliases)
    if any(token not in valid for token in tokens):
        raise InvalidParameter(f"unknown {name}: {tokens}")
    return tokens


def query_records(records: list[Mapping[str, Any]], query: Mapping[str, str]) -> list[Mapping[str, Any]]:
    """Filter and sort raw records by the query parameters of ``GET /api/v1/models``.

    ``type`` matches a model with any of the listed types (legacy codes accepted); every listed
    modality and feature is required; ``model`` is a case-insensitive substring of ``model_id``;
    all conditions AND. Unknown values and unknown ``sort_by`` / ``sort_order`` raise
    :class:`InvalidParameter` (the server's 400).

    >>> records = [{"model_id": "a", "types": "t2t", "context_length": 0},
    ...            {"model_id": "b-coder", "types": "llm", "context_length": 8000},
    ...            {"model_id": "c", "types": "video", "context_length": 32000}]
    >>> [r["model_id"] for r in query_records(records, {"type": "llm", "sort_by": "context_length",
    ...                                                  "sort_order": "desc"})]
    ['b-coder', 'a']
    >>> [r["model_id"] for r in query_records(records, {"sort_by": "coding"})]
    ['b-coder', 'a', 'c']
    """
    types = _requested(query, "type", schema.TYPE_ALIASES, _vocabulary(
        records, "types", schema.TYPE_ALIASES, (*schema.DOCUMENTED_TYPES, *schema.OBSERVED_TYPES)))
    modalities = _requested(query, "modalities", schema.MODALITY_ALIASES, _vocabulary(
        records, "input_modalities", schema.MODALITY_ALIASES, schema.MODALITIES))
    features = _requested(query, "features", schema.FEATURE_ALIASES, _vocabulary(
        records, "features", schema.FEATURE_ALIASES, schema.FEATURES))
    model = (query.get("model") or "").strip()
    sort_by = (query.get("sort_by") or "").strip().lower()
    sort_order = (query.get("sort_order") or "asc").strip().lower() or "asc"
    if sort_by and sort_by not in SORT_KEYS:
        raise InvalidParameter(f"unknown sort_by {sort_by!r}")
    if sort_order not in SORT_ORDERS:
        raise InvalidParameter(f"unknown sort_order {sort_order!r}")

    needle = model.lower() if model else None
    selected = []
    for record in records:
        if types and not set(types) & set(_split(record.get("types"), schema.TYPE_ALIASES)):
            continue
        if modalities and not set(modalities) <= set(
                _split(record.get("input_modalities"), schema.MODALITY_ALIASES)):
            continue
        if features and not set(features) <= set(_split(record.get("features"), schema.FEATURE_ALIASES)):
            continue
        if needle is not None:
            model_id = record.get("model_id")
            if not isinstance(model_id, str) or needle not in model_id.lower():
                continue
        selected.append(record)

    descending = sort_order == "desc"
    if sort_by == "order":
        return selected[::-1] if descending else selected
    if sort_by == "coding":
        # Coding models first, each group in catalog order; sort_order does not apply.
        return [r for r in selected if _is_coding(r)] + [r for r in selected if not _is_coding(r)]
    if sort_by in ("model_ratio", "context_length"):
        key = _price if sort_by == "model_ratio" else _context
        keyed = [(key(r), r) for r in selected]
        present = [pair for pair in keyed if pair[0] is not None]
        missing = [r for value, r in keyed if value is None]
        # sorted() is stable for reverse=True too: ties keep catalog order; missing values last.
        ordered = sorted(present, key=lambda pair: pair[0], reverse=descending)
        return [r for _, r in ordered] + missing
    return selected


def _legacy_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """One catalog record in the OpenAI ``/v1/models`` list format."""
    model_id = str(record.get("model_id"))
    created = LEGACY_CREATED
    release = record.get("release_date")
    if isinstance(release, str):
        try:
            created = calendar.timegm(time.strptime(release[:10], "%Y-%m-%d"))
        except ValueError:
            pass
    owner = record.get("vendor") or record.get("owned_by") or "aihubmix"
    digest = hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:24]
    return {
        "id": model_id,
        "object": "model",
        "created": created,
        "owned_by": str(owner),
        "permission": [{
            "id": f"modelperm-{digest}",
            "object": "model_permission",
            "created": created,
            "allow_create_engine": True,
            "allow_sampling": True,
            "allow_logprobs": True,
            "allow_search_indices": False,
            "allow_view": True,
            "allow_fine_tuning": False,
            "organization": "*",
            "group": None,
            "is_blocking": False,
        }],
        "root": model_id,
        "parent": None,
    }


# --- the HTTP server -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestRecord:
    """One request the server received: what the client sent and what it answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int
    body_bytes: int
    time: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        """A request header, matched case-insensitively."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = [c.strip() for c in header.split(",")]
    return any((c[2:] if c.startswith("W/") else c) == etag for c in candidates)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CatalogServer/1"

    def do_GET(self):  # noqa: N802 - http.server naming
        self.server.catalog._handle(self)

    def do_HEAD(self):  # noqa: N802
        self.server.catalog._handle(self)

    def _not_allowed(self):
        self.server.catalog._handle(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = _not_allowed

    def log_message(self, format, *args):  # noqa: A002 - quiet: tests read .requests instead
        pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, catalog: CatalogServer):
        self.catalog = catalog
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        pass  # a client that hung up mid-answer (timeouts, down()) is expected here

    def drop_connections(self):
        with self.connections_lock:
            connections, self.connections = list(self.connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()


class CatalogServer:
    """The AIHubMix catalog API (and the legacy ``/v1/models``) on ``127.0.0.1``, for tests and demos.

    ``payload`` is the JSON envelope (or its ``data`` list) to serve; ``None`` serves the bundled
    snapshot. Use it as a context manager; ``url`` is the base URL to pass as ``base_url=``.
    Every request is logged in ``requests`` (method, path, query, headers, status, body bytes).

    Faults: ``fail_next(n, status=503, retry_after=1)``, ``malform_next(n, kind="html")``,
    ``delay`` (seconds before answering), ``down()`` / ``up()`` (refuse connections, then serve
    again on the same port). ``api_key`` makes the legacy endpoints demand that Bearer token.

    >>> with CatalogServer([{"model_id": "m", "types": "llm"}], max_age=60) as server:
    ...     import requests
    ...     first = requests.get(server.url + "/api/v1/models")
    ...     again = requests.get(server.url + "/api/v1/models",
    ...                          headers={"If-None-Match": first.headers["ETag"]})
    ...     first.headers["Cache-Control"], again.status_code, again.content
    ('public, max-age=60, stale-while-revalidate=300', 304, b'')
    """

    def __init__(self, payload: Any = None, *, max_age: int = 300, api_key: str | None = None,
                 port: int = 0):
        self.max_age = int(max_age)
        self.api_key = api_key
        #: Seconds to wait before answering each request.
        self.delay: float = 0.0
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._failures: list[tuple[int, float | None, str | None]] = []
        self._malformed: list[str] = []
        self._port = int(port)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.set_payload(payload)

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> CatalogServer:
        """Start serving in a background thread (idempotent)."""
        if self._httpd is None:
            self._httpd = _HTTPServer(("127.0.0.1", self._port), self)
            self._port = self._httpd.server_address[1]
            self._thread = threading.Thread(target=self._httpd.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name=f"CatalogServer:{self._port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket and open connections."""
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            httpd.drop_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    close = stop

    def down(self) -> None:
        """Refuse connections on this port (as a server that is down) until :meth:`up`."""
        self.stop()

    def up(self) -> None:
        """Serve again on the same port after :meth:`down`."""
        self.start()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def __enter__(self) -> CatalogServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:50123`` (pass it as ``base_url=``)."""
        if not self._port:
            raise RuntimeError("the server has no port yet; start it first (use it as a context manager)")
        return f"http://127.0.0.1:{self._port}"

    def __repr__(self) -> str:
        state = self.url if self._port else "not started"
        return f"CatalogServer({state}, models={len(self._records)}, max_age={self.max_age})"

    # --- content and faults ----------------------------------------------------------------------

    def set_payload(self, payload: Any = None) -> None:
        """Serve a new catalog (envelope or data list; None = the bundled snapshot)."""
        if payload is None:
            from .loader import snapshot_payload

            payload = snapshot_payload()
        records = payload.get("data") if isinstance(payload, Mapping) else payload
        if not isinstance(records, list):
            raise TypeError("payload must be the catalog envelope {'data': [...]} or its data list")
        with self._lock:
            self._records = [dict(r) if isinstance(r, Mapping) else r for r in records]
            self._bodies: dict[tuple, tuple[int, bytes]] = {}

    @property
    def records(self) -> list[Mapping[str, Any]]:
        """The raw records being served."""
        return list(self._records)

    def fail_next(self, n: int = 1, *, status: int = 500, retry_after: float | None = None,
                  message: str | None = None) -> None:
        """Answer the next ``n`` requests with ``status`` (429 and 503 carry ``Retry-After``)."""
        if retry_after is None and status in (429, 503):
            retry_after = 1
        with self._lock:
            self._failures.extend([(int(status), retry_after, message)] * n)

    def malform_next(self, n: int = 1, *, kind: str = "truncated") -> None:
        """Answer the next ``n`` successful requests with a 200 and a broken body.

        ``truncated`` cuts the JSON in half, ``html`` sends an HTML error page (as a proxy or
        captive portal would), ``success_false`` sends ``{"success": false}`` with status 200.
        """
        if kind not in MALFORMED_KINDS:
            raise ValueError(f"unknown kind {kind!r}; valid kinds: {', '.join(MALFORMED_KINDS)}")
        with self._lock:
            self._malformed.extend([kind] * n)

    def reset(self) -> None:
        """Forget the request log and pending faults; no delay."""
        with self._lock:
            self._log.clear()
            self._failures.clear()
            self._malformed.clear()
        self.delay = 0.0

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._log)

    def count(self, path: str | None = None, *, status: int | None = None) -> int:
        """How many requests (to ``path``, answered with ``status``) the server received."""
        return sum(1 for r in self.requests
                   if (path is None or r.path == path) and (status is None or r.status == status))

    # --- request handling ----------------------------------------------------------------------------

    def _catalog_body(self, query: dict[str, str]) -> tuple[int, bytes]:
        key = tuple(sorted(query.items()))
        with self._lock:
            cached = self._bodies.get(key)
            records = self._records
        if cached is not None:
            return cached
        try:
            selected = query_records(records, query)
            answer = (200, _json_bytes({"data": selected, "message": "", "success": True}))
        except InvalidParameter:
            answer = (400, _json_bytes({"success": False, "message": INVALID_PARAMETER_MESSAGE}))
        with self._lock:
            if len(self._bodies) < 256:
                self._bodies[key] = answer
        return answer

    def _authorised(self, headers: dict[str, str]) -> bool:
        if self.api_key is None:
            return True
        sent = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        return sent == f"Bearer {self.api_key}"

    def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str]) -> _Reply:
        json_type = {"Content-Type": "application/json; charset=utf-8"}
        if method not in ("GET", "HEAD"):
            return _Reply(405, _json_bytes({"success": False, "message": f"method {method} not allowed"}),
                          {**json_type, "Allow": "GET, HEAD"})
        if path.rstrip("/") == CATALOG_PATH:
            status, body = self._catalog_body(query)
            if status != 200:
                return _Reply(status, body, {**json_type, "Cache-Control": "no-store"})
            return _Reply(200, body, {
                **json_type,
                "Cache-Control": f"public, max-age={self.max_age}, stale-while-revalidate=300",
                "ETag": _etag(body),
            })
        if path.rstrip("/") == LEGACY_PATH or path.startswith(LEGACY_PATH + "/"):
            if not self._authorised(headers):
                error = {"error": {"message": "Invalid token: check your API key",
                                   "type": "authentication_error"}}
                return _Reply(401, _json_bytes(error), json_type)
            with self._lock:
                records = self._records
            if path.rstrip("/") == LEGACY_PATH:
                data = [_legacy_record(r) for r in records if isinstance(r, Mapping)]
                return _Reply(200, _json_bytes({"object": "list", "data": data}), json_type)
            model_id = unquote(path[len(LEGACY_PATH) + 1:])
            for record in records:
                if isinstance(record, Mapping) and record.get("model_id") == model_id:
                    return _Reply(200, _json_bytes(_legacy_record(record)), json_type)
            error = {"error": {"message": f"The model `{model_id}` does not exist",
                               "type": "invalid_request_error", "code": "model_not_found"}}
            return _Reply(404, _json_bytes(error), json_type)
        return _Reply(404, _json_bytes({"success": False, "message": f"no such endpoint {path}"}), json_type)

    def _next_failure(self) -> tuple[int, float | None, str | None] | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _next_malformed(self) -> str | None:
        with self._lock:
            return self._malformed.pop(0) if self._malformed else None

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        split = urlsplit(handler.path)
        path = split.path
        query: dict[str, str] = {k: ",".join(v) for k, v in
                                 parse_qs(split.query, keep_blank_values=True).items()}
        headers = dict(handler.headers.items())
        if self.delay:
            time.sleep(self.delay)

        failure = self._next_failure()
        if failure is not None:
            status, retry_after, message = failure
            body = _json_bytes({"success": False, "message": message or
                                f"simulated HTTP {status}: please retry later"})
            reply = _Reply(status, body, {"Content-Type": "application/json; charset=utf-8"})
            if retry_after is not None:
                reply.headers["Retry-After"] = str(int(retry_after) if float(retry_after).is_integer()
                                                   else retry_after)
        else:
            reply = self._route(method, path, query, headers)
            malformed = self._next_malformed() if reply.status == 200 else None
            if malformed is not None:
                reply = self._malform(reply, malformed)
            elif reply.status == 200 and "ETag" in reply.headers and method in ("GET", "HEAD"):
                if _etag_matches(headers.get("If-None-Match"), reply.headers["ETag"]):
                    reply = _Reply(304, b"", {"ETag": reply.headers["ETag"],
                                              "Cache-Control": reply.headers["Cache-Control"]})

        sent = 0 if method == "HEAD" or reply.status == 304 else len(reply.body)
        record = RequestRecord(method=method, path=path, query=query, headers=headers,
                               status=reply.status, body_bytes=sent)
        with self._lock:
            self._log.append(record)
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(reply.body)) if reply.status != 304 else "0")
            handler.end_headers()
            if sent:
                handler.wfile.write(reply.body)
        except OSError:
            handler.close_connection = True  # the client hung up (timeout or down())

    @staticmethod
    def _malform(reply: _Reply, kind: str) -> _Reply:
        if kind == "truncated":
            body = reply.body[: max(1, len(reply.body) // 2)]
            headers = dict(reply.headers)
        elif kind == "html":
            body = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
                    b"<body><h1>Bad Gateway</h1><p>The upstream server is unavailable.</p></body></html>")
            headers = {**reply.headers, "Content-Type": "text/html; charset=utf-8"}
        else:
            body = _json_bytes({"success": False, "message": "upstream error, please retry"})
            headers = dict(reply.headers)
        if "ETag" in headers:
            headers["ETag"] = _etag(body)
        return _Reply(200, body, headers)


def http_date(timestamp: float | None = None) -> str:
    """An RFC 7231 date, e.g. for a ``Retry-After`` header."""
    return email.utils.formatdate(timestamp, usegmt=True)
