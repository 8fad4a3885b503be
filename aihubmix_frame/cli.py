"""The ``aihubmix-frame`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import pandas as pd

from . import schema
from ._version import __version__
from .errors import AihubmixError
from .query import QUERY_PARAMETERS, SORT_PARAMETERS, CatalogQuery

__all__ = ["main", "build_parser"]

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


def add_filter_arguments(parser: argparse.ArgumentParser, *, sort: bool = True) -> None:
    """The catalog filters, shared by every command that selects models (``sort=False``: no --sort)."""
    group = parser.add_argument_group("filters (all combined with AND, as the server does)")
    group.add_argument("--type", help="model type, e.g. llm, image_generation (legacy t2t etc. accepted)")
    group.add_argument("--modalities", help="comma list of input modalities, all required, e.g. text,image")
    group.add_argument("--features", help="comma list of features, all required, e.g. thinking,tools")
    group.add_argument("--model", help="case-insensitive substring of the model id")
    group.add_argument("--min-context", type=int, default=None, metavar="TOKENS",
                       help="context window of at least TOKENS (unknown windows never match)")
    group.add_argument("--min-output", type=int, default=None, metavar="TOKENS",
                       help="max output of at least TOKENS (unknown limits never match)")
    group.add_argument("--max-input-price", type=float, default=None, metavar="USD",
                       help="input price of at most USD per 1M tokens (missing prices never match)")
    group.add_argument("--max-output-price", type=float, default=None, metavar="USD",
                       help="output price of at most USD per 1M tokens (missing prices never match)")
    if sort:
        group.add_argument("--sort", default=None,
                           help="model_ratio (input price), context_length, coding, order, or a column")
        group.add_argument("--order", default="asc", choices=["asc", "desc"], help="sort order")


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the catalog comes from: network through the cache, or the bundled snapshot."""
    parser.add_argument("--offline", action="store_true", help="use the bundled snapshot only")
    parser.add_argument("--base-url", default=None,
                        help="API base URL (default $AIHUBMIX_BASE_URL or https://aihubmix.com)")
    parser.add_argument("--refresh", action="store_true",
                        help="revalidate the cached catalog with the server (a 304 if unchanged)")


def query_from_args(args: argparse.Namespace) -> CatalogQuery:
    """The :class:`CatalogQuery` of the filter and sort arguments (names as in the Python API)."""
    values = {name: getattr(args, name, None) for name in QUERY_PARAMETERS if name not in SORT_PARAMETERS}
    sort = getattr(args, "sort", None)
    return CatalogQuery.parse(**values, sort_by=sort, sort_order=getattr(args, "order", None) if sort else None)


def load_for_cli(args: argparse.Namespace) -> pd.DataFrame:
    """The catalog the CLI works on: the live catalog (network, cache, snapshot) through
    ``load_catalog``, which sends the server's part of the query and applies the rest locally; with
    ``--offline`` the bundled snapshot, filtered and sorted locally."""
    from .loader import load_catalog, load_snapshot

    query = query_from_args(args)
    if getattr(args, "offline", False):
        return query.apply(load_snapshot())
    return load_catalog(query=query, base_url=getattr(args, "base_url", None),
                        refresh=getattr(args, "refresh", False))


def describe_source(frame: pd.DataFrame) -> str:
    provenance = frame.attrs.get(schema.ATTRS_KEY, {})
    source = provenance.get("source") or "unknown"
    if source == "snapshot":
        where = f"bundled snapshot of {provenance.get('snapshot_date')}"
    else:
        label = {"network": "network", "cache": "HTTP cache",
                 "revalidated": "HTTP cache, revalidated by the server",
                 "stale": "stale HTTP cache (the server did not answer properly)"}.get(source, source)
        where = f"{label} ({provenance.get('url') or '?'}, fetched {provenance.get('fetched_at')})"
    return f"{len(frame)} models from the {where}; prices in {schema.PRICE_UNIT}"


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """List columns joined with ',' and tiers as JSON, for text output."""
    flat = frame.copy()
    for column in schema.LIST_COLUMNS:
        if column in flat.columns:
            flat[column] = [",".join(v) if isinstance(v, (list, tuple)) else "" for v in flat[column]]
    for column in flat.columns:
        if flat[column].dtype == object:
            flat[column] = [json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                            for v in flat[column]]
    return flat


def render_table(frame: pd.DataFrame, *, columns: dict[str, str] | None = None) -> str:
    from .frame import placeholder_price_mask

    columns = columns or TABLE_COLUMNS
    table = _flat(frame)[list(columns)]
    for column in ("context_length", "max_output"):
        table[column] = [f"{v:,}" if not pd.isna(v) else "-" for v in table[column]]
    for column in schema.PRICE_COLUMNS:
        table[column] = [f"{v:.4g}" if not pd.isna(v) else "-" for v in table[column]]
    table = table.rename(columns=columns)
    placeholder = placeholder_price_mask(frame)
    if placeholder.any():
        table["note"] = ["placeholder price" if p else "" for p in placeholder]
    if table.empty:
        return "(no models match)"
    return table.to_string(index=False, max_colwidth=48)


def _write(frame: pd.DataFrame, fmt: str, out, *, columns: dict[str, str] | None = None) -> None:
    if fmt == "table":
        out.write(render_table(frame, columns=columns) + "\n")
    elif fmt == "csv":
        _flat(frame).to_csv(out, index=False)
    else:
        records = json.loads(frame.to_json(orient="records", force_ascii=False))
        json.dump(records, out, ensure_ascii=False, indent=1)
        out.write("\n")


def cmd_models(args: argparse.Namespace) -> int:
    selected = load_for_cli(args)
    shown = selected.head(args.limit) if args.limit is not None and args.limit >= 0 else selected
    _write(shown, args.format, sys.stdout)
    count = f"showing {len(shown)} of {len(selected)}" if len(shown) < len(selected) else "showing all"
    print(f"{describe_source(selected)} ({count})", file=sys.stderr)
    return 0


# --- search -----------------------------------------------------------------------------


def cmd_search(args: argparse.Namespace) -> int:
    candidates = load_for_cli(args)
    hits = candidates.aihub.search(args.text, limit=args.limit)
    columns = {"score": "score", **TABLE_COLUMNS} if args.format == "table" else None
    if args.format == "table":
        hits = hits.assign(score=[f"{s:.1f}" for s in hits["score"]])
    _write(hits, args.format, sys.stdout, columns=columns)
    print(f"{len(hits)} best matches for {args.text!r} among {describe_source(candidates)}",
          file=sys.stderr)
    return 0


def add_search_parser(commands) -> None:
    search = commands.add_parser(
        "search", help="fuzzy search over model ids, names and descriptions, best first",
        description="Ranked fuzzy search: case, separators and small typos are forgiven "
                    "(gpt5 finds gpt-5, sonet finds the sonnets).",
    )
    search.add_argument("text", help="what to look for, e.g. 'claude opus' or gpt5")
    search.add_argument("--limit", type=int, default=10, help="show at most N matches (default 10)")
    add_filter_arguments(search, sort=False)
    search.add_argument("--format", choices=["table", "csv", "json"], default="table")
    add_source_arguments(search)
    search.set_defaults(handler=cmd_search)


def cmd_serve(args: argparse.Namespace) -> int:
    """Run a CatalogServer until Ctrl-C."""
    import time

    from .testing import CatalogServer

    payload = None
    if args.payload:
        try:
            with open(args.payload, encoding="utf-8") as handle:
                payload = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read --payload {args.payload!r}: {exc}") from None
    server = CatalogServer(payload, max_age=args.max_age, port=args.port)
    try:
        server.start()
    except OSError as exc:
        raise ValueError(f"cannot listen on 127.0.0.1:{args.port} ({exc}); try --port 0") from None
    print(f"serving {len(server.records)} models at {server.url}/api/v1/models "
          f"(legacy {server.url}/v1/models); pass --base-url {server.url} or set "
          f"AIHUBMIX_BASE_URL={server.url}. Ctrl-C stops.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    """``cache info`` / ``cache clear``."""
    from .http.maintenance import cache_info, clear_cache

    if args.action == "clear":
        removed = clear_cache(cache_dir=args.cache_dir)
        print(f"removed {removed} cached response(s) from {cache_info(cache_dir=args.cache_dir)['path']}")
        return 0
    info = cache_info(cache_dir=args.cache_dir)
    print(f"path: {info['path']}")
    print(f"size: {info['size_bytes']:,} bytes" + ("" if info["exists"] else " (no cache yet)"))
    print(f"responses: {info['responses']}")
    print(f"newest fetch: {info['newest_fetch'] or '-'}")
    if info.get("problem"):
        print(f"problem: {info['problem']} (run `aihubmix-frame cache clear` to start a new cache)")
    return 0


# --- export, diff, history (export.py, diff.py, history.py) -------------------------------------


def _plain_errors(command):
    """Missing files and unknown snapshots become one-line CLI errors, not tracebacks."""
    import functools

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (FileNotFoundError, NotADirectoryError, LookupError) as exc:
            raise ValueError(str(exc).strip("'\"")) from None

    return run


@_plain_errors
def cmd_export(args: argparse.Namespace) -> int:
    from .store.formats import catalog_file_format, write_catalog_file

    catalog_file_format(args.file, writing=True)  # a bad name fails before anything is fetched
    selected = load_for_cli(args)
    path = write_catalog_file(selected, args.file)
    print(f"wrote {path}: {describe_source(selected)}", file=sys.stderr)
    return 0


def _write_changes(frame: pd.DataFrame, fmt: str, out) -> None:
    if fmt == "json":
        out.write(frame.to_json(orient="records", force_ascii=False, date_format="iso", indent=1) + "\n")
    elif fmt == "csv":
        _flat(frame).to_csv(out, index=False)
    elif frame.empty:
        out.write("(nothing to show)\n")
    else:
        out.write(_flat(frame).to_string(index=False, max_colwidth=48) + "\n")


@_plain_errors
def cmd_diff(args: argparse.Namespace) -> int:
    from .store.diff import diff_catalogs, diff_counts
    from .store.formats import read_catalog_file

    old, new = read_catalog_file(args.old), read_catalog_file(args.new)
    changes = diff_catalogs(old, new)
    _write_changes(changes, args.format, sys.stdout)
    counts = diff_counts(changes)
    print(f"{len(old)} -> {len(new)} models: {counts['added']} added, {counts['removed']} removed, "
          f"{counts['changed']} changed ({counts['field_changes']} field changes); prices in "
          f"{schema.PRICE_UNIT}", file=sys.stderr)
    return 0


@_plain_errors
def cmd_history(args: argparse.Namespace) -> int:
    from .store.history import CatalogHistory, is_api_fetch

    history = CatalogHistory(args.folder, create=args.record)
    if args.record:
        frame = load_for_cli(args)
        if not is_api_fetch(frame) and not args.offline:
            # the network path fell back to the bundled snapshot: that is not a new price observation
            print("the catalog came from the bundled snapshot, not the API; nothing recorded "
                  "(pass --offline to record the snapshot itself)", file=sys.stderr)
        else:
            path = history.record(frame)
            print(f"recorded {path}" if path else "unchanged since the last snapshot; nothing recorded",
                  file=sys.stderr)
    table = history.price_history(args.model_id) if args.model_id is not None else history.summary()
    _write_changes(table, args.format, sys.stdout)
    print(f"{len(history)} snapshots in {args.folder}; prices in {schema.PRICE_UNIT}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aihubmix-frame",
        description="Explore the AIHubMix model catalog (prices in USD per 1M tokens).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    models = commands.add_parser("models", help="list models as a table, CSV or JSON")
    add_filter_arguments(models)
    models.add_argument("--limit", type=int, default=None, help="show at most N models")
    models.add_argument("--format", choices=["table", "csv", "json"], default="table")
    add_source_arguments(models)
    models.set_defaults(handler=cmd_models)
    add_search_parser(commands)

    # --- live catalog: serve, cache ---
    serve = commands.add_parser("serve", help="serve the catalog API on 127.0.0.1 (demos, notebooks)")
    serve.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0 = any free port)")
    serve.add_argument("--payload", default=None,
                       help="JSON file with the catalog envelope to serve (default: the bundled snapshot)")
    serve.add_argument("--max-age", type=int, default=300, help="Cache-Control max-age in seconds")
    serve.set_defaults(handler=cmd_serve)
    cache = commands.add_parser("cache", help="inspect or clear the HTTP cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("--cache-dir", default=None, help="cache directory (default $AIHUBMIX_CACHE_DIR)")
    cache.set_defaults(handler=cmd_cache)

    # --- export, diff, history -------------------------------------------------------------------
    export = commands.add_parser("export", help="write the (filtered) catalog to FILE.parquet or FILE.csv")
    export.add_argument("file", metavar="FILE", help="FILE.parquet (lossless) or FILE.csv")
    add_filter_arguments(export)
    add_source_arguments(export)
    export.set_defaults(handler=cmd_export)

    diff = commands.add_parser("diff", help="what changed between two catalog files (.parquet, .csv, .json)")
    diff.add_argument("old", metavar="OLD")
    diff.add_argument("new", metavar="NEW")
    diff.add_argument("--format", choices=["table", "csv", "json"], default="table")
    diff.set_defaults(handler=cmd_diff)

    history = commands.add_parser("history", help="a local price history: snapshots, or one model's prices")
    history.add_argument("folder", metavar="FOLDER")
    history.add_argument("--model", metavar="ID", dest="model_id",
                         help="price history of this exact (case-sensitive) model id")
    history.add_argument("--record", action="store_true",
                         help="first record the current catalog (if it changed since the last snapshot)")
    add_source_arguments(history)
    history.add_argument("--format", choices=["table", "csv", "json"], default="table")
    history.set_defaults(handler=cmd_history, type=None, modalities=None, features=None, model=None,
                         sort=None, order="asc")
    return parser


def _print_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line on stderr (the package's warnings are meant for the user, not a trace)."""
    print(f"aihubmix-frame: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Bad input (ValueError) exits 2, a failure of the network, the API or the
    file system exits 1, each as one line; anything else is a bug and shows its traceback."""
    import warnings

    parser = build_parser()
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _print_warning
        try:
            return args.handler(args)
        except BrokenPipeError:  # e.g. piped into `head`
            return 0
        except ValueError as exc:
            print(f"aihubmix-frame: error: {exc}", file=sys.stderr)
            return 2
        except (AihubmixError, OSError) as exc:
            print(f"aihubmix-frame: error: {exc}", file=sys.stderr)
            return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
