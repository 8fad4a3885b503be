"""load_catalog / load_snapshot: the one place where IO meets pandas."""

from __future__ import annotations

import copy as copy_module
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import pandas as pd

from .frame import catalog_to_frame

__all__ = ["load_snapshot", "snapshot_payload", "SNAPSHOT_DATE"]

SNAPSHOT_FILE = "catalog_2026-07-02.json"
SNAPSHOT_DATE = "2026-07-02"


@lru_cache(maxsize=1)
def _snapshot_text() -> str:
    return resources.files(__package__).joinpath("data", SNAPSHOT_FILE).read_text(encoding="utf-8")


def snapshot_payload() -> dict[str, Any]:
    """The bundled snapshot as the raw JSON envelope (a fresh copy each call)."""
    return json.loads(_snapshot_text())


def snapshot_provenance(payload: dict[str, Any]) -> dict[str, Any]:
    """Provenance of the bundled snapshot, for ``df.attrs["aihubmix"]``."""
    return {
        "source": "snapshot",
        "url": None,
        "params": {},
        "etag": None,
        "fetched_at": f"{SNAPSHOT_DATE}T04:09:00+00:00",
        "snapshot_date": SNAPSHOT_DATE,
        "snapshot_file": SNAPSHOT_FILE,
        "snapshot_note": payload.get("_reconstructed", ""),
    }


@lru_cache(maxsize=1)
def _snapshot_frame() -> pd.DataFrame:
    payload = snapshot_payload()
    return catalog_to_frame(payload, provenance=snapshot_provenance(payload))


def load_snapshot() -> pd.DataFrame:
    """The bundled catalog of 2026-07-02 (804 models) as the catalog frame; no network.

    >>> df = load_snapshot()
    >>> len(df), df.attrs["aihubmix"]["source"], df.attrs["aihubmix"]["snapshot_date"]
    (804, 'snapshot', '2026-07-02')
    """
    frame = _snapshot_frame()
    copy = frame.copy(deep=True)
    # Tier cells hold dicts: copy them so that editing one never changes the cached snapshot.
    copy["price_tiers"] = pd.array([copy_module.deepcopy(t) for t in frame["price_tiers"]], dtype=object)
    copy.attrs = copy_module.deepcopy(frame.attrs)
    return copy
