"""The wire of the loopback server: its paths, RequestRecord (what came in) and Reply (what went out)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CATALOG_PATH",
    "HTML_TYPE",
    "JSON_TYPE",
    "LEGACY_PATH",
    "LOGIN_PATH",
    "MOVED_PATH",
    "Reply",
    "RequestRecord",
    "etag",
    "etag_matches",
    "json_bytes",
]

#: The catalog API; the only path that :meth:`CatalogServer.fault_next` faults apply to.
CATALOG_PATH = "/api/v1/models"
#: Serves the catalog exactly as ``CATALOG_PATH`` does (with no faults): a same-server redirect target.
MOVED_PATH = "/moved/api/v1/models"
#: A login page (``200 text/html``): where a captive portal redirects.
LOGIN_PATH = "/login"
#: The legacy OpenAI-style model list.
LEGACY_PATH = "/v1/models"

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass(frozen=True)
class RequestRecord:
    """One request the server received: what the client sent and what it answered.

    ``fault`` names what shaped the answer: a :data:`~aihubmix_frame.testing.FAULT_KINDS` kind,
    ``"fail"`` (``fail_next``), ``"malformed:<kind>"`` (``malform_next``), or ``None``.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int
    body_bytes: int
    time: float = field(default_factory=time.time)
    fault: str | None = None

    def header(self, name: str) -> str | None:
        """A request header, matched case-insensitively."""
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class Reply:
    """What the server answers: ``body`` in one piece, or ``chunks`` of exactly ``length`` bytes.

    ``chunks`` is for bodies too big to hold (an oversized catalog) or sent slowly (a trickle);
    ``Content-Length`` is then ``length``. ``fault`` names the fault that shaped the answer, if any.

    >>> Reply(200, b"{}").content_length, Reply(200, chunks=iter([b"ab", b"c"]), length=3).content_length
    (2, 3)
    """

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None
    length: int | None = None
    fault: str | None = None

    @property
    def content_length(self) -> int:
        return self.length if self.chunks is not None and self.length is not None else len(self.body)


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON, as the real server sends it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def etag(body: bytes) -> str:
    """A strong ETag: a hash of the body."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(header: str | None, tag: str) -> bool:
    """Whether an ``If-None-Match`` header matches ``tag`` (weak comparison, ``*`` matches all).

    >>> etag_matches('W/"a", "b"', '"a"'), etag_matches(None, '"a"'), etag_matches("*", '"a"')
    (True, False, True)
    """
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = [c.strip() for c in header.split(",")]
    return any((c[2:] if c.startswith("W/") else c) == tag for c in candidates)
