"""Commands that show the catalog: ``models`` and ``search``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .output import (
    TABLE_COLUMNS,
    add_filter_arguments,
    add_source_arguments,
    count_number,
    describe_source,
    load_for_cli,
    write_frame,
)

__all__ = ["cmd_models", "cmd_search", "add_search_parser", "cmd_quality", "add_quality_parser"]


def cmd_models(args: argparse.Namespace) -> int:
    selected = load_for_cli(args)
    shown = selected.head(args.limit) if args.limit is not None else selected
    write_frame(shown, args.format, sys.stdout)
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
    write_frame(hits, args.format, sys.stdout, columns=columns)
    print(f"{len(hits)} best matches for {args.text!r} among {describe_source(candidates)}", file=sys.stderr)
    return 0


def add_search_parser(commands: Any) -> None:
    search = commands.add_parser(
        "search",
        help="fuzzy search over model ids, names and descriptions, best first",
        description="Ranked fuzzy search: case, separators and small typos are forgiven "
        "(gpt5 finds gpt-5, sonet finds the sonnets).",
    )
    search.add_argument("text", help="what to look for, e.g. 'claude opus' or gpt5")
    search.add_argument("--limit", type=count_number, default=10, help="show at most N matches (default 10)")
    add_filter_arguments(search, sort=False)
    search.add_argument("--format", choices=["table", "csv", "json"], default="table")
    add_source_arguments(search)
    search.set_defaults(handler=cmd_search)


# --- quality -------------------------------------------------------------------------------


def cmd_quality(args: argparse.Namespace) -> int:
    """Findings about the catalog's known traps (``ahf.quality_report``), one row per finding."""
    from ..quality import quality_report

    catalog = load_for_cli(args)
    found = quality_report(catalog, severity=args.severity, checks=args.check)
    if args.summary:
        counts = found.groupby(["check", "severity"], sort=False).size().rename("models").reset_index()
        write_frame(
            counts,
            args.format,
            sys.stdout,
            columns={"check": "check", "severity": "severity", "models": "models"},
        )
    else:
        write_frame(found, args.format, sys.stdout, columns={c: c for c in found.columns})
    print(f"{len(found)} findings among {describe_source(catalog)}", file=sys.stderr)
    return 0


def add_quality_parser(commands: Any) -> None:
    from ..quality import CHECKS, SEVERITIES

    quality = commands.add_parser(
        "quality",
        help="check the catalog for known traps (placeholder prices, case twins, ...)",
        description="One row per finding: model_id, check, severity, detail. Checks: " + ", ".join(CHECKS),
    )
    quality.add_argument("--severity", action="append", choices=SEVERITIES, help="keep only this severity (repeatable)")
    quality.add_argument(
        "--check",
        action="append",
        choices=list(CHECKS),
        metavar="CHECK",
        help="keep only this check (repeatable); see the description for the names",
    )
    quality.add_argument("--summary", action="store_true", help="count findings per check instead")
    quality.add_argument("--format", choices=["table", "csv", "json"], default="table")
    add_filter_arguments(quality)
    add_source_arguments(quality)
    quality.set_defaults(handler=cmd_quality)
