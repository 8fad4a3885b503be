"""Shared fixtures, and the isolation every test gets. Which to use when:

Autouse, for every test (a test cannot opt out by forgetting an import):

- ``isolated_environment``: ``AIHUBMIX_BASE_URL`` points at a closed loopback port, so a test that
  forgets ``base_url=`` never leaves the machine; ``AIHUBMIX_API_KEY`` is unset; the HTTP cache
  (``AIHUBMIX_CACHE_DIR``) is a fresh folder of this test, and the process's cached sessions are
  closed afterwards.

On request:

- ``snapshot``: the bundled 804-model catalog frame (a fresh copy per test; mutate freely).
- ``snapshot_payload``: the same catalog as the raw JSON envelope, for pure-function tests.
- ``data_path(name)`` / ``load_json(name)``: a file in ``tests/data/`` (real public catalog data;
  see its README.md), as a path or parsed.
- ``server``: a loopback ``CatalogServer`` serving the bundled snapshot (``max-age`` 300 s).
- ``short_server``: the same with ``max-age=1``, for expiry and revalidation: move time past the
  expiry with the ``clock`` fixture instead of sleeping.
- ``cache_dir``: this test's cache folder (also ``AIHUBMIX_CACHE_DIR``), for tests that look at the
  SQLite files.
- ``clock``: a fake clock (time-machine) that starts now and ticks; ``clock.shift(seconds)`` moves
  every ``datetime.now``/``time.time`` in this process, the loopback server's included, as
  requests-cache's own tests do.

Helpers that are not fixtures (``cache_bytes``, ``secret_forms``, reference implementations) live in
the ``helpers_*`` modules beside this file and are imported by name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import aihubmix_frame as ahf
from aihubmix_frame.loader import snapshot_payload as _snapshot_payload

DATA = Path(__file__).parent / "data"
#: Nothing listens on the discard port of loopback: connections are refused at once.
CLOSED_PORT_URL = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("AIHUBMIX_BASE_URL", CLOSED_PORT_URL)
    monkeypatch.delenv("AIHUBMIX_API_KEY", raising=False)
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("AIHUBMIX_CACHE_DIR", str(cache))
    yield cache
    from aihubmix_frame.http.cache import close_sessions

    close_sessions()


@pytest.fixture
def cache_dir(isolated_environment) -> Path:
    return isolated_environment


@pytest.fixture
def clock():
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime.now(dt.UTC), tick=True) as traveller:
        yield traveller


@pytest.fixture
def server():
    from aihubmix_frame.testing import CatalogServer

    with CatalogServer() as catalog_server:
        yield catalog_server


@pytest.fixture
def short_server():
    from aihubmix_frame.testing import CatalogServer

    with CatalogServer(max_age=1) as catalog_server:
        yield catalog_server


@pytest.fixture
def data_path():
    def resolve(name: str) -> Path:
        path = DATA / name
        assert path.exists(), f"missing test data file {path}"
        return path

    return resolve


@pytest.fixture
def load_json(data_path):
    def load(name: str):
        return json.loads(data_path(name).read_text(encoding="utf-8"))

    return load


@pytest.fixture
def snapshot():
    return ahf.load_snapshot()


@pytest.fixture
def snapshot_payload():
    return _snapshot_payload()


NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tutorial notebooks (nbmake: a Jupyter kernel each, 5 to 15 s) belong to the full run:
    they are ``slow`` like the other end-to-end tests, so the quick default run leaves them out."""
    for item in items:
        if item.path.suffix == ".ipynb" and item.path.parent == NOTEBOOKS:
            item.add_marker(pytest.mark.slow)
