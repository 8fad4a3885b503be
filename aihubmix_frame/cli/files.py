"""Commands on files: ``export``, ``diff`` and ``history`` (the rules live in aihubmix_frame.store)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import IO

import pandas as pd

from .. import schema
from .output import describe_source, json_text, load_for_cli, reason, write_frame

__all__ = ["cmd_export", "cmd_diff", "cmd_history", "RECORD_FAILED", "RECORD_UNCHANGED"]

#: ``history --record`` exit statuses when nothing was recorded (0: a snapshot was recorded): the
#: API could not be reached (the bundled snapshot came back), or the catalog had not changed.
RECORD_FAILED = 1
RECORD_UNCHANGED = 3


# --- export, diff, history (the rules are in aihubmix_frame.store) -------------------------------


def _plain_errors(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Missing files and unknown snapshots become one-line CLI errors, not tracebacks."""
    import functools

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (FileNotFoundError, NotADirectoryError, LookupError) as exc:
            single = len(exc.args) == 1 and isinstance(exc.args[0], str)  # KeyError's str() adds quotes
            raise ValueError(exc.args[0] if single else str(exc)) from None

    return run


@_plain_errors
def cmd_export(args: argparse.Namespace) -> int:
    from ..store.formats import catalog_file_format, write_catalog_file

    catalog_file_format(args.file, writing=True)  # a bad name fails before anything is fetched
    if os.path.isdir(args.file):
        raise IsADirectoryError(
            f"cannot write {args.file!r}: it is a folder; pass a file name such as "
            f"{os.path.join(args.file, 'catalog.parquet')!r}"
        )
    folder = os.path.dirname(args.file) or "."
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"the folder {folder!r} does not exist; create it first")
    selected = load_for_cli(args)
    try:
        path = write_catalog_file(selected, args.file)
    except OSError as exc:  # a full disk, a read-only or special file system
        raise OSError(f"cannot write {args.file!r}: {reason(exc)}") from None
    print(f"wrote {path}: {describe_source(selected)}", file=sys.stderr)
    return 0


def _write_changes(frame: pd.DataFrame, fmt: str, out: IO[str]) -> None:
    import json

    if fmt == "json":
        out.write(json_text(json.loads(frame.to_json(orient="records", force_ascii=False, date_format="iso"))) + "\n")
    elif fmt == "table" and frame.empty:
        out.write("(nothing to show)\n")
    elif fmt == "table":
        write_frame(frame, "plain", out)
    else:
        write_frame(frame, fmt, out)


@_plain_errors
def cmd_diff(args: argparse.Namespace) -> int:
    from ..store.diff import diff_catalogs, diff_counts
    from ..store.formats import read_catalog_file

    old, new = read_catalog_file(args.old), read_catalog_file(args.new)
    changes = diff_catalogs(old, new)
    _write_changes(changes, args.format, sys.stdout)
    counts = diff_counts(changes)
    print(
        f"{len(old)} -> {len(new)} models: {counts['added']} added, {counts['removed']} removed, "
        f"{counts['changed']} changed ({counts['field_changes']} field changes); prices in "
        f"{schema.PRICE_UNIT}",
        file=sys.stderr,
    )
    return 0


@_plain_errors
def cmd_history(args: argparse.Namespace) -> int:
    from ..store.history import CatalogHistory
    from ..store.provenance import is_api_fetch

    history = CatalogHistory(args.folder, create=args.record)
    status = 0
    if args.record:
        frame = load_for_cli(args)
        if not is_api_fetch(frame) and not args.offline:
            # the network path fell back to the bundled snapshot: that is not a new price observation
            print(
                "aihubmix-frame: error: the catalog came from the bundled snapshot, not the API; nothing "
                "recorded (pass --offline to record the snapshot itself)",
                file=sys.stderr,
            )
            status = RECORD_FAILED
        else:
            try:
                path = history.record(frame)
            except OSError as exc:
                raise OSError(
                    f"cannot record in the history folder {args.folder!r}: {reason(exc) if exc.errno else exc}"
                ) from None
            print(
                f"recorded {path}" if path else "unchanged since the last snapshot; nothing recorded",
                file=sys.stderr,
            )
            status = 0 if path else RECORD_UNCHANGED
    table = history.price_history(args.model_id) if args.model_id is not None else history.summary()
    _write_changes(table, args.format, sys.stdout)
    print(f"{len(history)} snapshots in {args.folder}; prices in {schema.PRICE_UNIT}", file=sys.stderr)
    return status
