"""Request routing of the CatalogServer: the fault-free answers of the catalog, login and legacy endpoints."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ..faults import LOGIN_HTML
from ..reference import INVALID_PARAMETER_MESSAGE, InvalidParameter, legacy_record, query_records
from ..reply import (
    CATALOG_PATH,
    HTML_TYPE,
    JSON_TYPE,
    LEGACY_PATH,
    LOGIN_PATH,
    MOVED_PATH,
    Reply,
    etag,
    json_bytes,
)

__all__ = ["CatalogRoutes"]


class CatalogRoutes:
    """The endpoints' answers before any fault; the CatalogServer sets the state declared here."""

    max_age: int
    api_key: str | None
    _lock: threading.Lock
    _records: list[Any]
    _bodies: dict[tuple, tuple[int, bytes]]

    def _selected(self, query: dict[str, str]) -> list[Any]:
        """The records a catalog query selects (all of them when the query is invalid)."""
        try:
            return query_records(self._records, query)
        except InvalidParameter:
            return list(self._records)

    def catalog_body(self, query: dict[str, str] | None = None) -> tuple[int, bytes]:
        """The status and JSON body the catalog path answers for ``query`` (no fault applied)."""
        query = dict(query or {})
        key = tuple(sorted(query.items()))
        with self._lock:
            cached = self._bodies.get(key)
            records = self._records
        if cached is not None:
            return cached
        try:
            selected = query_records(records, query)
            reply = (200, json_bytes({"data": selected, "message": "", "success": True}))
        except InvalidParameter:
            reply = (400, json_bytes({"success": False, "message": INVALID_PARAMETER_MESSAGE}))
        with self._lock:
            if len(self._bodies) < 256:
                self._bodies[key] = reply
        return reply

    def _authorised(self, headers: dict[str, str]) -> bool:
        if self.api_key is None:
            return True
        sent = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        return sent == f"Bearer {self.api_key}"

    def _route(self, method: str, path: str, query: dict[str, str], headers: dict[str, str]) -> Reply:
        json_type = {"Content-Type": JSON_TYPE}
        if method not in ("GET", "HEAD"):
            return Reply(
                405,
                json_bytes({"success": False, "message": f"method {method} not allowed"}),
                {**json_type, "Allow": "GET, HEAD"},
            )
        if path.rstrip("/") in (CATALOG_PATH, MOVED_PATH):
            status, body = self.catalog_body(query)
            if status != 200:
                return Reply(status, body, {**json_type, "Cache-Control": "no-store"})
            return Reply(
                200,
                body,
                {
                    **json_type,
                    "Cache-Control": f"public, max-age={self.max_age}, stale-while-revalidate=300",
                    "ETag": etag(body),
                },
            )
        if path.rstrip("/") == LOGIN_PATH:
            return Reply(200, LOGIN_HTML, {"Content-Type": HTML_TYPE})
        if path.rstrip("/") == LEGACY_PATH or path.startswith(LEGACY_PATH + "/"):
            return self._legacy(path, headers)
        return Reply(404, json_bytes({"success": False, "message": f"no such endpoint {path}"}), json_type)

    def _legacy(self, path: str, headers: dict[str, str]) -> Reply:
        json_type = {"Content-Type": JSON_TYPE}
        if not self._authorised(headers):
            error = {"error": {"message": "Invalid token: check your API key", "type": "authentication_error"}}
            return Reply(401, json_bytes(error), json_type)
        with self._lock:
            records = self._records
        if path.rstrip("/") == LEGACY_PATH:
            data = [legacy_record(r) for r in records if isinstance(r, Mapping)]
            return Reply(200, json_bytes({"object": "list", "data": data}), json_type)
        model_id = unquote(path[len(LEGACY_PATH) + 1 :])
        for record in records:
            if isinstance(record, Mapping) and record.get("model_id") == model_id:
                return Reply(200, json_bytes(legacy_record(record)), json_type)
        error = {
            "error": {
                "message": f"The model `{model_id}` does not exist",
                "type": "invalid_request_error",
                "code": "model_not_found",
            }
        }
        return Reply(404, json_bytes(error), json_type)
