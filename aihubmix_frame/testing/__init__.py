"""The loopback AIHubMix catalog server for tests and demos: CatalogServer, its faults, its reference query code.

The server filters and sorts the raw JSON records with its own plain Python code
(:func:`query_records`), independent of the vectorised frame code in ``filters.py``, so that parity
tests compare two implementations.

>>> import requests
>>> with CatalogServer() as server:
...     body = requests.get(server.url + "/api/v1/models", params={"type": "t2t", "model": "gpt-5"}).json()
...     sorted(r["model_id"] for r in body["data"])[:2], server.requests[-1].status
(['gpt-5', 'gpt-5-chat-latest'], 200)
"""

from __future__ import annotations

from .faults import FAULT_KINDS, FAULT_OPTIONS, Fault, FaultKind
from .reference import INVALID_PARAMETER_MESSAGE, InvalidParameter, query_records
from .reply import CATALOG_PATH, LEGACY_PATH, LOGIN_PATH, MOVED_PATH
from .server import CatalogServer, RequestRecord

__all__ = [
    "CATALOG_PATH",
    "FAULT_KINDS",
    "FAULT_OPTIONS",
    "INVALID_PARAMETER_MESSAGE",
    "LEGACY_PATH",
    "LOGIN_PATH",
    "MOVED_PATH",
    "CatalogServer",
    "Fault",
    "FaultKind",
    "InvalidParameter",
    "RequestRecord",
    "query_records",
]
