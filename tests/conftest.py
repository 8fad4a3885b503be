"""Shared fixtures. Which to use when:

- ``snapshot``: the bundled 804-model catalog frame (a fresh copy per test; mutate freely).
- ``snapshot_payload``: the same catalog as the raw JSON envelope, for pure-function tests.
- ``data_path(name)``: a file in ``tests/data/`` (real public catalog data; see its README.md).
- ``load_json(name)``: such a file parsed.
Everything here is offline; HTTP tests start their own loopback ``CatalogServer``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import aihubmix_frame as ahf
from aihubmix_frame.loader import snapshot_payload as _snapshot_payload

DATA = Path(__file__).parent / "data"


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
