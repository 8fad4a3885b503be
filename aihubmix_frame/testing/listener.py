"""LoopbackListener: a threaded HTTP/1.1 listener on 127.0.0.1 that can drop its open connections."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["LoopbackListener", "RequestHandler"]


class RequestHandler(BaseHTTPRequestHandler):
    """Hands every request, whatever its method, to the listener's ``respond`` callable."""

    protocol_version = "HTTP/1.1"
    server_version = "CatalogServer/1"

    def do_GET(self) -> None:
        self.server.respond(self)  # type: ignore[attr-defined]  # a LoopbackListener

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackListener(ThreadingHTTPServer):
    """Listens on ``127.0.0.1:port`` (0: any free port) only; one daemon thread per connection."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, respond: Callable[[BaseHTTPRequestHandler], None]):
        self.respond = respond
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-answer (timeouts, down()) is expected here

    def drop_connections(self) -> None:
        """Close every open connection (keep-alive ones included), as a server going down would."""
        with self.connections_lock:
            connections, self.connections = list(self.connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
