"""A plain-Python reference of the catalog's filter and sort semantics over RAW records.

Written from the API documentation and DESIGN.md section 2-3 only: no pandas, no
``aihubmix_frame.filters``, no ``aihubmix_frame.schema`` (the alias tables are restated here from
the docs), so that the parity tests compare two independent implementations.

- ``type``: comma list or list; a model matches if ANY requested type is among its types;
  legacy codes map to new ones.
- ``modalities`` / ``features``: every requested value is required (ALL); feature synonyms map.
- ``model``: case-insensitive substring of ``model_id`` (surrounding whitespace ignored).
- numeric bounds: a missing (absent or 0) limit or price never meets a bound.
- sort: ``model_ratio`` = ``pricing.input``, ``context_length``; missing last; stable (descending
  keeps ties in order); ``coding`` puts coding models first and ignores the order; ``order`` is the
  catalog order, ``desc`` reverses it.
"""

from __future__ import annotations

import re
from typing import Any

# From the API docs ("Type Compatibility") and DESIGN.md 2.3 / 2.4.
LEGACY_TYPES = {"t2t": "llm", "t2i": "image_generation", "t2v": "video", "reranking": "rerank"}
FEATURE_SYNONYMS = {"tool": "tools", "tool_calling": "function_calling", "reasoning": "thinking"}
DOCUMENTED_TYPES = ["llm", "image_generation", "video", "tts", "stt", "embedding", "rerank"]
DOCUMENTED_FEATURES = [
    "thinking",
    "tools",
    "function_calling",
    "web",
    "deepsearch",
    "long_context",
    "structured_outputs",
]
DOCUMENTED_MODALITIES = ["text", "image", "audio", "video", "pdf"]
SORT_KEYS = ["model_ratio", "context_length", "coding", "order"]

#: A coding model has one of these words (a maximal run of ASCII letters) in its id or name.
CODING_WORDS = {"code", "coder", "codex", "coding", "codestral"}


def tokens(value: Any, synonyms: dict[str, str] | None = None) -> list[str]:
    """Split a comma string (ASCII or full-width comma) or a list into canonical tokens."""
    if value is None:
        return []
    pieces = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for piece in pieces:
        for part in piece.replace("\uff0c", ",").split(","):
            token = part.strip().lower()
            token = (synonyms or {}).get(token, token)
            if token and token not in out:
                out.append(token)
    return out


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        value = float(value)
    return float(value)


def limit(record: dict, field: str) -> float | None:
    """A token limit; 0 means unknown."""
    number = _number(record.get(field))
    return None if number is None or number == 0 else number


def price(record: dict, key: str) -> float | None:
    return _number((record.get("pricing") or {}).get(key))


def is_coding(record: dict) -> bool:
    text = f"{record.get('model_id') or ''} {record.get('model_name') or ''}"
    return any(word.lower() in CODING_WORDS for word in re.findall(r"[A-Za-z]+", text))


def matches(
    record: dict,
    *,
    type=None,
    modalities=None,
    features=None,
    model=None,
    min_context=None,
    min_output=None,
    max_input_price=None,
    max_output_price=None,
) -> bool:
    wanted_types = tokens(type, LEGACY_TYPES)
    if wanted_types:
        have = tokens(record.get("types"), LEGACY_TYPES)
        if not any(t in have for t in wanted_types):
            return False
    wanted = tokens(modalities)
    if wanted and not all(m in tokens(record.get("input_modalities")) for m in wanted):
        return False
    wanted = tokens(features, FEATURE_SYNONYMS)
    if wanted and not all(f in tokens(record.get("features"), FEATURE_SYNONYMS) for f in wanted):
        return False
    if model is not None and model.strip() and model.strip().lower() not in record["model_id"].lower():
        return False
    for value, bound, at_least in (
        (limit(record, "context_length"), min_context, True),
        (limit(record, "max_output"), min_output, True),
        (price(record, "input"), max_input_price, False),
        (price(record, "output"), max_output_price, False),
    ):
        if bound is None:
            continue
        if value is None or (value < bound if at_least else value > bound):
            return False
    return True


def sort_records(records: list[dict], by: str | None, order: str = "asc") -> list[dict]:
    """``records`` are in catalog order; returns a new list."""
    descending = order == "desc"
    if by is None:
        return list(records)
    if by == "order":
        return list(reversed(records)) if descending else list(records)
    if by == "coding":
        return [r for r in records if is_coding(r)] + [r for r in records if not is_coding(r)]
    if by == "model_ratio":
        key = lambda r: price(r, "input")  # noqa: E731
    elif by == "context_length":
        key = lambda r: limit(r, "context_length")  # noqa: E731
    else:
        raise ValueError(f"the reference knows only the server's sort keys, not {by!r}")
    present = [r for r in records if key(r) is not None]
    missing = [r for r in records if key(r) is None]
    # Python's sort is stable, with reverse=True too: equal keys keep their catalog order.
    return sorted(present, key=key, reverse=descending) + missing


def select(records: list[dict], *, sort_by: str | None = None, sort_order: str = "asc", **conditions) -> list[str]:
    """Model ids the server would return, in its order."""
    kept = [r for r in records if matches(r, **conditions)]
    return [r["model_id"] for r in sort_records(kept, sort_by, sort_order)]
