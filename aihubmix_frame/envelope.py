"""The catalog envelope: its ``data`` list, and the SchemaError that names a record and field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .errors import APIError, SchemaError

__all__ = ["payload_records", "record_error", "unencodable_text_error"]


def payload_records(payload: Any) -> list[Any]:
    """The ``data`` list of an envelope (or the list itself); raises APIError on ``success: false``."""
    if isinstance(payload, Mapping):
        if payload.get("success") is False:
            message = payload.get("message") or "no message"
            raise APIError(f"AIHubMix answered success=false: {message}. Check the request parameters.")
        if "data" not in payload:
            raise SchemaError(
                "the catalog payload has no 'data' list; pass the JSON envelope of "
                "GET /api/v1/models or its 'data' list"
            )
        data = payload["data"]
        if data is None:
            return []
    else:
        data = payload
    if not isinstance(data, list):
        raise SchemaError(
            f"the catalog 'data' is a {type(data).__name__}, expected a list of model objects; "
            "pass the JSON envelope of GET /api/v1/models or its 'data' list"
        )
    return data


def record_error(index: int, record: Mapping[str, Any], field: str, problem: str) -> SchemaError:
    model_id = record.get("model_id")
    return SchemaError(
        f"record {index} (model_id={model_id!r}) field {field!r}: {problem}. Fix or drop that record before converting."
    )


def unencodable_text_error(records: list) -> SchemaError:
    """The SchemaError for text that is not valid Unicode (a lone surrogate such as ``\\ud800``)."""
    for index, record in enumerate(records):
        for key, value in record.items() if isinstance(record, Mapping) else ():
            try:
                json.dumps(value, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                return record_error(index, record, key, "text that is not valid Unicode (a lone surrogate)")
    return SchemaError("the catalog holds text that is not valid Unicode; fix the payload before converting")
