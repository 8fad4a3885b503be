"""The legacy OpenAI-format endpoints ``GET /v1/models`` and ``/v1/models/{model}``, uncached."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ..errors import SchemaError
from .client import DEFAULT_TIMEOUT, CatalogClient

__all__ = ["fetch_legacy_models", "fetch_legacy_model", "LEGACY_PATH"]

LEGACY_PATH = "/v1/models"


def fetch_legacy_models(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    session: Any = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """``GET /v1/models`` (OpenAI list format), uncached: the models your API key can use.

    >>> from aihubmix_frame.testing import CatalogServer
    >>> with CatalogServer([{"model_id": "org/m:1@x(y)"}]) as server:
    ...     body = fetch_legacy_models(base_url=server.url)
    >>> [(m["id"], m["object"]) for m in body["data"]]
    [('org/m:1@x(y)', 'model')]
    """
    client = CatalogClient(base_url=base_url, api_key=api_key, session=session, timeout=timeout)
    body = client.get_json(LEGACY_PATH)
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise SchemaError("GET /v1/models did not answer {'data': [...]}; check base_url")
    return body


def fetch_legacy_model(
    model_id: str,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    session: Any = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """``GET /v1/models/{model}``: one model in the OpenAI format (the id is URL-quoted).

    >>> from aihubmix_frame.testing import CatalogServer
    >>> with CatalogServer([{"model_id": "org/m:1@x(y)"}]) as server:
    ...     fetch_legacy_model("org/m:1@x(y)", base_url=server.url)["root"]
    'org/m:1@x(y)'
    """
    if not isinstance(model_id, str) or not model_id.strip():
        raise ValueError(f"model_id must be a non-empty string, got {model_id!r}")
    client = CatalogClient(base_url=base_url, api_key=api_key, session=session, timeout=timeout)
    body = client.get_json(f"{LEGACY_PATH}/{quote(model_id, safe='')}")
    if not isinstance(body, dict) or "id" not in body:
        raise SchemaError(f"GET /v1/models/{model_id} did not answer a model object; check base_url")
    return body
