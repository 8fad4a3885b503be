"""Commands on files: ``export``, ``diff`` and ``history`` (the rules live in aihubmix_frame.store)."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from .. import schema
from .output import describe_source, flat_text, load_for_cli

__all__ = ["cmd_export", "cmd_diff", "cmd_history"]


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
    from ..store.formats import catalog_file_format, write_catalog_file

    catalog_file_format(args.file, writing=True)  # a bad name fails before anything is fetched
    selected = load_for_cli(args)
    path = write_catalog_file(selected, args.file)
    print(f"wrote {path}: {describe_source(selected)}", file=sys.stderr)
    return 0


def _write_changes(frame: pd.DataFrame, fmt: str, out) -> None:
    if fmt == "json":
        out.write(frame.to_json(orient="records", force_ascii=False, date_format="iso", indent=1) + "\n")
    elif fmt == "csv":
        flat_text(frame).to_csv(out, index=False)
    elif frame.empty:
        out.write("(nothing to show)\n")
    else:
        out.write(flat_text(frame).to_string(index=False, max_colwidth=48) + "\n")


@_plain_errors
def cmd_diff(args: argparse.Namespace) -> int:
    from ..store.diff import diff_catalogs, diff_counts
    from ..store.formats import read_catalog_file

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
    from ..store.history import CatalogHistory, is_api_fetch

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


