"""Files on disk: the Parquet codec, CSV, atomic writes, catalog diffs and the price-history ledger."""

from __future__ import annotations

from .codec import METADATA_KEY, frame_to_table, table_to_frame
from .csv import read_csv, write_csv
from .diff import CHANGES, DIFF_COLUMNS, apply_subset, diff_catalogs, diff_counts
from .fetch_hook import record_fetch
from .files import atomic_write
from .formats import catalog_file_format, read_catalog_file, write_catalog_file
from .history import SNAPSHOT_AT, CatalogHistory, read_history_csv
from .parquet import parquet_metadata, read_parquet, write_parquet
from .provenance import is_api_fetch
from .snapshots import content_hash

__all__ = [
    "write_parquet",
    "read_parquet",
    "parquet_metadata",
    "write_csv",
    "read_csv",
    "read_catalog_file",
    "write_catalog_file",
    "catalog_file_format",
    "atomic_write",
    "frame_to_table",
    "table_to_frame",
    "METADATA_KEY",
    "diff_catalogs",
    "diff_counts",
    "apply_subset",
    "DIFF_COLUMNS",
    "CHANGES",
    "CatalogHistory",
    "record_fetch",
    "read_history_csv",
    "is_api_fetch",
    "content_hash",
    "SNAPSHOT_AT",
]
