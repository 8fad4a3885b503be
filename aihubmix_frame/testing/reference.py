"""The reference query semantics: plain-Python filter and sort of raw catalog records.

Independent of the vectorised frame code in ``filters.py`` (never imported here), so that parity
tests compare two implementations. It shares only the constant tables of ``schema.py`` and the
text of ``filters.CODING_PATTERN``.
"""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import math
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

from .. import schema

__all__ = ["INVALID_PARAMETER_MESSAGE", "InvalidParameter", "legacy_record", "query_records"]

INVALID_PARAMETER_MESSAGE = "Invalid request parameter format"
SORT_KEYS = ("model_ratio", "context_length", "coding", "order")
SORT_ORDERS = ("asc", "desc")
#: The text of ``filters.CODING_PATTERN`` (copied, not imported: the server is independent code).
CODING_PATTERN = re.compile(r"(?<![a-z])cod(?:e|er|ex|ing|estral)(?![a-z])", re.IGNORECASE)
#: ``created`` of legacy records without a ``release_date`` (the docs example's timestamp).
LEGACY_CREATED = 1626777600

_SEPARATORS = re.compile(r"[,\uff0c]")


class InvalidParameter(ValueError):
    """A query parameter value the server rejects with 400."""


def _split(value: Any, aliases: Mapping[str, str]) -> list[str]:
    """Tokens of a raw comma string (or list of strings): split, strip, lower, alias, dedupe."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        value = ",".join(item for item in value if isinstance(item, str))
    if not isinstance(value, str):
        return []
    tokens: list[str] = []
    for part in _SEPARATORS.split(value):
        token = part.strip().lower()
        if token:
            token = aliases.get(token, token)
            if token not in tokens:
                tokens.append(token)
    return tokens


def _price(record: Mapping[str, Any]) -> float | None:
    pricing = record.get("pricing")
    value = pricing.get("input") if isinstance(pricing, Mapping) else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _context(record: Mapping[str, Any]) -> int | None:
    value = record.get("context_length")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if value.strip() else 0
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return int(value) or None


def _is_coding(record: Mapping[str, Any]) -> bool:
    model_id = record.get("model_id") if isinstance(record.get("model_id"), str) else ""
    name = record.get("model_name") if isinstance(record.get("model_name"), str) else ""
    return bool(CODING_PATTERN.search(f"{model_id} {name}"))


def _vocabulary(
    records: list[Mapping[str, Any]], field_name: str, aliases: Mapping[str, str], documented: Iterable[str]
) -> set[str]:
    valid = set(documented)
    for record in records:
        valid.update(_split(record.get(field_name), aliases))
    return valid


def _requested(query: Mapping[str, str], name: str, aliases: Mapping[str, str], valid: set[str]) -> list[str]:
    tokens = _split(query.get(name), aliases)
    if any(token not in valid for token in tokens):
        raise InvalidParameter(f"unknown {name}: {tokens}")
    return tokens


def query_records(records: list[Mapping[str, Any]], query: Mapping[str, str]) -> list[Mapping[str, Any]]:
    """Filter and sort raw records by the query parameters of ``GET /api/v1/models``.

    ``type`` matches a model with any of the listed types (legacy codes accepted); every listed
    modality and feature is required; ``model`` is a case-insensitive substring of ``model_id``;
    all conditions AND. Unknown values and unknown ``sort_by`` / ``sort_order`` raise
    :class:`InvalidParameter` (the server's 400).

    >>> records = [{"model_id": "a", "types": "t2t", "context_length": 0},
    ...            {"model_id": "b-coder", "types": "llm", "context_length": 8000},
    ...            {"model_id": "c", "types": "video", "context_length": 32000}]
    >>> [r["model_id"] for r in query_records(records, {"type": "llm", "sort_by": "context_length",
    ...                                                  "sort_order": "desc"})]
    ['b-coder', 'a']
    >>> [r["model_id"] for r in query_records(records, {"sort_by": "coding"})]
    ['b-coder', 'a', 'c']
    """
    types = _requested(
        query,
        "type",
        schema.TYPE_ALIASES,
        _vocabulary(records, "types", schema.TYPE_ALIASES, (*schema.DOCUMENTED_TYPES, *schema.OBSERVED_TYPES)),
    )
    modalities = _requested(
        query,
        "modalities",
        schema.MODALITY_ALIASES,
        _vocabulary(records, "input_modalities", schema.MODALITY_ALIASES, schema.MODALITIES),
    )
    features = _requested(
        query,
        "features",
        schema.FEATURE_ALIASES,
        _vocabulary(records, "features", schema.FEATURE_ALIASES, schema.FEATURES),
    )
    model = (query.get("model") or "").strip()
    sort_by = (query.get("sort_by") or "").strip().lower()
    sort_order = (query.get("sort_order") or "asc").strip().lower() or "asc"
    if sort_by and sort_by not in SORT_KEYS:
        raise InvalidParameter(f"unknown sort_by {sort_by!r}")
    if sort_order not in SORT_ORDERS:
        raise InvalidParameter(f"unknown sort_order {sort_order!r}")

    needle = model.lower() if model else None
    selected = []
    for record in records:
        if types and not set(types) & set(_split(record.get("types"), schema.TYPE_ALIASES)):
            continue
        if modalities and not set(modalities) <= set(_split(record.get("input_modalities"), schema.MODALITY_ALIASES)):
            continue
        if features and not set(features) <= set(_split(record.get("features"), schema.FEATURE_ALIASES)):
            continue
        if needle is not None:
            model_id = record.get("model_id")
            if not isinstance(model_id, str) or needle not in model_id.lower():
                continue
        selected.append(record)

    descending = sort_order == "desc"
    if sort_by == "order":
        return selected[::-1] if descending else selected
    if sort_by == "coding":
        # Coding models first, each group in catalog order; sort_order does not apply.
        return [r for r in selected if _is_coding(r)] + [r for r in selected if not _is_coding(r)]
    if sort_by in ("model_ratio", "context_length"):
        key = _price if sort_by == "model_ratio" else _context
        keyed = [(key(r), r) for r in selected]
        present = [pair for pair in keyed if pair[0] is not None]
        missing = [r for value, r in keyed if value is None]
        # sorted() is stable for reverse=True too: ties keep catalog order; missing values last.
        ordered = sorted(present, key=lambda pair: pair[0], reverse=descending)  # type: ignore[arg-type,return-value]
        return [r for _, r in ordered] + missing
    return selected


def legacy_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """One catalog record in the OpenAI ``/v1/models`` list format."""
    model_id = str(record.get("model_id"))
    created = LEGACY_CREATED
    release = record.get("release_date")
    if isinstance(release, str):
        with contextlib.suppress(ValueError):
            created = calendar.timegm(time.strptime(release[:10], "%Y-%m-%d"))
    owner = record.get("vendor") or record.get("owned_by") or "aihubmix"
    digest = hashlib.sha256(model_id.encode("utf-8")).hexdigest()[:24]
    return {
        "id": model_id,
        "object": "model",
        "created": created,
        "owned_by": str(owner),
        "permission": [
            {
                "id": f"modelperm-{digest}",
                "object": "model_permission",
                "created": created,
                "allow_create_engine": True,
                "allow_sampling": True,
                "allow_logprobs": True,
                "allow_search_indices": False,
                "allow_view": True,
                "allow_fine_tuning": False,
                "organization": "*",
                "group": None,
                "is_blocking": False,
            }
        ],
        "root": model_id,
        "parent": None,
    }
