"""Catalog files by suffix: .parquet, .csv, or the API's .json envelope."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from .csv import read_csv, write_csv
from .parquet import read_parquet, write_parquet

__all__ = ["read_catalog_file", "write_catalog_file", "catalog_file_format"]

#: Suffixes :func:`read_catalog_file` understands, and those :func:`write_catalog_file` writes.
READ_SUFFIXES: tuple[str, ...] = (".parquet", ".csv", ".json")
WRITE_SUFFIXES: tuple[str, ...] = (".parquet", ".csv")


def catalog_file_format(path: str | os.PathLike[str], *, writing: bool = False) -> str:
    """``"parquet"``, ``"csv"`` or ``"json"`` (reading only) from the suffix of ``path``, else ValueError.

    Checks the name only, so a command can refuse a bad name before fetching anything.

    >>> catalog_file_format("prices.PARQUET"), catalog_file_format("old.json")
    ('parquet', 'json')
    >>> catalog_file_format("out.xlsx", writing=True)
    Traceback (most recent call last):
    ...
    ValueError: cannot tell the format of 'out.xlsx'; name it FILE.parquet or FILE.csv
    """
    suffix = Path(path).suffix.lower()
    allowed = WRITE_SUFFIXES if writing else READ_SUFFIXES
    if suffix not in allowed:
        hint = "name it FILE.parquet or FILE.csv" if writing else "use a .parquet, .csv or .json file"
        raise ValueError(f"cannot tell the format of {os.fspath(path)!r}; {hint}")
    return suffix[1:]


def read_catalog_file(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A catalog from a Parquet, CSV or JSON envelope file, chosen by the file's suffix.

    ``.parquet`` goes through :func:`~aihubmix_frame.store.parquet.read_parquet` (exact),
    ``.csv`` through :func:`~aihubmix_frame.store.csv.read_csv` (catalog dtypes), ``.json`` is the
    API's envelope (or its ``data`` list) converted by ``catalog_to_frame``.

    >>> import aihubmix_frame as ahf, json, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "c.json").write_text(json.dumps(ahf.loader.snapshot_payload()))
    >>> len(read_catalog_file(folder / "c.json")), len(read_catalog_file(ahf.load_snapshot().aihub.to_csv(folder / "c.csv")))
    (804, 804)
    """
    shown = os.fspath(path)
    if not Path(path).is_file():
        raise FileNotFoundError(f"no such file {shown!r}; pass a .parquet, .csv or .json catalog file")
    kind = catalog_file_format(path)
    if kind == "parquet":
        return read_parquet(path)
    if kind == "csv":
        return read_csv(path)
    from ..frame import catalog_to_frame

    with open(path, encoding="utf-8") as handle:
        try:
            payload = json.load(handle)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{shown!r} is not valid JSON ({exc}); pass the API's JSON envelope") from None
    return catalog_to_frame(payload)


def write_catalog_file(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` atomically as Parquet or CSV, chosen by the suffix of ``path``; returns the path.

    >>> import aihubmix_frame as ahf, tempfile, pathlib
    >>> path = write_catalog_file(ahf.load_snapshot(), pathlib.Path(tempfile.mkdtemp()) / "c.parquet")
    >>> ahf.read_parquet(path).equals(ahf.load_snapshot())
    True
    """
    kind = catalog_file_format(path, writing=True)
    return (write_parquet if kind == "parquet" else write_csv)(frame, path)
