"""Bring a catalog frame of an older schema version (a Parquet file of version 1) up to the current columns."""

from __future__ import annotations

import pandas as pd

from . import schema

__all__ = ["upgrade_frame", "ADDED_IN"]

#: Schema version -> the columns it added (a frame of an older version lacks them).
ADDED_IN: dict[int, tuple[str, ...]] = {
    2: tuple(list(schema.COLUMNS)[list(schema.COLUMNS).index("price_tiers") + 1 :]),
}


def upgrade_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every column of :data:`aihubmix_frame.schema.COLUMNS`, in schema order.

    Columns it lacks are added all missing with their schema dtype (``family_id`` = the model's own
    id, ``output_modalities`` empty lists, ``produces_*`` False), as ``catalog_to_frame`` builds them
    for a payload without those fields; its other columns follow unchanged. Returns a new frame with
    the same index and ``attrs``; a frame that already has every column comes back as a copy.

    >>> import aihubmix_frame as ahf
    >>> old = ahf.load_snapshot()[["model_id", "types", "features", "input_modalities"]]
    >>> new = upgrade_frame(old)
    >>> new["family_id"].iloc[0], str(new["release_date"].dtype), bool(new["reasoning"].isna().all())
    ('auto', 'datetime64[s]', True)
    """
    from .families import family_ids
    from .frame import catalog_to_frame

    missing = [c for c in schema.COLUMNS if c not in frame.columns]
    if not missing:
        return frame.copy()
    blank = catalog_to_frame([{"model_id": f"row-{i}"} for i in range(len(frame))])
    blank.index = frame.index
    added = {c: blank[c] for c in missing if c != "family_id"}
    if "family_id" in missing:
        added["family_id"] = family_ids(frame) if "model_id" in frame.columns else blank["family_id"]
    result = pd.concat([frame, pd.DataFrame(added, index=frame.index)], axis=1)
    ordered = [c for c in schema.COLUMNS if c in result.columns]
    result = result[ordered + [c for c in result.columns if c not in schema.COLUMNS]]
    result.attrs = dict(frame.attrs)
    return result
