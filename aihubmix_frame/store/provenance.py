"""Where a frame came from, as its provenance says: what the price history records and what it skips."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import schema

__all__ = ["provenance_of", "is_api_fetch"]


def provenance_of(frame: pd.DataFrame) -> dict[str, Any]:
    """The frame's ``attrs["aihubmix"]`` provenance, or an empty dict."""
    provenance = frame.attrs.get(schema.ATTRS_KEY) if isinstance(frame.attrs, dict) else None
    return provenance if isinstance(provenance, dict) else {}


def is_api_fetch(frame: pd.DataFrame) -> bool:
    """False for the bundled snapshot (``load_snapshot()``, or ``load_catalog``'s offline fallback).

    The snapshot is not a new observation of the prices, so the fetch hook never records it.

    >>> import aihubmix_frame as ahf
    >>> is_api_fetch(ahf.load_snapshot())
    False
    """
    return provenance_of(frame).get("source") != "snapshot"
