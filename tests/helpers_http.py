"""Plain helpers for the HTTP tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import base64
from pathlib import Path

from aihubmix_frame.http.cache import cache_files

#: Nothing listens on the discard port of loopback: connections are refused at once.
CLOSED_PORT_URL = "http://127.0.0.1:9"


def cache_bytes(directory: Path) -> bytes:
    """Every byte of the SQLite cache files (database, -wal, -shm)."""
    files = cache_files(directory)
    assert files, f"no cache files in {directory}"
    return b"".join(p.read_bytes() for p in files)


def secret_forms(secret: str) -> list[bytes]:
    """The secret as raw bytes and base64 (the JSON serializer base64-encodes bodies)."""
    raw = secret.encode()
    return [raw, base64.b64encode(raw), base64.b64encode(b"Bearer " + raw)]


def model_ids(frame) -> list[str]:
    return frame["model_id"].tolist()
