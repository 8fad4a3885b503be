"""What the command line shares: filter and source arguments, loading, and table/CSV/JSON output.

Every text the CLI prints passes :func:`escape_controls` here: a model id or server message holding
terminal escape sequences (ESC, OSC, BEL, other C0/C1 controls) is shown as visible ``\\x1b`` text,
never sent raw to the terminal.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from typing import IO, Any

import numpy as np
import pandas as pd

from .. import schema
from ..query import QUERY_PARAMETERS, SORT_PARAMETERS, CatalogQuery

__all__ = [
    "TABLE_COLUMNS",
    "add_filter_arguments",
    "add_source_arguments",
    "query_from_args",
    "load_for_cli",
    "describe_source",
    "render_table",
    "write_frame",
    "flat_text",
    "escape_controls",
    "json_text",
    "port_number",
    "server_port",
    "count_number",
    "non_negative_number",
    "reason",
]


#: Columns of the human-readable table and their headers (units in the header).
TABLE_COLUMNS: dict[str, str] = {
    "model_id": "model_id",
    "types": "types",
    "context_length": "context (tokens)",
    "max_output": "max output (tokens)",
    "input_usd_per_1m": "input USD/1M",
    "output_usd_per_1m": "output USD/1M",
    "cache_read_usd_per_1m": "cache read USD/1M",
    "cache_write_usd_per_1m": "cache write USD/1M",
}


#: C0 controls, DEL and C1 controls (ESC, BEL, CSI 0x9b, OSC 0x9d ...): what a terminal acts on.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
#: The same, less tab and newline, which CSV quotes and keeps as data.
_CONTROLS_IN_CSV = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str, *, csv: bool = False) -> str:
    r"""``text`` with every control character shown as its visible escape (``\x1b``, ``\x07``).

    ``csv=True`` keeps tab and newline (CSV quotes them as data).

    >>> print(escape_controls("gpt\x1b]0;pwned\x07-4o\u009b"))
    gpt\x1b]0;pwned\x07-4o\x9b
    """
    pattern = _CONTROLS_IN_CSV if csv else _CONTROLS
    return pattern.sub(lambda match: f"\\x{ord(match[0]):02x}", text)


def json_text(value: Any, *, indent: int | None = 1) -> str:
    r"""JSON for the terminal: C0 controls are escaped by JSON itself, C1 controls as ``\u009b``-style escapes.

    >>> print(json_text(["a\x1b", "b\x9b"], indent=None))
    ["a\u001b", "b\u009b"]
    """
    return re.sub(
        "[\x7f-\x9f]",
        lambda match: f"\\u{ord(match[0]):04x}",
        json.dumps(value, ensure_ascii=False, indent=indent),
    )


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 (any free port) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number; pass 0 to 65535") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number; pass 0 to 65535 (0 = any free port)")
    return port


def server_port(text: str) -> int:
    """An argparse type: a TCP port a web server announces and listens on, 1 to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number; pass 1 to 65535") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number; pass 1 to 65535")
    return port


def count_number(text: str) -> int:
    """An argparse type: how many rows to show (``--limit``), a whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or number < 1:
        raise argparse.ArgumentTypeError(f"the limit must be a whole number of 1 or more, got {text!r}")
    return number


def non_negative_number(kind: type) -> Any:
    """An argparse type: an ``int`` or a finite ``float`` of 0 or more (token counts, prices, seconds)."""

    def parse(text: str) -> Any:
        try:
            number = kind(text)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}; pass 0 or more") from None
        if not math.isfinite(number) or number < 0:
            raise argparse.ArgumentTypeError(f"{text} is out of range; pass a finite number of 0 or more")
        return number

    parse.__name__ = "whole number" if kind is int else "number"
    return parse


def add_filter_arguments(parser: argparse.ArgumentParser, *, sort: bool = True) -> None:
    """The catalog filters, shared by every command that selects models (``sort=False``: no --sort)."""
    group = parser.add_argument_group("filters (all combined with AND, as the server does)")
    group.add_argument("--type", help="model type, e.g. llm, image_generation (legacy t2t etc. accepted)")
    group.add_argument("--modalities", help="comma list of input modalities, all required, e.g. text,image")
    group.add_argument("--features", help="comma list of features, all required, e.g. thinking,tools")
    group.add_argument("--model", help="case-insensitive substring of the model id")
    group.add_argument(
        "--min-context",
        type=non_negative_number(int),
        default=None,
        metavar="TOKENS",
        help="context window of at least TOKENS (unknown windows never match)",
    )
    group.add_argument(
        "--min-output",
        type=non_negative_number(int),
        default=None,
        metavar="TOKENS",
        help="max output of at least TOKENS (unknown limits never match)",
    )
    group.add_argument(
        "--max-input-price",
        type=non_negative_number(float),
        default=None,
        metavar="USD",
        help="input price of at most USD per 1M tokens (missing prices never match)",
    )
    group.add_argument(
        "--max-output-price",
        type=non_negative_number(float),
        default=None,
        metavar="USD",
        help="output price of at most USD per 1M tokens (missing prices never match)",
    )
    group.add_argument(
        "--no-free",
        dest="include_free",
        action="store_const",
        const=False,
        default=None,
        help="leave out free models (every price 0 or absent)",
    )
    if sort:
        group.add_argument(
            "--sort",
            default=None,
            help="model_ratio (input price), context_length, coding, order, or a column",
        )
        group.add_argument("--order", default="asc", choices=["asc", "desc"], help="sort order")


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the catalog comes from: network through the cache, or the bundled snapshot."""
    parser.add_argument("--offline", action="store_true", help="use the bundled snapshot only")
    parser.add_argument(
        "--base-url", default=None, help="API base URL (default $AIHUBMIX_BASE_URL or https://aihubmix.com)"
    )
    parser.add_argument(
        "--refresh",
        action="store_true",
        help="revalidate the cached catalog with the server (a 304 if unchanged)",
    )
    parser.add_argument(
        "--accept-shrink",
        action="store_true",
        help="take the server's new catalog even if it lost 30%% or more of its models or prices "
        "(by default the previous copy is kept, with a warning)",
    )


def query_from_args(args: argparse.Namespace) -> CatalogQuery:
    """The :class:`CatalogQuery` of the filter and sort arguments (names as in the Python API)."""
    values = {name: getattr(args, name, None) for name in QUERY_PARAMETERS if name not in SORT_PARAMETERS}
    sort = getattr(args, "sort", None)
    return CatalogQuery.parse(**values, sort_by=sort, sort_order=getattr(args, "order", None) if sort else None)


def load_for_cli(args: argparse.Namespace) -> pd.DataFrame:
    """The catalog the CLI works on: the live catalog (network, cache, snapshot) through
    ``load_catalog``, which sends the server's part of the query and applies the rest locally; with
    ``--offline`` the bundled snapshot, filtered and sorted locally."""
    from ..filters import apply_query
    from ..loader import load_catalog, load_snapshot

    query = query_from_args(args)
    if getattr(args, "offline", False):
        return apply_query(load_snapshot(), query)
    return load_catalog(
        query=query,
        base_url=getattr(args, "base_url", None),
        refresh=getattr(args, "refresh", False),
        accept_shrink=getattr(args, "accept_shrink", False),
    )


def describe_source(frame: pd.DataFrame) -> str:
    provenance = frame.attrs.get(schema.ATTRS_KEY, {})
    source = provenance.get("source") or "unknown"
    if source == "snapshot":
        where = f"bundled snapshot of {provenance.get('snapshot_date')}"
    else:
        label = {
            "network": "network",
            "cache": "HTTP cache",
            "revalidated": "HTTP cache, revalidated by the server",
            "stale": "stale HTTP cache (the server did not answer properly)",
        }.get(source, source)
        where = f"{label} ({provenance.get('url') or '?'}, fetched {provenance.get('fetched_at')})"
    return escape_controls(f"{len(frame)} models from the {where}; prices in {schema.PRICE_UNIT}")


def flat_text(frame: pd.DataFrame, *, csv: bool = False) -> pd.DataFrame:
    """List columns joined with ',' and tiers as JSON, for text output; control characters in
    every text cell and column name escaped (:func:`escape_controls`; ``csv=True`` keeps tab and newline)."""
    flat = frame.copy()
    for column in schema.LIST_COLUMNS:
        if column in flat.columns:
            flat[column] = [",".join(v) if isinstance(v, (list, tuple)) else "" for v in flat[column]]
    for column in flat.columns:
        if flat[column].dtype == object:
            flat[column] = [
                json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for v in flat[column]
            ]
        if flat[column].dtype == object or isinstance(flat[column].dtype, pd.StringDtype):
            flat[column] = flat[column].map(lambda v: escape_controls(v, csv=csv) if isinstance(v, str) else v)
    flat.columns = [escape_controls(c, csv=csv) if isinstance(c, str) else c for c in flat.columns]
    return flat


def render_table(frame: pd.DataFrame, *, columns: dict[str, str] | None = None) -> str:
    from ..frame import placeholder_price_mask

    columns = columns or TABLE_COLUMNS
    table = flat_text(frame[list(columns)])
    for column in ("context_length", "max_output"):
        if column in table.columns:
            table[column] = [f"{v:,}" if not pd.isna(v) else "-" for v in table[column]]
    for column in schema.PRICE_COLUMNS:
        if column in table.columns:
            table[column] = [f"{v:.4g}" if not pd.isna(v) else "-" for v in table[column]]
    table = table.rename(columns=columns)
    placeholder = (
        placeholder_price_mask(frame)
        if {"types", *schema.PRICE_COLUMNS[:2]} <= set(frame.columns)
        else np.zeros(len(frame), dtype=bool)
    )
    if placeholder.any():
        table["note"] = ["placeholder price" if p else "" for p in placeholder]
    if table.empty:
        return "(no models match)"
    return table.to_string(index=False, max_colwidth=48)


def write_frame(frame: pd.DataFrame, fmt: str, out: IO[str], *, columns: dict[str, str] | None = None) -> None:
    """``frame`` to ``out`` as a table, CSV or JSON; a failed write names standard output."""
    try:
        _write(frame, fmt, out, columns=columns)
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OSError(f"cannot write to standard output: {reason(exc)}") from None


def reason(exc: OSError) -> str:
    """The plain reason of an OS error ("No space left on device"), without errno or file names.

    >>> reason(OSError(28, "Error writing bytes to file. Detail: [errno 28] No space left on device"))
    'No space left on device'
    """
    import os

    return os.strerror(exc.errno) if exc.errno else str(exc)


def _write(frame: pd.DataFrame, fmt: str, out: IO[str], *, columns: dict[str, str] | None = None) -> None:
    if fmt == "table":
        out.write(render_table(frame, columns=columns) + "\n")
    elif fmt == "plain":  # every column, as text
        out.write(flat_text(frame).to_string(index=False, max_colwidth=48) + "\n")
    elif fmt == "csv":
        flat_text(frame, csv=True).to_csv(out, index=False)
    else:
        records = json.loads(frame.to_json(orient="records", force_ascii=False))
        out.write(json_text(records) + "\n")
