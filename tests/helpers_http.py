"""Fixtures for the HTTP tests. Which to use when:

- ``server``: a ``CatalogServer`` serving the bundled snapshot on 127.0.0.1 (max-age 300 s).
- ``short_server``: the same with ``max-age=1``, for expiry and revalidation tests (sleep 1.1 s).
- ``cache_dir``: an empty cache directory for this test, also set as ``AIHUBMIX_CACHE_DIR``;
  the process's cached sessions are closed afterwards.
- ``no_real_network`` (autouse where imported): points ``AIHUBMIX_BASE_URL`` at a closed loopback
  port and unsets ``AIHUBMIX_API_KEY``, so a test that forgets ``base_url=`` never leaves the machine.
Import them with ``from helpers_http import *``.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from aihubmix_frame.cache import cache_files, close_sessions
from aihubmix_frame.testing import CatalogServer

__all__ = ["server", "short_server", "cache_dir", "no_real_network", "cache_bytes", "model_ids", "secret_forms",
           "CLOSED_PORT_URL"]

#: Nothing listens on the discard port of loopback: connections are refused at once.
CLOSED_PORT_URL = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def no_real_network(monkeypatch):
    monkeypatch.setenv("AIHUBMIX_BASE_URL", CLOSED_PORT_URL)
    monkeypatch.delenv("AIHUBMIX_API_KEY", raising=False)


@pytest.fixture
def server():
    with CatalogServer() as catalog_server:
        yield catalog_server


@pytest.fixture
def short_server():
    with CatalogServer(max_age=1) as catalog_server:
        yield catalog_server


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("AIHUBMIX_CACHE_DIR", str(path))
    yield path
    close_sessions()


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
