"""The snapshot files of a history folder: content hash, file names, subset flag, listing, reading."""

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
import pyarrow as pa

from ..errors import AihubmixError, HistoryWarning
from ..values import utc_timestamp
from .diff import column_values
from .parquet import read_parquet

__all__ = [
    "content_hash",
    "SnapshotFile",
    "list_snapshots",
    "snapshot_file_name",
    "read_snapshot",
    "utc_timestamp",
]

#: Snapshot file names come only from the timestamp, a sequence number, the content hash and the
#: subset flag, never from model ids, so no id (``../x``, ``a/b:c``) can make a path outside the
#: folder. Files written before subsets existed have no flag: they are full catalogs.
_FILE_NAME = re.compile(r"^catalog_(\d{8}T\d{12})Z_(\d{6})_([0-9a-f]{16})(_subset)?\.parquet$")
_TIME_FORMAT = "%Y%m%dT%H%M%S%f"


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


@dataclass(frozen=True)
class SnapshotFile:
    """One snapshot file: where, when (UTC), its sequence number, content hash prefix, subset flag."""

    path: Path
    at: pd.Timestamp
    sequence: int
    digest: str
    subset: bool


def snapshot_file_name(at: pd.Timestamp, sequence: int, digest: str, *, subset: bool) -> str:
    """The file name of a snapshot taken at ``at`` (UTC); only digits, hex and fixed words.

    >>> snapshot_file_name(pd.Timestamp("2026-07-02T04:09:00Z"), 3, "0123456789abcdef", subset=True)
    'catalog_20260702T040900000000Z_000003_0123456789abcdef_subset.parquet'
    """
    name = f"catalog_{at.strftime(_TIME_FORMAT)}Z_{sequence:06d}_{digest}{'_subset' if subset else ''}.parquet"
    if not _FILE_NAME.match(name):  # the name is ours alone: no id ever reaches a path
        raise ValueError(f"not a snapshot file name: {name!r}; the digest must be 16 hex digits")
    return name


def list_snapshots(folder: str | os.PathLike[str]) -> list[SnapshotFile]:
    """The snapshot files in ``folder``, oldest first (by time, then sequence); other files are ignored.

    Symlinks are never followed: an entry with a snapshot's name that is not a regular file (a
    symlink, a loop of them, a folder) is left out with a :class:`HistoryWarning` naming it.

    >>> import tempfile
    >>> list_snapshots(tempfile.mkdtemp())
    []
    """
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            match = _FILE_NAME.match(entry.name)
            if not match:
                continue
            try:
                regular = entry.is_file(follow_symlinks=False)
            except OSError:  # pragma: no cover - lstat failed: the entry vanished or is unreadable
                regular = False
            if not regular:
                warnings.warn(
                    f"{entry.path!r} is not a regular file (a symlink, a folder or another special "
                    "file); the history ignores it. Remove it, or put the snapshot file itself there",
                    HistoryWarning,
                    stacklevel=3,
                )
                continue
            at = pd.Timestamp(dt.datetime.strptime(match[1], _TIME_FORMAT), tz="UTC")
            found.append(SnapshotFile(Path(entry.path), at, int(match[2]), match[3], bool(match[4])))
    return sorted(found, key=lambda s: (s.at, s.sequence))


#: What a damaged or tampered snapshot file raises while it is read (bad footer JSON, missing or
#: mistyped metadata keys, Arrow errors, I/O errors, a frame without model ids).
_DAMAGE = (AihubmixError, ValueError, LookupError, TypeError, AttributeError, OSError, pa.ArrowException)


def read_snapshot(snapshot: SnapshotFile, columns: list[str] | None = None) -> pd.DataFrame | None:
    """The frame of one snapshot file, or None with a :class:`HistoryWarning` naming the file when it
    cannot be read as a catalog (damaged, tampered metadata, no ``model_id`` column)."""
    try:
        frame = read_parquet(snapshot.path, columns=columns)
        if "model_id" not in frame.columns:
            raise KeyError("it has no model_id column")
        return frame
    except _DAMAGE as exc:
        reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        warnings.warn(
            f"the snapshot {str(snapshot.path)!r} cannot be read ({type(exc).__name__}: "
            f"{str(reason)[:200]}); the history skips it. Move it out of the folder, or restore "
            "it from a backup",
            HistoryWarning,
            stacklevel=3,
        )
        return None
