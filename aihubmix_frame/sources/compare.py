"""The catalog beside another source (models.dev): differences per model and field, and filling gaps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..errors import PriceWarning, warn

__all__ = ["compare_sources", "enrich", "COMPARED_FIELDS", "ENRICHED_FIELDS", "STATUSES"]

#: Fields :func:`compare_sources` looks at by default.
COMPARED_FIELDS: tuple[str, ...] = (
    *schema.PRICE_COLUMNS,
    "context_length",
    "max_output",
    "reasoning",
    "tool_call",
    "open_weights",
    "release_date",
    "knowledge",
)
#: Fields :func:`enrich` fills by default (only where the catalog has nothing).
ENRICHED_FIELDS: tuple[str, ...] = (
    "price_tiers",
    "cache_read_usd_per_1m",
    "cache_write_usd_per_1m",
    "context_length",
    "max_output",
    "input_modalities",
    "output_modalities",
    "reasoning",
    "tool_call",
    "open_weights",
    "interleaved",
    "reasoning_options",
    "release_date",
    "last_updated",
    "knowledge",
)
#: ``status`` of a compared value.
STATUSES: tuple[str, ...] = ("same", "differs", "catalog_missing", "other_missing", "both_missing")

#: List columns whose empty list means "not stated", and the flag columns derived from them.
_DERIVED: dict[str, tuple[str, tuple[str, ...]]] = {
    "input_modalities": ("accepts_", schema.MODALITIES),
    "output_modalities": ("produces_", schema.OUTPUT_MODALITIES),
}


def _source_name(other: pd.DataFrame) -> str:
    provenance = other.attrs.get(schema.ATTRS_KEY) or {}
    return str(provenance.get("source") or "other")


def _missing(series: pd.Series) -> np.ndarray:
    """Missing cells; an empty list counts as missing (the API sends "" when it does not know)."""
    if isinstance(series.dtype, pd.ArrowDtype) and "list" in str(series.dtype.pyarrow_dtype):
        return series.list.len().to_numpy(dtype=int, na_value=0) == 0
    return series.isna().to_numpy(dtype=bool)


def _aligned(frame: pd.DataFrame, other: pd.DataFrame, field: str) -> pd.Series:
    """``other[field]`` in the rows of ``frame`` by exact model id (first row of a repeated id); NA elsewhere."""
    first = other.drop_duplicates("model_id").set_index("model_id")[field]
    return first.reindex(frame["model_id"].to_numpy()).set_axis(frame.index)


def _fields(frame: pd.DataFrame, other: pd.DataFrame, fields: Iterable[str] | str) -> list[str]:
    chosen = [fields] if isinstance(fields, str) else list(fields)
    schema.require_columns(frame, ("model_id", *chosen), needed_for="comparing sources")
    schema.require_columns(other, ("model_id",), needed_for="the other source")
    return [f for f in chosen if f in other.columns]


def compare_sources(
    frame: pd.DataFrame, other: pd.DataFrame, *, fields: Iterable[str] | str = COMPARED_FIELDS
) -> pd.DataFrame:
    """Both values of each field for the models in both frames (exact ids), and how they differ.

    One row per shared model and field, in ``frame`` order: ``model_id``, ``field``, ``value``
    (the catalog's), ``other_value``, ``rel_diff`` ((other - value) / value for numbers; NA when
    not numeric or value is 0) and ``status`` (``same``, ``differs``, ``catalog_missing``,
    ``other_missing``, ``both_missing``). Fields ``other`` lacks are skipped.

    >>> import aihubmix_frame as ahf
    >>> from aihubmix_frame.sources.modelsdev import load_modelsdev
    >>> diff = compare_sources(ahf.load_snapshot(), load_modelsdev(), fields="input_usd_per_1m")
    >>> row = diff[diff["model_id"] == "xiaomi-mimo-v2.5"].iloc[0]
    >>> row["value"], row["other_value"], round(float(row["rel_diff"]), 3), row["status"]
    (0.155, 0.44, 1.839, 'differs')
    """
    wanted = _fields(frame, other, fields)
    shared = frame[frame["model_id"].isin(other["model_id"]).to_numpy(dtype=bool)]
    parts = []
    for field in wanted:
        ours, theirs = shared[field], _aligned(shared, other, field)
        ours_missing, theirs_missing = _missing(ours), _missing(theirs)
        ours_cells, theirs_cells = ours.astype(object).to_numpy(), theirs.astype(object).to_numpy()
        equal = np.array([_same(a, b) for a, b in zip(ours_cells, theirs_cells)], dtype=bool)
        status = np.select(
            [ours_missing & theirs_missing, ours_missing, theirs_missing, equal],
            ["both_missing", "catalog_missing", "other_missing", "same"],
            "differs",
        )
        numeric = pd.api.types.is_numeric_dtype(ours.dtype) and not pd.api.types.is_bool_dtype(ours.dtype)
        if numeric:
            a = ours.to_numpy(dtype=float, na_value=np.nan)
            b = theirs.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.where(a != 0, (b - a) / a, np.nan)
        else:
            rel = np.full(len(shared), np.nan)
        parts.append(
            pd.DataFrame(
                {
                    "model_id": shared["model_id"].to_numpy(),
                    "field": field,
                    "value": [_plain(v) for v in ours_cells],
                    "other_value": [_plain(v) for v in theirs_cells],
                    "rel_diff": rel,
                    "status": status,
                    "_order": np.arange(len(shared)),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                "model_id": pd.array([], dtype="string"),
                "field": pd.array([], dtype="string"),
                "value": [],
                "other_value": [],
                "rel_diff": pd.array([], dtype="Float64"),
                "status": pd.array([], dtype="string"),
            }
        )
    long = pd.concat(parts, ignore_index=True).sort_values(["_order"], kind="stable").drop(columns="_order")
    long = long.reset_index(drop=True)
    for column in ("model_id", "field", "status"):
        long[column] = long[column].astype("string")
    long["value"] = long["value"].astype(object)
    long["other_value"] = long["other_value"].astype(object)
    long["rel_diff"] = pd.array(long["rel_diff"].to_numpy(), dtype="Float64")
    return long


def _plain(value: Any) -> Any:
    """A cell as a plain Python value (numpy scalars unwrapped, NA kept)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return pd.NA
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _same(a: Any, b: Any) -> bool:
    try:
        result = a == b
        if isinstance(result, np.ndarray):
            return bool(result.all()) and np.shape(a) == np.shape(b)
        return bool(result) if result is not pd.NA else False
    except (TypeError, ValueError):
        return False


def _base_prices_agree(frame: pd.DataFrame, other: pd.DataFrame) -> tuple[np.ndarray, dict[int, dict[str, Any]]]:
    """Per row of ``frame``: True where every base price both sources state is the same (and
    ``other`` lists the model); the rows that differ, as ``{row: {model_id, field: [ours, theirs]}}``."""
    agree = frame["model_id"].isin(other["model_id"]).to_numpy(dtype=bool).copy()
    differing: dict[int, dict[str, Any]] = {}
    for column in schema.PRICE_COLUMNS:
        if column not in other.columns:
            continue
        ours = frame[column].to_numpy(dtype=float, na_value=np.nan)
        theirs = _aligned(frame, other, column).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        stated = ~np.isnan(ours) & ~np.isnan(theirs)
        same = np.isclose(ours, theirs, rtol=1e-9, atol=0)
        for row in np.flatnonzero(agree & stated & ~same):
            entry = differing.setdefault(int(row), {"model_id": str(frame["model_id"].iloc[row])})
            entry[column] = [float(ours[row]), float(theirs[row])]
        agree &= ~stated | same
    return agree, differing


def enrich(frame: pd.DataFrame, other: pd.DataFrame, *, fields: Iterable[str] | str = ENRICHED_FIELDS) -> pd.DataFrame:
    """Fill what the catalog lacks from ``other``, never changing a value the catalog has.

    For each field, a row whose value is missing (NA, or an empty list for modalities) takes the
    value ``other`` has for the same exact model id. Every enriched field gets a ``<field>_source``
    string column: ``catalog`` where the catalog had the value, ``other``'s source name (e.g.
    ``models.dev``) where it was filled, NA where neither had one. ``accepts_*`` / ``produces_*``
    follow filled modalities. Filled ``price_tiers`` are used by the cost code like served ones.

    Context tiers are copied only onto models whose base prices agree in both sources (every base
    price both state): a tier is a price *relative* to a base, and another base would make a long
    prompt cost what neither source charges. The others are left without tiers, named in a
    :class:`~aihubmix_frame.errors.PriceWarning` and in ``attrs["aihubmix"]["enriched"]["withheld"]``
    (``compare_sources(frame, other)`` shows their differing prices).
    ``attrs["aihubmix"]["enriched"]`` records the source and how many values each field got.
    Returns a new frame; ``frame`` is not changed.

    >>> import aihubmix_frame as ahf
    >>> from aihubmix_frame.sources.modelsdev import load_modelsdev
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     rich = enrich(ahf.load_snapshot(), load_modelsdev(), fields=["price_tiers"])
    >>> "were not copied onto 11 model(s) whose base prices differ" in str(caught[0].message)
    True
    >>> opus = rich[rich["model_id"] == "claude-opus-4-6-think"].iloc[0]
    >>> opus["price_tiers"][0]["tier"]["size"], opus["price_tiers_source"]
    (200000, 'models.dev')
    >>> rich.attrs["aihubmix"]["enriched"]["fields"], len(rich.attrs["aihubmix"]["enriched"]["withheld"]["price_tiers"])
    ({'price_tiers': 13}, 11)
    """
    wanted = _fields(frame, other, fields)
    name = _source_name(other)
    result = frame.copy()
    filled_counts: dict[str, int] = {}
    withheld: dict[str, list[dict[str, Any]]] = {}
    for field in wanted:
        ours = result[field]
        theirs = _aligned(result, other, field)
        missing = _missing(ours)
        fill = missing & ~_missing(theirs)
        if field == "price_tiers" and fill.any():
            agree, differing = _base_prices_agree(result, other)
            withheld[field] = [differing[int(row)] for row in np.flatnonzero(fill & ~agree)]
            fill &= agree
        if fill.any():
            if isinstance(ours.dtype, pd.ArrowDtype) or ours.dtype == object:
                cells = ours.astype(object).tolist()
                for row in np.flatnonzero(fill):
                    cells[row] = theirs.iloc[row]
                result[field] = pd.Series(pd.array(cells, dtype=ours.dtype), index=result.index)  # type: ignore[arg-type]
            else:
                result[field] = ours.where(~fill, theirs.astype(ours.dtype))
        if field in _DERIVED:
            prefix, vocabulary = _DERIVED[field]
            lists = result[field].tolist()
            for token in vocabulary:
                if f"{prefix}{token}" in result.columns:
                    result[f"{prefix}{token}"] = np.array([token in cell for cell in lists], dtype=bool)
        source = np.where(fill, name, np.where(missing, None, "catalog"))  # type: ignore[call-overload]
        result[f"{field}_source"] = pd.array(source, dtype="string")
        filled_counts[field] = int(fill.sum())
    provenance = dict(result.attrs.get(schema.ATTRS_KEY) or {})
    if any(withheld.values()):
        names = [entry["model_id"] for entry in withheld["price_tiers"]]
        shown = ", ".join(map(repr, names[:8])) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        warn(
            f"{name}'s context tiers were not copied onto {len(names)} model(s) whose base prices differ "
            f"from the catalog's: {shown}; their long prompts are billed at the catalog's base prices. "
            f"See attrs['aihubmix']['enriched']['withheld'] and compare_sources(frame, other)",
            PriceWarning,
        )
    provenance["enriched"] = {
        "source": name,
        "fields": filled_counts,
        "withheld": withheld,
        "other": {k: v for k, v in (other.attrs.get(schema.ATTRS_KEY) or {}).items() if k in ("source", "url", "file")},
    }
    result.attrs[schema.ATTRS_KEY] = provenance
    return result
