"""models.dev's hand-curated AIHubMix provider data as a frame with the catalog's column names."""

from __future__ import annotations

import json
import os
from importlib import resources
from typing import Any

import pandas as pd

from .. import schema
from ..errors import SchemaError

__all__ = ["load_modelsdev", "modelsdev_records", "BUNDLED_FILE", "COLUMNS"]

#: The bundled copy (MIT, see ``aihubmix_frame/data/NOTICE.md``): models.dev at commit f3fc692, 2026-07-02.
BUNDLED_FILE = "modelsdev_aihubmix_2026-07-02.json"

#: Fields models.dev states under the catalog's own names, copied as they are.
_AS_STATED: tuple[str, ...] = (
    "reasoning",
    "tool_call",
    "open_weights",
    "interleaved",
    "reasoning_options",
    "release_date",
    "last_updated",
    "knowledge",
    "family",
)

#: Columns of :func:`load_modelsdev`, all with the catalog's names, dtypes and units.
COLUMNS: tuple[str, ...] = (
    "model_id",
    "model_name",
    *schema.PRICE_COLUMNS,
    "input_audio_usd_per_1m",
    "price_tiers",
    "context_length",
    "max_input",
    "max_output",
    "input_modalities",
    "output_modalities",
    *_AS_STATED,
)


def _tiers(cost: dict[str, Any]) -> list[dict[str, Any]] | None:
    tiers = cost.get("tiers")
    if not isinstance(tiers, list):
        return tiers
    # models.dev writes {tier: {size}}: the API's shape adds type "context" (the only kind there is).
    return [{**t, "tier": {"type": "context", **t["tier"]}} if isinstance(t.get("tier"), dict) else t for t in tiers]


def modelsdev_records(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """models.dev's ``{"models": {id: {...}}}`` as records shaped like the AIHubMix API's.

    ``cost`` becomes ``pricing`` (tiers get ``type: "context"``), ``cost.input_audio``
    ``input_audio_usd_per_1m``; ``limit.context`` / ``limit.input`` / ``limit.output`` become
    ``context_length`` / ``max_input`` (the longest prompt, where it is below the context: GPT-5.x)
    / ``max_output``; ``modalities.input/output`` the comma lists, ``name`` becomes ``model_name``;
    the other fields keep their names.
    """
    models = payload.get("models") if isinstance(payload, dict) else None
    if not isinstance(models, dict):
        raise SchemaError(
            "a models.dev payload is an object with a 'models' object keyed by model id; "
            "pass the JSON of providers/aihubmix converted from TOML, or nothing for the bundled copy"
        )
    records = []
    for model_id, entry in models.items():
        cost, limit, modalities = (entry.get(k) or {} for k in ("cost", "limit", "modalities"))
        record = {
            "model_id": model_id,
            "model_name": entry.get("name"),
            "pricing": {**{k: v for k, v in cost.items() if k != "tiers"}, "tiers": _tiers(cost)},
            "context_length": limit.get("context"),
            "max_input": limit.get("input"),
            "max_output": limit.get("output"),
            "input_audio_usd_per_1m": cost.get("input_audio"),
            "input_modalities": modalities.get("input") or [],
            "output_modalities": modalities.get("output") or [],
        }
        for key in _AS_STATED:
            record[key] = entry.get(key)
        records.append(record)
    return records


def _typed(column: pd.Series, dtype: str, where: str) -> pd.Series:
    """A kept models.dev field in its dtype; ``SchemaError`` naming the field when it is not a number."""
    values = column.astype(object).where(column.notna(), None)
    try:
        return pd.Series(pd.array(values.tolist(), dtype=dtype), index=column.index, name=column.name)  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        raise SchemaError(f"models.dev {column.name!r} in {where} is not a number ({exc}); fix the payload") from None


def load_modelsdev(path_or_payload: str | os.PathLike[str] | dict[str, Any] | None = None) -> pd.DataFrame:
    """models.dev's AIHubMix models: one row per model id, with the catalog's column names and units.

    ``None`` reads the bundled 2026-07-02 copy (no network); a path reads that JSON file; a dict
    is the parsed payload. Prices are USD per 1M tokens; ``price_tiers`` has the catalog's shape, so
    :func:`aihubmix_frame.sources.compare.enrich` can hand them to the cost code. Two columns the
    catalog has no field for are kept: ``max_input`` (Int64, models.dev's ``limit.input``: the
    longest prompt in tokens, where it is below the context) and ``input_audio_usd_per_1m``
    (Float64, ``cost.input_audio``; a tier's audio price stays in its ``price_tiers`` entry).

    >>> md = load_modelsdev()
    >>> len(md), md.attrs["aihubmix"]["source"]
    (53, 'models.dev')
    >>> row = md[md["model_id"] == "claude-opus-4-6-think"].iloc[0]
    >>> float(row["input_usd_per_1m"]), row["price_tiers"][0]["tier"], float(row["price_tiers"][0]["input"])
    (5.0, {'type': 'context', 'size': 200000}, 10.0)
    >>> kept = md.set_index("model_id").loc[["gpt-5.4", "gemini-2.5-flash"], ["max_input", "input_audio_usd_per_1m"]]
    >>> kept.astype(object).where(kept.notna(), None).values.tolist()
    [[922000, None], [None, 1.0]]
    """
    from ..frame import catalog_to_frame

    if path_or_payload is None:
        text = resources.files("aihubmix_frame").joinpath("data", BUNDLED_FILE).read_text(encoding="utf-8")
        payload, where = json.loads(text), f"bundled {BUNDLED_FILE}"
    elif isinstance(path_or_payload, dict):
        payload, where = path_or_payload, "payload"
    else:
        with open(path_or_payload, encoding="utf-8") as handle:
            payload = json.load(handle)
        where = os.fspath(path_or_payload)
    frame = catalog_to_frame(
        modelsdev_records(payload),
        provenance={
            "source": "models.dev",
            "url": "https://models.dev",
            "file": where,
            "note": str(payload.get("_source", ""))[:300],
        },
    )
    result = frame[list(COLUMNS)].copy()
    result["family"] = result["family"].astype("string")
    result["max_input"] = _typed(result["max_input"], "Int64", where)
    result["input_audio_usd_per_1m"] = _typed(result["input_audio_usd_per_1m"], "Float64", where)
    result.attrs = frame.attrs
    return result
