"""The ``aihubmix-frame`` command line: the parser and ``main``; the commands live beside it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .._version import __version__
from ..errors import AihubmixError
from .app import add_app_parser
from .catalog import add_quality_parser, add_search_parser, cmd_models
from .files import cmd_diff, cmd_export, cmd_history
from .live import cmd_cache, cmd_serve
from .output import (
    add_filter_arguments,
    add_source_arguments,
    count_number,
    escape_controls,
    non_negative_number,
    port_number,
)

__all__ = ["main", "build_parser"]


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr (exit 2), like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {escape_controls(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="aihubmix-frame",
        description="Explore the AIHubMix model catalog (prices in USD per 1M tokens).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    models = commands.add_parser("models", help="list models as a table, CSV or JSON")
    add_filter_arguments(models)
    models.add_argument("--limit", type=count_number, default=None, help="show at most N models (1 or more)")
    models.add_argument("--format", choices=["table", "csv", "json"], default="table")
    add_source_arguments(models)
    models.set_defaults(handler=cmd_models)
    add_search_parser(commands)
    add_quality_parser(commands)

    # --- live catalog: serve, cache ---
    serve = commands.add_parser("serve", help="serve the catalog API on 127.0.0.1 (demos, notebooks)")
    serve.add_argument("--port", type=port_number, default=8000, help="port on 127.0.0.1 (0 = any free port)")
    serve.add_argument(
        "--payload",
        default=None,
        help="JSON file with the catalog envelope to serve (default: the bundled snapshot)",
    )
    serve.add_argument(
        "--max-age", type=non_negative_number(int), default=300, help="Cache-Control max-age in seconds (0 or more)"
    )
    serve.set_defaults(handler=cmd_serve)
    cache = commands.add_parser("cache", help="inspect or clear the HTTP cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("--cache-dir", default=None, help="cache directory (default $AIHUBMIX_CACHE_DIR)")
    cache.set_defaults(handler=cmd_cache)
    add_app_parser(commands)

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
    history.add_argument(
        "--model", metavar="ID", dest="model_id", help="price history of this exact (case-sensitive) model id"
    )
    history.add_argument(
        "--record",
        action="store_true",
        help="first record the current catalog (if it changed since the last snapshot); exit status 0 when "
        "a snapshot was recorded, 3 when the catalog was unchanged, 1 when the API could not be reached",
    )
    add_source_arguments(history)
    history.add_argument("--format", choices=["table", "csv", "json"], default="table")
    history.set_defaults(
        handler=cmd_history, type=None, modalities=None, features=None, model=None, sort=None, order="asc"
    )
    return parser


def _print_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Warnings as one line on stderr (the package's warnings are meant for the user, not a trace)."""
    print(f"aihubmix-frame: warning: {escape_controls(str(message))}", file=sys.stderr)


def _print_error(exc: BaseException) -> None:
    """One line naming what failed; server text in it cannot reach the terminal as control codes."""
    print(f"aihubmix-frame: error: {escape_controls(str(exc))}", file=sys.stderr)


def _silence_stdout() -> None:
    """After standard output failed (a full disk, a closed pipe), point it at os.devnull so the
    interpreter's final flush cannot fail again with a second message."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # pragma: no cover - stdout without a descriptor
        pass


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
            _silence_stdout()
            return 0
        except ValueError as exc:
            _print_error(exc)
            return 2
        except (AihubmixError, OSError) as exc:
            _print_error(exc)
            if isinstance(exc, OSError) and "standard output" in str(exc):
                _silence_stdout()
            return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
