"""Catalog diffs: what was added, removed or changed between two catalog frames, or a subset of one."""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import schema

__all__ = [
    "diff_catalogs",
    "diff_counts",
    "apply_subset",
    "column_values",
    "row_keys",
    "DIFF_COLUMNS",
    "CHANGES",
]

#: Columns of the diff frame, in order.
DIFF_COLUMNS: tuple[str, ...] = ("model_id", "change", "field", "old", "new", "pct_change")
CHANGES: tuple[str, ...] = ("added", "removed", "changed")

#: Columns never compared: the flags are derived from ``features`` / ``input_modalities`` (a change
#: there is already reported once), and ``snapshot_at`` is when, not what.
#: Derived columns (flags from lists, the family root) change only when what they derive from does.
_NOT_COMPARED = frozenset(
    {
        *schema.HAS_COLUMNS,
        *schema.ACCEPTS_COLUMNS,
        *schema.PRODUCES_COLUMNS,
        "family_id",
        "model_id",
        "snapshot_at",
    }
)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def column_values(series: pd.Series) -> list[Any]:
    """Plain Python values of a column: lists for list cells, None for every kind of missing.

    >>> import aihubmix_frame as ahf
    >>> column_values(ahf.load_snapshot()["cache_write_usd_per_1m"].head(2))
    [None, 2.5]
    """
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype):
        values = pa.array(series.array).to_pylist() if len(series) else []
    else:
        values = series.tolist()
    out = []
    for value in values:
        if isinstance(value, np.ndarray):
            value = value.tolist()
        elif isinstance(value, np.generic):
            value = value.item()
        out.append(None if _is_missing(value) else value)
    return out


def row_keys(ids: Sequence[Any]) -> list[tuple[str, int]]:
    """(model_id, occurrence) per row: exact, case-sensitive ids; a repeated id is matched by position.

    >>> row_keys(["a", "b", "a"])
    [('a', 0), ('b', 0), ('a', 1)]
    """
    seen: Counter[str] = Counter()
    keys = []
    for model_id in ids:
        keys.append((model_id, seen[model_id]))
        seen[model_id] += 1
    return keys


def _check(frame: pd.DataFrame, side: str) -> list[Any]:
    schema.require_columns(frame, ("model_id",), needed_for=f"the {side} side of a catalog diff")
    ids = column_values(frame["model_id"])
    if any(i is None for i in ids):
        raise ValueError(f"the {side} catalog has rows without a model_id; drop them before diffing")
    return ids


def _same(before: Any, after: Any) -> bool:
    try:
        return bool(before == after)
    except (TypeError, ValueError):  # e.g. tz-aware vs naive timestamps: not the same value
        return False


def _pct(old: Any, new: Any) -> Any:
    if isinstance(old, (int, float)) and isinstance(new, (int, float)) and old:
        return (new - old) / old
    return pd.NA


def diff_catalogs(
    old: pd.DataFrame,
    new: pd.DataFrame,
    *,
    fields: Iterable[str] | None = None,
    old_complete: bool = True,
    new_complete: bool = True,
) -> pd.DataFrame:
    """One row per change between two catalog frames: ``added``, ``removed`` or ``changed``.

    Columns: ``model_id``, ``change``, ``field`` (NA for added and removed models), ``old``,
    ``new`` (plain values, lists for list columns, NA when missing) and ``pct_change`` — the
    relative price change for the four price columns (``0.25`` is +25 %; NA when either side is
    missing or the old price is 0). Models are matched by exact, case-sensitive ``model_id``.
    Rows come in new-catalog order (each model's fields in column order), then removed models in
    old-catalog order. A field that only one side has is compared with NA on the other side;
    missing on both sides is no change. The ``has_*`` / ``accepts_*`` flags are not compared (they
    follow ``features`` / ``input_modalities``); ``fields`` restricts the comparison.

    A subset (a filter or selection of a catalog) says nothing about the models it lacks:
    ``new_complete=False`` compares ``new`` only on the models it holds, so nothing is ``removed``
    and nothing ``added``; ``old_complete=False`` means ``old`` held only some models, so a model
    only in ``new`` is not reported as ``added`` (it may have been there all along).

    >>> import aihubmix_frame as ahf
    >>> old = ahf.catalog_to_frame([{"model_id": "a", "pricing": {"input": 1, "output": 2}},
    ...                             {"model_id": "b", "pricing": {"input": 1, "output": 1}}])
    >>> new = ahf.catalog_to_frame([{"model_id": "a", "features": "thinking", "pricing": {"input": 1.5, "output": 2}},
    ...                             {"model_id": "c", "pricing": {"input": 3, "output": 3}}])
    >>> ahf.diff_catalogs(old, new)[["model_id", "change", "field", "old", "new", "pct_change"]]
      model_id   change             field   old         new  pct_change
    0        a  changed          features    []  [thinking]        <NA>
    1        a  changed  input_usd_per_1m   1.0         1.5         0.5
    2        c    added              <NA>  <NA>        <NA>        <NA>
    3        b  removed              <NA>  <NA>        <NA>        <NA>
    >>> ahf.diff_catalogs(old, new, new_complete=False)[["model_id", "change", "field"]]
      model_id   change             field
    0        a  changed          features
    1        a  changed  input_usd_per_1m
    """
    old_ids, new_ids = _check(old, "old"), _check(new, "new")
    old_keys, new_keys = row_keys(old_ids), row_keys(new_ids)
    old_position = {key: i for i, key in enumerate(old_keys)}
    new_set = set(new_keys)

    if fields is None:
        compared = [c for c in dict.fromkeys([*new.columns, *old.columns]) if c not in _NOT_COMPARED]
    else:
        compared = [fields] if isinstance(fields, str) else list(fields)
        unknown = [f for f in compared if f not in new.columns and f not in old.columns]
        if unknown:
            raise ValueError(f"unknown fields {unknown}; both catalogs lack them")

    # Pairs of rows present on both sides, in new order.
    pairs = [(j, old_position[key]) for j, key in enumerate(new_keys) if key in old_position]
    new_rows = np.array([j for j, _ in pairs], dtype=np.intp)
    old_rows = np.array([i for _, i in pairs], dtype=np.intp)

    changed: dict[int, list[tuple[str, Any, Any, Any]]] = {}
    for field in compared:
        new_values = column_values(new[field].iloc[new_rows]) if field in new.columns else [None] * len(pairs)
        old_values = column_values(old[field].iloc[old_rows]) if field in old.columns else [None] * len(pairs)
        is_price = field in schema.PRICE_COLUMNS
        for (j, _), before, after in zip(pairs, old_values, new_values):
            if _same(before, after):
                continue
            pct = _pct(before, after) if is_price else pd.NA
            changed.setdefault(j, []).append((field, before, after, pct))

    rows: list[tuple[Any, ...]] = []
    report_added, report_removed = old_complete and new_complete, new_complete
    for j, key in enumerate(new_keys):
        if key not in old_position:
            if report_added:
                rows.append((key[0], "added", pd.NA, pd.NA, pd.NA, pd.NA))
        else:
            for field, before, after, pct in changed.get(j, ()):
                rows.append(
                    (
                        key[0],
                        "changed",
                        field,
                        pd.NA if before is None else before,
                        pd.NA if after is None else after,
                        pct,
                    )
                )
    for key in old_keys if report_removed else ():
        if key not in new_set:
            rows.append((key[0], "removed", pd.NA, pd.NA, pd.NA, pd.NA))

    columns = list(zip(*rows)) if rows else [()] * len(DIFF_COLUMNS)
    result = pd.DataFrame(
        {
            "model_id": pd.array(columns[0], dtype="string"),
            "change": pd.array(columns[1], dtype="string"),
            "field": pd.array(columns[2], dtype="string"),
            "old": _objects(columns[3]),
            "new": _objects(columns[4]),
            "pct_change": pd.array(columns[5], dtype="Float64"),
        }
    )
    result.attrs = {
        schema.ATTRS_KEY: {
            "diff": {
                "old": {**_summary(old), "complete": bool(old_complete)},
                "new": {**_summary(new), "complete": bool(new_complete)},
                **{change: int((result["change"] == change).sum()) for change in CHANGES},
            }
        }
    }
    return result


def _objects(values: Sequence[Any]) -> np.ndarray:
    cells = np.empty(len(values), dtype=object)
    cells[:] = list(values)
    return cells


def _summary(frame: pd.DataFrame) -> dict[str, Any]:
    provenance = frame.attrs.get(schema.ATTRS_KEY, {}) if isinstance(frame.attrs, dict) else {}
    return {
        "models": len(frame),
        "source": provenance.get("source"),
        "fetched_at": provenance.get("fetched_at"),
    }


def diff_counts(changes: pd.DataFrame) -> dict[str, int]:
    """How much a diff holds: models ``added``, ``removed`` and ``changed``, and ``field_changes`` rows.

    >>> import aihubmix_frame as ahf
    >>> old = ahf.catalog_to_frame([{"model_id": "a", "pricing": {"input": 1, "output": 2}}])
    >>> new = ahf.catalog_to_frame([{"model_id": "a", "pricing": {"input": 2, "output": 3}},
    ...                             {"model_id": "b", "pricing": {"input": 1, "output": 1}}])
    >>> diff_counts(ahf.diff_catalogs(old, new))
    {'added': 1, 'removed': 0, 'changed': 1, 'field_changes': 2}
    """
    schema.require_columns(changes, ("model_id", "change"), needed_for="diff_counts (a diff_catalogs frame)")
    kind = changes["change"]
    return {
        "added": int((kind == "added").sum()),
        "removed": int((kind == "removed").sum()),
        "changed": int(changes.loc[(kind == "changed").fillna(False).to_numpy(bool), "model_id"].nunique()),
        "field_changes": int((kind == "changed").sum()),
    }


def apply_subset(catalog: pd.DataFrame, subset: pd.DataFrame) -> pd.DataFrame:
    """``catalog`` with the rows of the models ``subset`` holds taken from ``subset``; a new frame.

    A subset says nothing about the models it lacks: they keep their rows. Models only in the
    subset are not added. Rows keep the catalog's order, index, columns and ``attrs``; a column the
    subset lacks keeps the catalog's values. Ids match exactly (a repeated id by position).

    >>> import aihubmix_frame as ahf
    >>> catalog = ahf.catalog_to_frame([{"model_id": "a", "pricing": {"input": 1, "output": 2}},
    ...                                 {"model_id": "b", "pricing": {"input": 1, "output": 1}}])
    >>> cut = ahf.catalog_to_frame([{"model_id": "b", "pricing": {"input": 0.5, "output": 1}},
    ...                             {"model_id": "new", "pricing": {"input": 9, "output": 9}}])
    >>> apply_subset(catalog, cut)[["model_id", "input_usd_per_1m"]]
      model_id  input_usd_per_1m
    0        a               1.0
    1        b               0.5
    """
    position = {key: i for i, key in enumerate(row_keys(_check(catalog, "catalog")))}
    pairs = [(position[key], j) for j, key in enumerate(row_keys(_check(subset, "subset"))) if key in position]
    if not pairs:
        return catalog.copy()
    rows = np.array([i for i, _ in pairs], dtype=np.intp)
    taken = np.array([j for _, j in pairs], dtype=np.intp)
    columns = {}
    for name in catalog.columns:
        source = subset[name].iloc[taken] if name in subset.columns else catalog[name].iloc[rows]
        columns[name] = source.reset_index(drop=True)
    replaced = pd.DataFrame(columns, columns=catalog.columns)
    replaced.index = catalog.index[rows]
    kept = np.ones(len(catalog), dtype=bool)
    kept[rows] = False
    combined = pd.concat([catalog.iloc[kept], replaced])
    order = np.argsort(np.concatenate([np.flatnonzero(kept), rows]), kind="stable")
    result = combined.iloc[order]
    for name in result.columns[result.dtypes == object]:
        # concat on pandas 2.2 turns the pd.NA of object cells (tiers, options) into float nan:
        # give them back the catalog's missing value.
        values = result[name].to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = pd.NA
        result[name] = pd.array(values, dtype=object)  # type: ignore[arg-type]  # pandas-stubs: no object arrays
    result.attrs = copy.deepcopy(catalog.attrs)
    return result
