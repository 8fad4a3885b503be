"""The ``load_catalog(history=folder)`` hook: which fetches are recorded, and recording without breaking the load."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd

from .. import schema
from ..errors import HistoryWarning
from .history import CatalogHistory
from .provenance import is_api_fetch

__all__ = ["record_fetch"]


def record_fetch(frame: pd.DataFrame, folder: str | os.PathLike[str]) -> Path | None:
    """The ``load_catalog(history=folder)`` hook: record a fetched catalog, never break the load.

    Only complete catalogs that came from the API are recorded: the bundled snapshot (the offline
    fallback) is skipped silently, a filtered fetch (not a complete catalog) is skipped with a
    :class:`HistoryWarning`, and a folder that cannot be written (or whose lock another process
    holds for too long) only warns: the caller still gets its catalog. Returns the snapshot path,
    or None when nothing was written. Processes recording into one folder at once take turns.

    >>> import aihubmix_frame as ahf, tempfile
    >>> fetched = ahf.load_snapshot()
    >>> fetched.attrs["aihubmix"].update(source="network", fetched_at="2026-11-25T08:00:00Z")
    >>> record_fetch(fetched, tempfile.mkdtemp()).suffix
    '.parquet'
    >>> record_fetch(ahf.load_snapshot(), tempfile.mkdtemp()) is None     # not from the API
    True
    """
    if not is_api_fetch(frame):
        return None
    if not schema.is_complete_catalog(frame):
        warnings.warn(
            f"a filtered catalog ({len(frame)} models, not the complete catalog) is not recorded in the "
            "price history; call load_catalog(history=...) without filters and filter the frame "
            "afterwards, or record it with CatalogHistory(folder).record(df, subset=True)",
            HistoryWarning,
            stacklevel=2,
        )
        return None
    try:
        return CatalogHistory(folder).record(frame)
    except OSError as exc:
        warnings.warn(
            f"the catalog was not recorded in {os.fspath(folder)!r}: {exc}; check the folder",
            HistoryWarning,
            stacklevel=2,
        )
        return None
