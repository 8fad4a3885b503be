"""Prices as of each request: dated catalog versions, stacked into one price table, and the as-of join of rows to them.

Every version's models become rows of one :class:`~aihubmix_frame.pricing.table.PriceTable`
(version after version), so that the kernel of :func:`~aihubmix_frame.estimate_cost` prices a log
against all of them in one pass. A log row is joined to the newest version at or before its
timestamp (``searchsorted`` on the sorted version times), and its model id to that version's row
through one grid ``(version, id in the union of all ids) -> table row``. Rows before the first
version find no row and cost NA.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..values import utc_timestamp
from .id_lookup import LoggedIds
from .kernel import arrow_ids
from .model_ids import IdResolver
from .table import PriceTable, is_catalog_frame, price_table
from .workload import row_labels

__all__ = ["AsOfTable", "catalog_versions", "asof_table", "asof_source", "utc_nanoseconds"]

SNAPSHOT_AT = "snapshot_at"
_NS_PER = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def _utc(value: Any, what: str) -> pd.Timestamp:
    return utc_timestamp(value, what=what, hint="every catalog version needs the time it took effect")


def _frame_time(frame: pd.DataFrame, position: int) -> pd.Timestamp:
    if SNAPSHOT_AT in frame.columns and len(frame) and (frame[SNAPSHOT_AT] == frame[SNAPSHOT_AT].iloc[0]).all():
        return _utc(frame[SNAPSHOT_AT].iloc[0], f"version {position}'s {SNAPSHOT_AT}")
    fetched = (frame.attrs.get("aihubmix") or {}).get("fetched_at") if isinstance(frame.attrs, dict) else None
    if fetched is None:
        raise ValueError(
            f"catalog version {position} carries no date (no attrs['aihubmix']['fetched_at'], no single "
            f"{SNAPSHOT_AT}); pass the versions as {{when: catalog}} or [(when, catalog), ...]"
        )
    return _utc(fetched, f"version {position}'s fetched_at")


def catalog_versions(history: Any) -> list[tuple[pd.Timestamp, pd.DataFrame]]:
    """The dated catalogs of ``history``, oldest first.

    ``history`` is a :class:`~aihubmix_frame.CatalogHistory` (each snapshot time, as ``asof`` gives
    it), a mapping ``{when: catalog}``, a list of ``(when, catalog)`` pairs, a list of catalogs
    dated by ``attrs["aihubmix"]["fetched_at"]``, or one stacked frame with a ``snapshot_at``
    column (``CatalogHistory.load()``).
    """
    if hasattr(history, "asof") and hasattr(history, "snapshots"):
        times = sorted(set(history.snapshots[SNAPSHOT_AT].tolist()))
        versions = [(_utc(t, "snapshot time"), history.asof(t)) for t in times]
    elif isinstance(history, pd.DataFrame):
        if SNAPSHOT_AT not in history.columns:
            raise TypeError(
                f"at= needs several dated catalogs; this frame has no {SNAPSHOT_AT!r} column. Pass a "
                "CatalogHistory, {when: catalog}, [(when, catalog), ...] or CatalogHistory.load()"
            )
        versions = [
            (_utc(t, SNAPSHOT_AT), part.drop(columns=[SNAPSHOT_AT]))
            for t, part in history.groupby(SNAPSHOT_AT, sort=True)
        ]
    elif isinstance(history, Mapping):
        versions = [(_utc(t, "version time"), frame) for t, frame in history.items()]
    elif isinstance(history, (list, tuple)):
        versions = []
        for position, item in enumerate(history):
            if isinstance(item, tuple) and len(item) == 2:
                versions.append((_utc(item[0], f"version {position}'s time"), item[1]))
            else:
                versions.append((_frame_time(item, position), item))
    else:
        raise TypeError(f"at= needs a CatalogHistory or dated catalogs, got {type(history).__name__}")
    if not versions:
        raise ValueError("the catalog history is empty: record at least one catalog (CatalogHistory.record)")
    for when, frame in versions:
        if not is_catalog_frame(frame):
            raise TypeError(f"the version of {when.isoformat()} is not a catalog frame; load it with load_catalog()")
    versions.sort(key=lambda pair: pair[0])
    times = [when for when, _ in versions]
    if len(set(times)) != len(times):
        raise ValueError(
            f"two catalog versions share a time ({sorted(t for t in times if times.count(t) > 1)[0]}); "
            "each version needs its own time"
        )
    return versions


@dataclass(frozen=True)
class AsOfTable:
    """All versions' prices in one table, and the grid that finds a (version, model id) row in it."""

    table: PriceTable
    times: np.ndarray  # int64 ns since the epoch, UTC, ascending
    labels: tuple[str, ...]  # ISO times of the versions
    union_ids: pa.Array
    grid: np.ndarray  # ((versions + 1) x (ids + 1)) -> table row; version 0: before the first

    @property
    def n_ids(self) -> int:
        return len(self.union_ids)


def asof_table(versions: list[tuple[pd.Timestamp, pd.DataFrame]], *, withhold: bool) -> AsOfTable:
    """Stack the versions into one :class:`PriceTable` (see the module docstring)."""
    frames = [frame.reset_index(drop=True) for _, frame in versions]
    table = price_table(
        pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0],
        needed_for="estimate_cost(history, log, at=...)",
    )
    if withhold:
        table = table.withhold_non_token()
    union: dict[str, int] = {}
    for frame in frames:
        for model_id in frame["model_id"].tolist():
            union.setdefault(str(model_id), len(union))
    missing = table.n_models
    grid = np.full((len(frames) + 1, len(union) + 1), missing, dtype=np.intp)
    offset = 0
    for version, frame in enumerate(frames, start=1):
        ids = [str(m) for m in frame["model_id"].tolist()]
        for position in range(len(ids) - 1, -1, -1):  # reversed: the first row of a duplicated id wins
            grid[version, union[ids[position]]] = offset + position
        offset += len(ids)
    times = np.array([when.tz_convert(None).as_unit("ns").value for when, _ in versions], dtype=np.int64)
    return AsOfTable(
        table=table,
        times=times,
        labels=tuple(when.isoformat() for when, _ in versions),
        union_ids=pa.array(list(union), type=pa.large_string()),
        grid=grid.ravel(),
    )


def utc_nanoseconds(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, str]:
    """A timestamp column as (int64 ticks since the epoch in UTC, their unit); naive times are UTC.

    Datetimes, ISO 8601 text, or numbers of seconds since the epoch (as ``read_usage(timestamp=)``
    reads them). No copy for a datetime or integer column: the version times are brought to its
    unit instead (rounded up, so that no row is priced by a version before it took effect).
    """
    if column not in frame.columns:
        raise ValueError(f"at={column!r}: the log has no such column; name its timestamp column with at=")
    series = frame[column]
    dtype = series.dtype
    if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return series.to_numpy(dtype=np.int64, copy=False), "s"  # epoch seconds, as read_usage(timestamp=) reads them
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        try:  # epoch seconds with a fraction, or nullable integers (NA is caught below)
            series = pd.to_datetime(series.astype("Float64"), unit="s", utc=True)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValueError(
                f"column {column!r} holds numbers that are not epoch seconds ({exc}); convert it with "
                f"pd.to_datetime(log[{column!r}], unit=..., utc=True)"
            ) from None
    elif not pd.api.types.is_datetime64_any_dtype(dtype):
        try:
            series = pd.to_datetime(series, utc=True, format="ISO8601")
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"column {column!r} does not hold timestamps ({exc}); convert it with "
                f"pd.to_datetime(log[{column!r}], utc=True)"
            ) from None
    index = pd.DatetimeIndex(series, copy=False)
    ticks = index.asi8  # UTC for tz-aware values, wall time (taken as UTC) for naive ones
    missing = ticks == np.iinfo(np.int64).min
    if missing.any():
        raise ValueError(
            f"column {column!r} is missing in rows {row_labels(frame.index, np.flatnonzero(missing))}; "
            "every request needs a time to be priced as of it: fill or drop those rows"
        )
    return ticks, index.unit


def asof_source(
    asof: AsOfTable, ids: pd.Series, stamps: np.ndarray, unit: str = "ns", *, resolver: IdResolver | None = None
) -> tuple[Callable[[int, int], np.ndarray], Callable, Callable[[], np.ndarray], LoggedIds | None]:
    """(rows(lo, hi), unknown_names(lo, hi, mask), counts(), logged ids): ``counts()[0]`` rows before
    the first version, then rows per version, gathered while the blocks are priced. With a
    ``resolver``, ids are resolved against the union of the versions' ids (:class:`LoggedIds`)."""
    times = -(-asof.times // _NS_PER[unit])  # versions in the log's unit, rounded up: no copy of the log
    logged = None
    if resolver is not None:
        logged = LoggedIds(ids, asof.union_ids, resolver, np.arange(asof.n_ids + 1, dtype=np.intp))
        codes_of, names_of = logged.keys, logged.unknown
    elif isinstance(ids.dtype, pd.CategoricalDtype):
        categories = arrow_ids(pd.Series(ids.dtype.categories), ids.name)
        category_codes = np.append(_union_codes(asof, categories), asof.n_ids)
        codes_all = ids.cat.codes.to_numpy()
        category_names = np.array([*categories.to_pylist(), None], dtype=object)

        def codes_of(lo: int, hi: int) -> np.ndarray:
            return category_codes[codes_all[lo:hi]]

        def names_of(lo: int, hi: int, mask: np.ndarray) -> set:
            return set(category_names[np.unique(codes_all[lo:hi][mask])].tolist())
    else:
        array = arrow_ids(ids, ids.name)

        def codes_of(lo: int, hi: int) -> np.ndarray:
            return _union_codes(asof, array.slice(lo, hi - lo))

        def names_of(lo: int, hi: int, mask: np.ndarray) -> set:
            return set(pc.unique(array.slice(lo, hi - lo).filter(pa.array(mask))).to_pylist())

    width = asof.n_ids + 1

    seen: list[np.ndarray] = []  # list.append is atomic: blocks on several threads may add to it

    def rows(lo: int, hi: int) -> np.ndarray:
        version = np.searchsorted(times, stamps[lo:hi], side="right")
        seen.append(np.bincount(version, minlength=len(times) + 1))
        version *= width
        version += codes_of(lo, hi)
        found = asof.grid[version]
        if logged is not None:
            logged.forget(lo, hi, found == asof.table.n_models)
        return found

    def unknown(lo: int, hi: int, mask: np.ndarray) -> set:
        return names_of(lo, hi, mask & (stamps[lo:hi] >= times[0]))

    def counts() -> np.ndarray:
        return np.sum(seen, axis=0) if seen else np.zeros(len(times) + 1, dtype=np.int64)

    return rows, unknown, counts, logged


def _union_codes(asof: AsOfTable, ids: pa.Array) -> np.ndarray:
    value_set = asof.union_ids if ids.type == asof.union_ids.type else asof.union_ids.cast(ids.type)
    found = pc.fill_null(pc.index_in(ids, value_set=value_set), asof.n_ids)
    return found.to_numpy(zero_copy_only=False).astype(np.intp, copy=False)
