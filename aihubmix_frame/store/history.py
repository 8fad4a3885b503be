"""A local price-history ledger: dated Parquet snapshots of the catalog (or of subsets) in one folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from .. import schema
from .chain import readable, state_after, walk, walk_to_end
from .csv import read_csv
from .diff import diff_catalogs, diff_counts
from .history_lock import DEFAULT_LOCK_TIMEOUT, history_lock
from .parquet import write_parquet
from .provenance import provenance_of
from .snapshots import (
    SnapshotFile,
    content_hash,
    list_snapshots,
    read_snapshot,
    snapshot_file_name,
    utc_timestamp,
)

__all__ = ["CatalogHistory", "read_history_csv", "SNAPSHOT_AT"]

#: The column that says when a snapshot was taken (UTC), in :meth:`CatalogHistory.load` and diffs.
SNAPSHOT_AT = "snapshot_at"
_SNAPSHOT_DTYPE: Any = pd.DatetimeTZDtype("us", "UTC")  # Any: pandas-stubs types pd.array() of it too narrowly


def _not_complete(frame: pd.DataFrame) -> str:
    """Why ``record`` refuses ``frame``, and what to do instead."""
    recorded = provenance_of(frame).get(schema.COMPLETE_KEY)
    total = recorded.get("rows") if isinstance(recorded, dict) else None
    rows = len(frame)
    if not isinstance(total, int):
        why = (
            f"its {rows} rows carry no record of a complete catalog (load_catalog() without "
            "filters, load_snapshot() and catalog_to_frame() give one)"
        )
    elif rows < total:
        why = (
            f"it holds {rows} of the {total} models of the catalog it came from (a filter or "
            f"selection of it); recorded as a full catalog, the next diff() would report the "
            f"{total - rows} missing models as removed"
        )
    else:
        why = f"its {rows} model ids are not those of the {total}-model catalog it came from"
    return (
        f"CatalogHistory.record() keeps complete catalogs, and this frame is not one: {why}. "
        "Record the full catalog (load_catalog() without filters) and filter afterwards, or pass "
        "subset=True to store it as a subset, which history compares only on the models it holds."
    )


class CatalogHistory:
    """A folder of dated Parquet snapshots of the catalog: record fetches, then ask what changed.

    ``record(df)`` stores a snapshot only when the catalog's content differs from the newest one;
    ``load()`` stacks them with a ``snapshot_at`` column; ``diff()``, ``summary()``,
    ``price_history(model_id)`` and ``asof(when)`` answer questions about the past. Snapshots are
    written atomically.

    Subsets: ``record`` takes complete catalogs only (checked against the ids the catalog was loaded
    with, :func:`aihubmix_frame.schema.is_complete_catalog`), unless ``subset=True``. A subset
    snapshot says nothing about the models it lacks: history reads it as an update of the models it
    holds, never as the removal of the others, and never reports a model as added from it.

    Damage. Snapshots are listed without following symlinks: an entry with a snapshot's name that
    is not a regular file is ignored with a :class:`~aihubmix_frame.errors.HistoryWarning`. A
    snapshot file that cannot be read (damaged, tampered metadata) is skipped by ``load``,
    ``diff``, ``summary``, ``asof`` and ``price_history`` with a HistoryWarning naming it; the
    other snapshots still load. ``snapshots`` and ``len()`` list files without reading them.

    Writers take turns: ``record`` holds ``FOLDER/.lock`` (``flock``, at most ``lock_timeout``
    seconds of waiting, then TimeoutError) while it compares and writes, so processes recording at
    once never store one fetch twice, and each snapshot gets the next sequence number. Snapshots
    are ordered by time, then by sequence (the order they were recorded in): ``fetched_at`` has
    one-second resolution, so fetches of the same second keep the order they were recorded in.

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

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        create: bool = True,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ):
        self.folder = Path(folder).expanduser()  # "~/aihubmix-history" means the home folder
        self.lock_timeout = lock_timeout
        if self.folder.is_symlink() and not self.folder.exists():
            raise NotADirectoryError(
                f"{str(self.folder)!r} is a symlink to nothing (or a loop of "
                "symlinks); pass a real folder for the history"
            )
        if self.folder.exists() and not self.folder.is_dir():
            raise NotADirectoryError(f"{str(self.folder)!r} is a file; pass a folder for the history")
        if not self.folder.exists():
            if not create:
                raise FileNotFoundError(f"no history folder {str(self.folder)!r}; record a catalog first")
            self.folder.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"CatalogHistory({str(self.folder)!r}, snapshots={len(list_snapshots(self.folder))})"

    # --- files -------------------------------------------------------------------------------

    @property
    def snapshots(self) -> pd.DataFrame:
        """One row per stored snapshot: ``snapshot_at``, ``path``, ``content_hash`` (16 hex digits), ``subset``."""
        found = list_snapshots(self.folder)
        return pd.DataFrame(
            {
                SNAPSHOT_AT: pd.array([s.at for s in found], dtype=_SNAPSHOT_DTYPE),
                "path": pd.array([str(s.path) for s in found], dtype="string"),
                "content_hash": pd.array([s.digest for s in found], dtype="string"),
                "subset": pd.array([s.subset for s in found], dtype=bool),
            }
        )

    def __len__(self) -> int:
        return len(list_snapshots(self.folder))

    # --- writing -----------------------------------------------------------------------------

    def record(self, frame: pd.DataFrame, *, subset: bool = False, allow_filtered: bool = False) -> Path | None:
        """Store ``frame`` as a snapshot unless its content equals the newest one (or the one just
        before its time); returns the path or None.

        The snapshot time is the frame's provenance ``fetched_at`` (now, when it has none). Only a
        complete catalog is recorded as one (re-sorted or edited prices are fine; a filter, a mask,
        ``head()`` are not): anything else raises ValueError, since it would read as hundreds of
        removals, unless ``subset=True`` (``allow_filtered=True`` is the older name), which stores
        it as a subset, compared only on the models it holds.
        """
        schema.require_columns(frame, ("model_id",), needed_for="CatalogHistory.record")
        as_subset = bool(subset or allow_filtered)
        if not as_subset and not schema.is_complete_catalog(frame):
            raise ValueError(_not_complete(frame))
        digest = content_hash(frame)[:16]
        fetched_at = provenance_of(frame).get("fetched_at")
        at = utc_timestamp(fetched_at, what="fetched_at") if fetched_at else pd.Timestamp.now(tz="UTC")
        with history_lock(self.folder, timeout=self.lock_timeout):  # compare and write as one step
            existing = list_snapshots(self.folder)
            earlier = [s for s in existing if s.at <= at]  # a late writer's fetch may be older
            for neighbour in existing[-1:] + earlier[-1:]:  # the newest, and the one just before `at`
                if neighbour.digest == digest and neighbour.subset == as_subset:
                    return None
            if any(s.at == at and s.digest == digest for s in existing):
                return None  # this very fetch is already recorded (e.g. served again from a stale cache)
            sequence = max((s.sequence for s in existing), default=-1) + 1
            name = snapshot_file_name(at, sequence, digest, subset=as_subset)
            return write_parquet(frame, self.folder / name)

    # --- reading -----------------------------------------------------------------------------

    def load(self, *, subsets: bool = True) -> pd.DataFrame:
        """Every snapshot stacked, oldest first, with a ``snapshot_at`` (UTC) first column.

        A subset snapshot adds only the rows of its models (``snapshots["subset"]`` says which
        snapshots are subsets); ``subsets=False`` leaves them out.

        >>> import aihubmix_frame as ahf, tempfile
        >>> history = ahf.CatalogHistory(tempfile.mkdtemp())
        >>> _ = history.record(ahf.load_snapshot())
        >>> stacked = history.load()
        >>> len(stacked), str(stacked["snapshot_at"].dtype)
        (804, 'datetime64[us, UTC]')
        """
        from ..frame import empty_catalog_frame

        chosen = [s for s in list_snapshots(self.folder) if subsets or not s.subset]
        parts = []
        loaded = []
        for snapshot, part in readable(chosen):
            loaded.append(snapshot)
            part.insert(0, SNAPSHOT_AT, pd.array([snapshot.at] * len(part), dtype=_SNAPSHOT_DTYPE))
            part.attrs = {}
            parts.append(part)
        if not parts:
            empty = empty_catalog_frame()
            empty.insert(0, SNAPSHOT_AT, pd.array([], dtype=_SNAPSHOT_DTYPE))
            parts = [empty]
        stacked = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        stacked.attrs = {
            schema.ATTRS_KEY: {
                "source": "history",
                "folder": str(self.folder),
                "snapshots": len(loaded),
                "subsets": sum(s.subset for s in loaded),
            }
        }
        return stacked

    def asof(self, when: Any) -> pd.DataFrame:
        """The catalog as it was at ``when``: the newest full snapshot taken at or before it.

        Subsets recorded after that snapshot (and not after ``when``) update the models they hold;
        ``attrs["aihubmix"]["updated_by_subsets"]`` then lists their times. With no full snapshot
        at or before ``when``, the result holds only the models of the subsets.

        >>> import aihubmix_frame as ahf, tempfile
        >>> history = ahf.CatalogHistory(tempfile.mkdtemp())
        >>> _ = history.record(ahf.load_snapshot())
        >>> len(history.asof("2026-08-01"))
        804
        """
        at = utc_timestamp(when, what="asof")
        found = list_snapshots(self.folder)
        before = [s for s in found if s.at <= at]
        if not before:
            hint = f"the first snapshot is from {found[0].at.isoformat()}" if found else "the history is empty"
            raise LookupError(f"no snapshot at or before {at.isoformat()}; {hint}")
        state, _, applied = state_after(before)
        if state is None:
            raise LookupError(f"no readable snapshot at or before {at.isoformat()}; see the warnings above")
        updates = [s.at.isoformat() for s in applied if s.subset]
        if updates:
            state.attrs.setdefault(schema.ATTRS_KEY, {})["updated_by_subsets"] = updates
        return state

    def diff(self, since: Any = None, *, net: bool = False) -> pd.DataFrame:
        """What changed after ``since`` (default: since the first snapshot), one row per change.

        Compares each snapshot with the catalog as known before it, starting from the catalog as
        it was at ``since``; the ``snapshot_at`` column says when a change was first seen.
        ``net=True`` gives one diff from the catalog at ``since`` to the newest state instead.
        A subset snapshot is compared only on the models it holds: it reports changed fields,
        never a model added or removed (see :func:`~aihubmix_frame.store.diff.diff_catalogs`).

        >>> import aihubmix_frame as ahf, tempfile
        >>> history = ahf.CatalogHistory(tempfile.mkdtemp())
        >>> _ = history.record(ahf.load_snapshot())
        >>> records = ahf.loader.snapshot_payload()["data"][1:]          # a later fetch, one model gone
        >>> _ = history.record(ahf.catalog_to_frame(records, provenance={"fetched_at": "2026-07-03T00:00:00Z"}))
        >>> history.diff()[["snapshot_at", "model_id", "change"]]
                        snapshot_at model_id   change
        0 2026-07-03 00:00:00+00:00     auto  removed
        """
        found = list_snapshots(self.folder)
        if since is not None:
            at = utc_timestamp(since, what="since")
            state, complete, _ = state_after([s for s in found if s.at <= at])
            after = [s for s in found if s.at > at]
        else:
            state, complete, after = None, False, found
        while state is None and after:  # nothing known at since: start from the first readable one after it
            state, complete, after = read_snapshot(after[0]), not after[0].subset, after[1:]
        steps: list[tuple[SnapshotFile, pd.DataFrame]] = []
        if net and after:
            start, start_complete = state, complete
            state, complete = walk_to_end(after, state, complete)
            steps = [(after[-1], diff_catalogs(start, state, old_complete=start_complete, new_complete=complete))]  # type: ignore[arg-type]
        elif not net:
            steps = [(snapshot, changes) for snapshot, _, changes, _, _ in walk(after, state, complete)]  # type: ignore[misc]
        parts = []
        for snapshot, changes in steps:
            changes.insert(0, SNAPSHOT_AT, pd.array([snapshot.at] * len(changes), dtype=_SNAPSHOT_DTYPE))
            parts.append(changes)
        if not parts:
            nothing = pd.DataFrame({"model_id": pd.array([], dtype="string")})
            empty = diff_catalogs(nothing, nothing)
            empty.insert(0, SNAPSHOT_AT, pd.array([], dtype=_SNAPSHOT_DTYPE))
            parts = [empty]
        result = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        result.attrs = {}
        return result

    def summary(self) -> pd.DataFrame:
        """One row per snapshot: ``snapshot_at``, ``models``, ``subset``, then what changed since the
        catalog as known before it: models ``added``, ``removed``, ``changed`` and ``field_changes``.

        ``aihubmix-frame history FOLDER`` prints this table.

        >>> import aihubmix_frame as ahf, tempfile
        >>> history = ahf.CatalogHistory(tempfile.mkdtemp())
        >>> df = ahf.load_snapshot()
        >>> _ = history.record(df)
        >>> llm = df.aihub.filter(type="llm"); llm.loc[llm["model_id"] == "gpt-4o", "input_usd_per_1m"] = 2.0
        >>> llm.attrs["aihubmix"]["fetched_at"] = "2026-07-09T00:00:00Z"
        >>> _ = history.record(llm, subset=True)
        >>> history.summary().drop(columns="snapshot_at")
           models  subset  added  removed  changed  field_changes
        0     804   False      0        0        0              0
        1     349    True      0        0        1              1
        """
        counts = ("added", "removed", "changed", "field_changes")
        rows = []
        for snapshot, frame, changes, _, _ in walk(list_snapshots(self.folder)):
            found = diff_counts(changes) if changes is not None else dict.fromkeys(counts, 0)
            rows.append(
                {
                    SNAPSHOT_AT: snapshot.at,
                    "models": len(frame),
                    "subset": snapshot.subset,
                    **{name: found[name] for name in counts},
                }
            )
        table = pd.DataFrame(rows, columns=[SNAPSHOT_AT, "models", "subset", *counts])
        table[SNAPSHOT_AT] = table[SNAPSHOT_AT].astype(_SNAPSHOT_DTYPE)
        return table.astype({"models": "int64", "subset": bool, **dict.fromkeys(counts, "int64")})

    def price_history(self, model_id: str) -> pd.DataFrame:
        """A tidy time series of one model's four prices (USD per 1M tokens), one row per snapshot.

        Only snapshots that list the model (exact, case-sensitive id) have a row; a subset that
        lacks the model simply has no row (it is not a removal).
        """
        if not isinstance(model_id, str):
            raise TypeError(f"model_id must be a string, got {model_id!r}")
        columns = ["model_id", *schema.PRICE_COLUMNS]
        times, parts = [], []
        known: set[str] = set()
        for snapshot in list_snapshots(self.folder):
            part = read_snapshot(snapshot, columns=columns)
            if part is None:
                continue
            ids = part["model_id"]
            hits = part[(ids == model_id).fillna(False).to_numpy(dtype=bool)]
            if hits.empty:
                known.update(ids.dropna().tolist())
                continue
            times.extend([snapshot.at] * len(hits))
            parts.append(hits)
        if not parts:
            near = sorted(i for i in known if i.lower() == model_id.lower())
            hint = (
                f"; ids are case-sensitive: did you mean {near}?"
                if near
                else "; check the id with load().model_id.unique()"
            )
            raise LookupError(f"model {model_id!r} is in no snapshot of {str(self.folder)!r}{hint}")
        result = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
        result.insert(0, SNAPSHOT_AT, pd.array(times, dtype=_SNAPSHOT_DTYPE))
        result.attrs = {}
        return result


def read_history_csv(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A CSV of ``CatalogHistory.load()`` (or of a diff) back as a frame, ``snapshot_at`` as UTC times.

    >>> import aihubmix_frame as ahf, tempfile, pathlib
    >>> history = ahf.CatalogHistory(tempfile.mkdtemp()); _ = history.record(ahf.load_snapshot())
    >>> path = history.load().aihub.to_csv(pathlib.Path(tempfile.mkdtemp()) / "history.csv")
    >>> str(read_history_csv(path)["snapshot_at"].dtype)
    'datetime64[us, UTC]'
    """
    frame = read_csv(path)
    if SNAPSHOT_AT in frame.columns:
        frame[SNAPSHOT_AT] = pd.to_datetime(frame[SNAPSHOT_AT], utc=True).astype(_SNAPSHOT_DTYPE)
    return frame
