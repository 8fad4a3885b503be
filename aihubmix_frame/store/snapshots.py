"""The snapshot files of a history folder: content hash, file names, subset flag, listing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .diff import column_values

__all__ = ["content_hash", "SnapshotFile", "list_snapshots", "snapshot_file_name"]

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
    """The snapshot files in ``folder``, oldest first; other files are ignored.

    >>> import tempfile
    >>> list_snapshots(tempfile.mkdtemp())
    []
    """
    found = []
    for entry in os.scandir(folder):
        match = _FILE_NAME.match(entry.name)
        if match and entry.is_file():
            at = pd.Timestamp(dt.datetime.strptime(match[1], _TIME_FORMAT), tz="UTC")
            found.append(SnapshotFile(Path(entry.path), at, int(match[2]), match[3], bool(match[4])))
    return sorted(found, key=lambda s: (s.at, s.sequence))
