"""Map ThinkInAIXYZ/PublicProviderConf ``dist/aihubmix.json`` versions back to raw API records.

Three real versions of the catalog (tests/data) give a real price history:

- 2025-11-11 and 2026-07-02 were generated from ``GET /api/v1/models``: the raw ``pricing`` is
  under ``metadata.pricing``, the list fields under ``metadata.typeHints`` / ``features`` /
  ``inputModalities``, the description under ``metadata.description``, limits under
  ``limit.context`` / ``limit.output`` (2025-11 records without ``limit`` carry top-level
  ``context_length`` / ``max_output_tokens``). The generator replaces an unknown (0) limit by 8192,
  so 8192 maps back to 0 (the same rule the 2026-07-02 reconstruction in tests/data uses).
- 2025-10-03 came from the website endpoint ``/call/mdl_info``: one-api ratios under ``metadata``
  (``modelRatio``, ``completionRatio``, ``cacheRatio``), legacy type codes (t2t, t2i, ...),
  ``metadata.modalities`` for the input modalities, ``descriptionEn`` in English. Prices: input =
  2 x modelRatio (ratio 1 = $2 per 1M), output = input x completionRatio, cache_read = input x
  cacheRatio. ``cacheRatio`` 1 is the one-api default "no cache price": of the models with ratio 1
  that the 2025-11 API still lists, 213 carry no ``cache_read`` at all, so ratio 1 maps to no
  ``cache_read`` (ratio 0 does map to a cache_read of 0, as 2025-11 confirms for 53 models).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"

VERSIONS: dict[str, str] = {
    "2025-10-03": "publicproviderconf_dist_aihubmix_2025-10-03_1f3772f2.json",
    "2025-11-11": "publicproviderconf_dist_aihubmix_2025-11-11_13ba31c9.json",
    "2026-07-02": "publicproviderconf_dist_aihubmix_2026-07-02_fe3fbc36.json",
}
#: When each version was generated (its ``updated_at``), for the history's snapshot times.
FETCHED_AT: dict[str, str] = {
    "2025-10-03": "2025-10-03T14:35:02.904Z",
    "2025-11-11": "2025-11-11T10:35:13.614Z",
    "2026-07-02": "2026-07-02T04:08:51.102Z",
}
_UNKNOWN_LIMIT_PLACEHOLDER = 8192


def load_dist(version: str) -> dict[str, Any]:
    """The dist file of one version, parsed."""
    return json.loads((DATA / VERSIONS[version]).read_text(encoding="utf-8"))


def _limit(value: Any) -> int:
    return 0 if value in (None, _UNKNOWN_LIMIT_PLACEHOLDER) else int(value)


def _joined(values: Any) -> str:
    return ",".join(values or [])


def _clean(number: float) -> float:
    """Drop binary noise of the ratio arithmetic (0.3 x 3 -> 0.9, not 0.8999999999999999)."""
    return round(number, 12)


def _legacy_record(model: dict[str, Any]) -> dict[str, Any]:
    meta = model["metadata"]
    input_price = _clean(2 * meta["modelRatio"])
    pricing: dict[str, Any] = {"input": input_price, "output": _clean(input_price * meta["completionRatio"])}
    if meta["cacheRatio"] != 1:
        pricing["cache_read"] = _clean(input_price * meta["cacheRatio"])
    return {
        "model_id": model["id"],
        "desc": meta.get("descriptionEn") or meta.get("description") or "",
        "types": _joined(meta.get("typeHints")),
        "features": _joined(meta.get("features")),
        "input_modalities": _joined(meta.get("modalities")),
        "context_length": _limit(model.get("context_length")),
        "max_output": _limit(model.get("max_output_tokens")),
        "pricing": pricing,
        "developer": meta.get("developer"),  # a field only this older endpoint sends
    }


def _api_record(model: dict[str, Any]) -> dict[str, Any]:
    meta = model["metadata"]
    limit = model.get("limit") or {}
    return {
        "model_id": model["id"],
        "desc": meta.get("description") or "",
        "types": _joined(meta.get("typeHints")),
        "features": _joined(meta.get("features")),
        "input_modalities": _joined(meta.get("inputModalities")),
        "context_length": _limit(limit.get("context", model.get("context_length"))),
        "max_output": _limit(limit.get("output", model.get("max_output_tokens"))),
        "pricing": dict(meta["pricing"]),
    }


def raw_records(version: str) -> list[dict[str, Any]]:
    """The version as raw ``/api/v1/models`` records, in file order."""
    models = load_dist(version)["models"]
    convert = _legacy_record if version == "2025-10-03" else _api_record
    return [convert(model) for model in models]


def envelope(version: str) -> dict[str, Any]:
    """The version as the API's JSON envelope."""
    return {"data": raw_records(version), "message": "", "success": True}


def provenance(version: str) -> dict[str, Any]:
    """Provenance for ``catalog_to_frame``: when the version was generated."""
    return {
        "source": "network",
        "url": "https://aihubmix.com/api/v1/models",
        "params": {},
        "etag": None,
        "fetched_at": FETCHED_AT[version],
    }
