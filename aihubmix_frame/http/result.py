"""RawCatalog: the catalog JSON a client fetched, with where and when it came from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

__all__ = ["RawCatalog", "public_url", "utc_now", "iso_utc", "age_text"]


def public_url(url: str) -> str:
    """The URL without user info or query (for provenance and messages).

    >>> public_url("https://user:pw@example.com:8443/api/v1/models?key=sk-1")
    'https://example.com:8443/api/v1/models'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """ISO-8601 in UTC, whole seconds."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def age_text(moment: datetime) -> str:
    """How long ago ``moment`` was, in words ("3 hours")."""
    seconds = max(0.0, (utc_now() - moment).total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{int(seconds)} seconds"


@dataclass(frozen=True, repr=False, eq=False)
class RawCatalog:
    """The catalog JSON envelope and where it came from (never the API key).

    ``payload`` is the parsed envelope (parsed on first access when only the body is known);
    ``provenance`` holds the keys of ``df.attrs["aihubmix"]``; ``reason`` says why a stale copy
    was served (None otherwise).
    """

    source: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    fetched_at: str | None = None
    content: bytes | None = None
    payload_parsed: dict[str, Any] | None = None
    reason: str | None = None
    #: ``(frame, warnings)`` when the body was converted while being checked (a fresh network body).
    converted: tuple[Any, list] | None = None

    @property
    def payload(self) -> dict[str, Any]:
        if self.payload_parsed is None:
            object.__setattr__(self, "payload_parsed", json.loads(self.content or b""))
        return cast(dict[str, Any], self.payload_parsed)

    @property
    def content_digest(self) -> str | None:
        """A hash of the body as received (identical bodies give identical frames)."""
        if self.content is None:
            return None
        return hashlib.blake2b(self.content, digest_size=16).hexdigest()

    @property
    def provenance(self) -> dict[str, Any]:
        """The provenance keys of ``df.attrs["aihubmix"]`` (JSON-serialisable)."""
        provenance = {
            "source": self.source,
            "url": self.url,
            "params": dict(self.params),
            "etag": self.etag,
            "fetched_at": self.fetched_at,
        }
        if self.reason is not None:
            provenance["fallback_reason"] = self.reason
        return provenance

    def __repr__(self) -> str:
        size = f"{len(self.content):,} bytes" if self.content is not None else "parsed"
        return (
            f"RawCatalog(source={self.source!r}, url={self.url!r}, params={self.params!r}, "
            f"etag={self.etag!r}, fetched_at={self.fetched_at!r}, body={size})"
        )
