"""CatalogServer: the documented AIHubMix catalog API on 127.0.0.1, with fault injection."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..bundled import snapshot_text
from .faults import Exchange, Fault, FaultKind, answer
from .listener import LoopbackListener
from .reply import CATALOG_PATH, JSON_TYPE, Reply, RequestRecord, etag_matches, json_bytes
from .serving.malformed import MALFORMED_KINDS, malform
from .serving.routes import CatalogRoutes

__all__ = ["CatalogServer"]


class CatalogServer(CatalogRoutes):
    """The AIHubMix catalog API (and the legacy ``/v1/models``) on ``127.0.0.1``, for tests and demos.

    ``payload`` is the JSON envelope (or its ``data`` list) to serve; ``None`` serves the bundled
    snapshot. Use it as a context manager; ``url`` is the base URL to pass as ``base_url=``.
    Every request is logged in ``requests`` (method, path, query, the headers received, status,
    body bytes, fault). ``api_key`` makes the legacy endpoints demand that Bearer token.
    ``/moved/api/v1/models`` serves the catalog too (never faulted); ``/login`` is a login page.

    Faults. ``fail_next(n, status=, retry_after=, message=)`` answers the next ``n`` requests (any
    path) with an error; ``malform_next(n, kind=)`` breaks the next ``n`` 200 bodies (``truncated``,
    ``html``, ``success_false``); ``delay`` waits before every answer; ``down()`` / ``up()`` refuse
    connections, then serve again on the same port. ``fault_next(kind, n=1, **options)`` answers
    the next ``n`` requests for ``/api/v1/models`` (after pending ``fail_next`` ones, never a 304):

    ==================  ================================  ==============================================
    kind                options (default)                 answer
    ==================  ================================  ==============================================
    ``redirect``        ``status`` (302): 301 302 307     ``Location`` keeps the query; ``to=None``:
                        308; ``to`` (None): a             this server's ``/moved/api/v1/models``; else
                        CatalogServer or loopback URL     that server's ``/api/v1/models``
    ``redirect_login``  ``status`` (302)                  ``Location: /login?next=...``; ``/login``
                                                          answers ``200 text/html``
    ``login_page``      -                                 ``200 text/html``: a captive-portal page
    ``echo_key``        ``status`` (401): 401 500 200     ``{"success": false, "message": ...}`` with
                                                          the key of the Authorization header received;
                                                          401: ``Invalid token: Bearer <key>``
    ``echo_secrets``    -                                 the catalog (200), echoing the Authorization
                                                          header received in ``X-Echo-Auth``, in
                                                          ``Set-Cookie: session=<key>`` and in the
                                                          envelope's ``message`` (``welcome Bearer ...``)
    ``redirect_sig``    ``status`` (302); ``to`` (None)   as ``redirect``, with the received key added
                                                          to ``Location`` as ``sig=<key>``
    ``gzip_bomb``       ``mb`` (64); ``content``          ``Content-Encoding: gzip``; a small body that
                        (``json``): ``json`` ``zeros``    inflates to exactly ``mb`` MiB (filler JSON)
    ``oversized``       ``mb`` (64)                       a valid envelope of exactly ``mb`` MiB,
                                                          streamed (filler records)
    ``deep_json``       ``depth`` (1000)                  the catalog plus a record nested ``depth``
                                                          levels deep (counting the envelope)
    ``huge_price``      ``digits`` (400)                  ... plus a record with a ``digits``-digit
                                                          ``pricing.input``
    ``lone_surrogate``  ``field`` (``model_name``)        ... plus a record whose ``field`` holds the
                                                          escape ``\\ud800``
    ``invalid_record``  ``record`` (``{"model_id": 42}``) ... plus ``record``
    ``empty_data``      -                                 ``{"data": [], "message": "", "success": true}``
    ``trickle``         ``seconds`` (2.0), ``chunk``      the normal answer, its body ``chunk`` bytes at
                        (8), ``interval`` (0.05)          a time; the last byte after ``seconds``
    ``retry_after``     ``status`` (503): 429 503;        that status with ``Retry-After: <value>``
                        ``value`` (``nan``)
    ``expires_never``   -                                 the catalog with ``Expires: never`` and no
                                                          ``Cache-Control``
    ``huge_max_age``    ``max_age`` (999999999999)        ``Cache-Control: max-age=<max_age>``
    ==================  ================================  ==============================================

    Bounded by design: it binds only 127.0.0.1, sizes are capped (4096 MiB, streamed or compressed),
    a trickle lasts at most 600 s and every wait ends when the server stops.

    >>> with CatalogServer([{"model_id": "m", "types": "llm"}], max_age=60) as server:
    ...     import requests
    ...     first = requests.get(server.url + "/api/v1/models")
    ...     again = requests.get(server.url + "/api/v1/models",
    ...                          headers={"If-None-Match": first.headers["ETag"]})
    ...     _ = server.fault_next("echo_key", status=401)
    ...     leak = requests.get(server.url + "/api/v1/models", headers={"Authorization": "Bearer sk-1"})
    ...     first.headers["Cache-Control"], again.status_code, again.content, leak.json()["message"]
    ('public, max-age=60, stale-while-revalidate=300', 304, b'', 'Invalid token: Bearer sk-1')
    """

    def __init__(self, payload: Any = None, *, max_age: int = 300, api_key: str | None = None, port: int = 0):
        self.max_age = int(max_age)
        self.api_key = api_key
        #: Seconds to wait before answering each request.
        self.delay: float = 0.0
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._failures: list[tuple[int, float | None, str | None]] = []
        self._malformed: list[str] = []
        self._faults: list[Fault] = []
        self._stopping = threading.Event()
        self._port = int(port)
        self._httpd: LoopbackListener | None = None
        self._thread: threading.Thread | None = None
        self.set_payload(payload)

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> CatalogServer:
        """Start serving in a background thread (idempotent)."""
        if self._httpd is None:
            self._stopping.clear()
            self._httpd = LoopbackListener(self._port, self._handle)
            self._port = self._httpd.server_address[1]
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"CatalogServer:{self._port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end every wait (delay, trickle), close the listening socket and connections."""
        self._stopping.set()
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

    def __exit__(self, *exc_info: object) -> None:
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
            payload = json.loads(snapshot_text())
        records = payload.get("data") if isinstance(payload, Mapping) else payload
        if not isinstance(records, list):
            raise TypeError("payload must be the catalog envelope {'data': [...]} or its data list")
        with self._lock:
            self._records = [dict(r) if isinstance(r, Mapping) else r for r in records]
            self._bodies = {}

    @property
    def records(self) -> list[Mapping[str, Any]]:
        """The raw records being served."""
        return list(self._records)

    def fail_next(
        self, n: int = 1, *, status: int = 500, retry_after: float | None = None, message: str | None = None
    ) -> None:
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

    def fault_next(self, kind: FaultKind, n: int = 1, **options: Any) -> Fault:
        """Answer the next ``n`` requests for ``/api/v1/models`` with the fault ``kind``.

        ``kind`` and ``options`` are in the class docstring's table; they are checked now (an
        unknown kind or a bad value raises ``ValueError``, an unknown option ``TypeError``).
        Faults queue up in order: two calls serve the first call's faults first.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"n must be a non-negative int, not {n!r}")
        fault = Fault.make(kind, **options)
        with self._lock:
            self._faults.extend([fault] * n)
        return fault

    @property
    def pending_faults(self) -> list[Fault]:
        """The faults armed by :meth:`fault_next` and not served yet, next first."""
        with self._lock:
            return list(self._faults)

    def reset(self) -> None:
        """Forget the request log and pending faults; no delay."""
        with self._lock:
            self._log.clear()
            self._failures.clear()
            self._malformed.clear()
            self._faults.clear()
        self.delay = 0.0

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._log)

    def count(self, path: str | None = None, *, status: int | None = None) -> int:
        """How many requests (to ``path``, answered with ``status``) the server received."""
        return sum(
            1 for r in self.requests if (path is None or r.path == path) and (status is None or r.status == status)
        )

    # --- request handling ----------------------------------------------------------------------------

    def _pop(self, queue: list) -> Any:
        with self._lock:
            return queue.pop(0) if queue else None

    def _reply(
        self, method: str, path: str, query_string: str, query: dict[str, str], headers: dict[str, str]
    ) -> Reply:
        failure = self._pop(self._failures)
        if failure is not None:
            status, retry_after, message = failure
            body = json_bytes({"success": False, "message": message or f"simulated HTTP {status}: please retry later"})
            reply = Reply(status, body, {"Content-Type": JSON_TYPE}, fault="fail")
            if retry_after is not None:
                reply.headers["Retry-After"] = str(int(retry_after) if float(retry_after).is_integer() else retry_after)
            return reply
        reply = self._route(method, path, query, headers)
        fault = self._pop(self._faults) if path.rstrip("/") == CATALOG_PATH and method in ("GET", "HEAD") else None
        if fault is not None:
            exchange = Exchange(
                base_url=self.url,
                query_string=query_string,
                headers=headers,
                normal=reply,
                records=self._selected(query),
                max_age=self.max_age,
                stopping=self._stopping,
            )
            return answer(fault, exchange)
        malformed = self._pop(self._malformed) if reply.status == 200 else None
        if malformed is not None:
            return malform(reply, malformed)
        if (
            reply.status == 200
            and "ETag" in reply.headers
            and etag_matches(headers.get("If-None-Match"), reply.headers["ETag"])
        ):
            return Reply(304, b"", {"ETag": reply.headers["ETag"], "Cache-Control": reply.headers["Cache-Control"]})
        return reply

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        method = handler.command
        split = urlsplit(handler.path)
        query = {k: ",".join(v) for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        headers = dict(handler.headers.items())
        if self.delay:
            self._stopping.wait(self.delay)
        reply = self._reply(method, split.path, split.query, query, headers)

        sent = 0 if method == "HEAD" or reply.status == 304 else reply.content_length
        record = RequestRecord(
            method=method,
            path=split.path,
            query=query,
            headers=headers,
            status=reply.status,
            body_bytes=sent,
            fault=reply.fault,
        )
        with self._lock:
            self._log.append(record)
        try:
            handler.send_response(reply.status)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(reply.content_length) if reply.status != 304 else "0")
            handler.end_headers()
            if sent and reply.chunks is not None:
                for chunk in reply.chunks:
                    if self._stopping.is_set():
                        break
                    handler.wfile.write(chunk)
            elif sent:
                handler.wfile.write(reply.body)
        except OSError:
            handler.close_connection = True  # the client hung up (timeout, size limit, or down())
        if sent and reply.chunks is not None and self._stopping.is_set():
            handler.close_connection = True
