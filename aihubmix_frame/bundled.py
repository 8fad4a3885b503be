"""The catalog snapshot bundled in ``aihubmix_frame/data``: its file, its date, its raw text (no pandas).

The loader turns it into the catalog frame; the loopback ``CatalogServer`` serves the same raw file,
read here and never through the loader, so the server's parity tests do not test the code against
itself.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

__all__ = ["SNAPSHOT_FILE", "SNAPSHOT_DATE", "snapshot_text"]

SNAPSHOT_FILE = "catalog_2026-07-02.json"
SNAPSHOT_DATE = "2026-07-02"


@lru_cache(maxsize=1)
def snapshot_text() -> str:
    """The bundled snapshot file's text, read once.

    >>> snapshot_text().lstrip()[:1]
    '{'
    """
    return resources.files("aihubmix_frame").joinpath("data", SNAPSHOT_FILE).read_text(encoding="utf-8")
