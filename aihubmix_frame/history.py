"""A local price-history ledger: dated Parquet snapshots of the catalog in one folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import schema
from .diff import column_values, diff_catalogs
from .errors import HistoryWarning

__all__ = ["CatalogHistory", "record_fetch", "content_hash"]

#: Snapshot file names come only from the timestamp, a sequence number and the content hash, never
#: from model ids, so no id (``../x``, ``a/b:c``) can make a path outside the folder.
_FILE_NAME = re.compile(r"^catalog_(\d{8}T\d{12})Z_(\d{6})_([0-9a-f]{16})\.parquet$")
_TIME_FORMAT = "%Y%m%dT%H%M%S%f"
#: Query parameters that make a fetch a subset of the catalog.
_FILTER_PARAMS = ("type", "modalities", "features", "model")
SNAPSHOT_AT = "snapshot_at"
_SNAPSHOT_DTYPE = pd.DatetimeTZDtype("us", "UTC")


def _json_cell(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def content_hash(frame: pd.DataFrame) -> str:
    """SHA-256 of a catalog's content: columns, dtypes and values, not ``attrs`` and not row order.

    Two fetches of an unchanged catalog hash the same even when the server sorted them differently.

    >>> import aihubmix_frame as ahf
    >>> df = ahf.load_snapshot()
    >>> content_hash(df) == content_hash(df.iloc[::-1]) == content_hash(ahf.load_snapshot())
    True
    >>> changed = df.copy(); changed.loc[0, "input_usd_per_1m"] = 99.0
    >>> content_hash(changed) == content_hash(df)
    False
    """
    names = sorted(frame.columns)
    digest = hashlib.sha256()
    digest.update(_json_cell([[name, str(frame[name].dtype)] for name in names]).encode())
    columns = [column_values(frame[name]) for name in names]
    rows = sorted(_json_cell(list(row)) for row in zip(*columns)) if names else []
    for row in rows:
        digest.update(b"\n")
        digest.update(row.encode())
    return digest.hexdigest()


def _utc(value: Any, *, what: str) -> pd.Timestamp:
    """A timestamp in UTC; naive values are taken as UTC."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ValueError(f"{what} {value!r} is not a timestamp; pass an ISO-8601 string or a datetime") from None
    if stamp is pd.NaT:
        raise ValueError(f"{what} is missing; pass an ISO-8601 string or a datetime")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _is_filtered(frame: pd.DataFrame) -> bool:
    provenance = frame.attrs.get(schema.ATTRS_KEY, {}) if isinstance(frame.attrs, dict) else {}
    params = provenance.get("params") or {}
    if any(params.get(key) not in (None, "", []) for key in _FILTER_PARAMS):
        return True
    # The accessor records a filter call with only the conditions that were set: {"op": "filter"}
    # alone kept every row.
    return any(isinstance(op, dict) and op.get("op") == "filter" and len(op) > 1
               for op in provenance.get("operations", []))


@dataclass(frozen=True)
class _Snapshot:
    path: Path
    at: pd.Timestamp
    sequence: int
    digest: str


class CatalogHistory:
    """A folder of dated Parquet snapshots of the catalog: record fetches, then ask what changed.

    ``record(df)`` stores a snapshot only when the catalog's content differs from the newest one;
    ``load()`` stacks them with a ``snapshot_at`` column; ``diff()``, ``price_history(model_id)``
    and ``asof(when)`` answer questions about the past. Snapshots are written atomically.

    >>> import aihubmix_frame as ahf, tempfile
    >>> history = ahf.CatalogHistory(tempfile.mkdtemp())
    >>> df = ahf.load_snapshot()
    >>> history.record(df) is not None, history.record(df)          # the second is unchanged
    (True, None)
    >>> cheaper = df.copy(); cheaper.loc[df["model_id"] == "gpt-4o", "input_usd_per_1m"] = 2.0
    >>> cheaper.attrs["aihubmix"]["fetched_at"] = "2026-07-09T00:00:00+00:00"
    >>> _ = history.record(cheaper)
    >>> history.price_history("gpt-4o")[["snapshot_at", "input_usd_per_1m"]]
                    snapshot_at  input_usd_per_1m
    0 2026-07-02 04:09:00+00:00               2.5
    1 2026-07-09 00:00:00+00:00               2.0
    """

    def __init__(self, folder: str | os.PathLike[str], *, create: bool = True):
        self.folder = Path(folder).expanduser()  # "~/aihubmix-history" means the home folder
        if self.folder.exists() and not self.folder.is_dir():
            raise NotADirectoryError(f"{str(self.folder)!r} is a file; pass a folder for the history")
        if not self.folder.exists():
            if not create:
                raise FileNotFoundError(f"no history folder {str(self.folder)!r}; record a catalog first")
            self.folder.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"CatalogHistory({str(self.folder)!r}, snapshots={len(self._snapshots())})"

    # --- files -------------------------------------------------------------------------------

    def _snapshots(self) -> list[_Snapshot]:
        found = []
        for entry in os.scandir(self.folder):
            match = _FILE_NAME.match(entry.name)
            if match and entry.is_file():
                at = pd.Timestamp(dt.datetime.strptime(match[1], _TIME_FORMAT), tz="UTC")
                found.append(_Snapshot(Path(entry.path), at, int(match[2]), match[3]))
        return sorted(found, key=lambda s: (s.at, s.sequence))

    @property
    def snapshots(self) -> pd.DataFrame:
        """One row per stored snapshot: ``snapshot_at``, ``path``, ``content_hash`` (its first 16 hex digits)."""
        found = self._snapshots()
        return pd.DataFrame({
            SNAPSHOT_AT: pd.array([s.at for s in found], dtype=_SNAPSHOT_DTYPE),
            "path": pd.array([str(s.path) for s in found], dtype="string"),
            "content_hash": pd.array([s.digest for s in found], dtype="string"),
        })

    def __len__(self) -> int:
        return len(self._snapshots())

    # --- writing -----------------------------------------------------------------------------

    def record(self, frame: pd.DataFrame, *, allow_filtered: bool = False) -> Path | None:
        """Store ``frame`` as a snapshot unless its content equals the newest one; returns the path or None.

        The snapshot time is the frame's provenance ``fetched_at`` (now, when it has none). A
        filtered catalog would read as hundreds of removals next to a full one, so it is refused
        unless ``allow_filtered=True``.
        """
        from .export import write_parquet

        if "model_id" not in frame.columns:
            raise TypeError("record a catalog frame (from load_catalog or load_snapshot); this one has no model_id")
        if _is_filtered(frame) and not allow_filtered:
            raise ValueError(
                "this catalog is filtered; record the full catalog (load_catalog() without filters) "
                "and filter afterwards, or pass allow_filtered=True to keep a ledger of this subset"
            )
        digest = content_hash(frame)[:16]
        existing = self._snapshots()
        if existing and existing[-1].digest == digest:
            return None
        provenance = frame.attrs.get(schema.ATTRS_KEY, {}) if isinstance(frame.attrs, dict) else {}
        fetched_at = provenance.get("fetched_at")
        at = _utc(fetched_at, what="fetched_at") if fetched_at else pd.Timestamp.now(tz="UTC")
        if any(s.at == at and s.digest == digest for s in existing):
            return None  # this very fetch is already recorded (e.g. served again from a stale cache)
        sequence = max((s.sequence for s in existing), default=-1) + 1
        name = f"catalog_{at.strftime(_TIME_FORMAT)}Z_{sequence:06d}_{digest}.parquet"
        assert _FILE_NAME.match(name), name  # the name is ours alone: no id ever reaches a path
        return write_parquet(frame, self.folder / name)

    # --- reading -----------------------------------------------------------------------------

    def _read(self, snapshot: _Snapshot, columns: list[str] | None = None) -> pd.DataFrame:
        from .export import read_parquet

        return read_parquet(snapshot.path, columns=columns)

    def load(self) -> pd.DataFrame:
        """Every snapshot stacked, oldest first, with a ``snapshot_at`` (UTC) first column.

        >>> import aihubmix_frame as ahf, tempfile
        >>> history = ahf.CatalogHistory(tempfile.mkdtemp())
        >>> _ = history.record(ahf.load_snapshot())
        >>> stacked = history.load()
        >>> len(stacked), str(stacked["snapshot_at"].dtype)
        (804, 'datetime64[us, UTC]')
        """
        from .frame import empty_catalog_frame

        parts = []
        for snapshot in self._snapshots():
            part = self._read(snapshot)
            part.insert(0, SNAPSHOT_AT, pd.array([snapshot.at] * len(part), dtype=_SNAPSHOT_DTYPE))
            part.attrs = {}
            parts.append(part)
        if not parts:
            empty = empty_catalog_frame()
            empty.insert(0, SNAPSHOT_AT, pd.array([], dtype=_SNAPSHOT_DTYPE))
            parts = [empty]
        stacked = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        stacked.attrs = {schema.ATTRS_KEY: {"source": "history", "folder": str(self.folder),
                                            "snapshots": len(self._snapshots())}}
        return stacked

    def asof(self, when: Any) -> pd.DataFrame:
        """The catalog as it was at ``when``: the newest snapshot taken at or before it.

        >>> import aihubmix_frame as ahf, tempfile
        >>> history = ahf.CatalogHistory(tempfile.mkdtemp())
        >>> _ = history.record(ahf.load_snapshot())
        >>> len(history.asof("2026-08-01"))
        804
        """
        at = _utc(when, what="asof")
        found = [s for s in self._snapshots() if s.at <= at]
        if not found:
            first = self._snapshots()
            hint = f"the first snapshot is from {first[0].at.isoformat()}" if first else "the history is empty"
            raise LookupError(f"no snapshot at or before {at.isoformat()}; {hint}")
        return self._read(found[-1])

    def diff(self, since: Any = None, *, net: bool = False) -> pd.DataFrame:
        """What changed after ``since`` (default: since the first snapshot), one row per change.

        Compares each snapshot with the one before it, starting from the catalog as it was at
        ``since``; the ``snapshot_at`` column says when a change was first seen. ``net=True`` gives
        one diff from the catalog at ``since`` to the newest snapshot instead.

        >>> import aihubmix_frame as ahf, tempfile
        >>> history = ahf.CatalogHistory(tempfile.mkdtemp())
        >>> df = ahf.load_snapshot()
        >>> _ = history.record(df)
        >>> later = df.iloc[1:].copy(); later.attrs["aihubmix"]["fetched_at"] = "2026-07-03T00:00:00Z"
        >>> _ = history.record(later)
        >>> history.diff()[["snapshot_at", "model_id", "change"]]
                        snapshot_at model_id   change
        0 2026-07-03 00:00:00+00:00     auto  removed
        """
        found = self._snapshots()
        if since is not None:
            at = _utc(since, what="since")
            before = [s for s in found if s.at <= at]
            after = [s for s in found if s.at > at]
            chain = ([before[-1]] if before else []) + after
        else:
            chain = found
        if net and len(chain) > 1:
            chain = [chain[0], chain[-1]]
        parts = []
        previous = self._read(chain[0]) if chain else None
        for snapshot in chain[1:]:
            current = self._read(snapshot)
            changes = diff_catalogs(previous, current)
            changes.insert(0, SNAPSHOT_AT, pd.array([snapshot.at] * len(changes), dtype=_SNAPSHOT_DTYPE))
            parts.append(changes)
            previous = current
        if not parts:
            empty = diff_catalogs(pd.DataFrame({"model_id": pd.array([], dtype="string")}),
                                  pd.DataFrame({"model_id": pd.array([], dtype="string")}))
            empty.insert(0, SNAPSHOT_AT, pd.array([], dtype=_SNAPSHOT_DTYPE))
            parts = [empty]
        result = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        result.attrs = {}
        return result

    def price_history(self, model_id: str) -> pd.DataFrame:
        """A tidy time series of one model's four prices (USD per 1M tokens), one row per snapshot.

        Only snapshots that list the model (exact, case-sensitive id) have a row.
        """
        if not isinstance(model_id, str):
            raise TypeError(f"model_id must be a string, got {model_id!r}")
        columns = ["model_id", *schema.PRICE_COLUMNS]
        times, parts = [], []
        known: set[str] = set()
        for snapshot in self._snapshots():
            part = self._read(snapshot, columns=columns)
            ids = part["model_id"]
            hits = part[(ids == model_id).fillna(False).to_numpy(dtype=bool)]
            if hits.empty:
                known.update(ids.dropna().tolist())
                continue
            times.extend([snapshot.at] * len(hits))
            parts.append(hits)
        if not parts:
            near = sorted(i for i in known if i.lower() == model_id.lower())
            hint = f"; ids are case-sensitive: did you mean {near}?" if near else "; check the id with load().model_id.unique()"
            raise LookupError(f"model {model_id!r} is in no snapshot of {str(self.folder)!r}{hint}")
        result = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        result.insert(0, SNAPSHOT_AT, pd.array(times, dtype=_SNAPSHOT_DTYPE))
        result.attrs = {}
        return result


def record_fetch(frame: pd.DataFrame, folder: str | os.PathLike[str]) -> Path | None:
    """The ``load_catalog(history=folder)`` hook: record a fetched catalog, never break the load.

    Only catalogs that came from the API are recorded: the bundled snapshot (the offline fallback)
    is skipped silently, filtered fetches are skipped with a warning, and a folder that cannot be
    written only warns: the caller still gets its catalog. Returns the snapshot path, or None when
    nothing was written.

    >>> import aihubmix_frame as ahf, tempfile
    >>> fetched = ahf.load_snapshot()
    >>> fetched.attrs["aihubmix"].update(source="network", fetched_at="2026-11-25T08:00:00Z")
    >>> record_fetch(fetched, tempfile.mkdtemp()).suffix
    '.parquet'
    >>> record_fetch(ahf.load_snapshot(), tempfile.mkdtemp()) is None     # not from the API
    True
    """
    provenance = frame.attrs.get(schema.ATTRS_KEY, {}) if isinstance(frame.attrs, dict) else {}
    if provenance.get("source") == "snapshot":
        return None
    if _is_filtered(frame):
        warnings.warn(
            "a filtered catalog is not recorded in the price history; call load_catalog(history=...) "
            "without filters and filter the frame afterwards",
            HistoryWarning, stacklevel=2,
        )
        return None
    try:
        return CatalogHistory(folder).record(frame)
    except OSError as exc:
        warnings.warn(f"the catalog was not recorded in {os.fspath(folder)!r}: {exc}; check the folder",
                      HistoryWarning, stacklevel=2)
        return None
