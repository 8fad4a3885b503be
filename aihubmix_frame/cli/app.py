"""The ``aihubmix-frame app`` command: the catalog explorer notebook served by Voilà on 127.0.0.1."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..apps import CATALOG_ENV, app_notebook
from .output import server_port

__all__ = ["add_app_parser", "cmd_app", "voila_argv"]


def add_app_parser(commands: Any) -> None:
    """Register ``app`` on the ``aihubmix-frame`` subcommands."""
    app = commands.add_parser(
        "app",
        help="serve the model picker, cost explorer and price map as a web page (Voilà)",
        description="Serve the catalog explorer (aihubmix_frame/apps/app.ipynb) with Voilà on 127.0.0.1. "
        "Needs the app extra: pip install 'aihubmix-frame[app]'.",
    )
    app.add_argument("--port", type=server_port, default=8866, help="port on 127.0.0.1, 1 to 65535 (default 8866)")
    app.add_argument(
        "--offline",
        action="store_true",
        help="use the bundled snapshot (default: the live catalog, with its cache and fallbacks)",
    )
    app.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    app.add_argument(
        "--token",
        action="store_true",
        help="require a token to open the page and start kernels (for shared machines): $JUPYTER_TOKEN or "
        "$JUPYTER_TOKEN_FILE if set, else a random one, shown in the URL printed at start",
    )
    app.set_defaults(handler=cmd_app)


def voila_argv(args: argparse.Namespace) -> list[str]:
    """Voilà's command line for these arguments: loopback only, no tracebacks shown to the page.

    ``--token`` turns on Voilà's token check (Jupyter Server's identity provider reads
    ``$JUPYTER_TOKEN`` / ``$JUPYTER_TOKEN_FILE``, else makes a random token); the token itself is
    never put on the command line, where any local user could read it (``ps``).
    """
    argv = [str(app_notebook()), f"--port={args.port}", "--Voila.ip=127.0.0.1", "--show_tracebacks=False"]
    if args.no_browser:
        argv.append("--no-browser")
    if getattr(args, "token", False):
        argv.append("--token")
    return argv


def cmd_app(args: argparse.Namespace) -> int:
    try:
        from voila.app import Voila  # type: ignore[import-untyped]  # Voilà ships no type hints
    except ImportError:
        print("aihubmix-frame: error: the app needs Voilà: pip install 'aihubmix-frame[app]'", file=sys.stderr)
        return 1
    # The kernel Voilà starts inherits this process's environment: it tells the notebook which catalog to load.
    os.environ[CATALOG_ENV] = "snapshot" if args.offline else "live"
    Voila.launch_instance(argv=voila_argv(args))
    return 0
