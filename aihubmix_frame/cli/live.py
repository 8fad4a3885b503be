"""Commands for the live catalog: ``serve`` (a loopback CatalogServer) and ``cache`` (info, clear)."""

from __future__ import annotations

import argparse
import json

__all__ = ["cmd_serve", "cmd_cache"]


def cmd_serve(args: argparse.Namespace) -> int:
    """Run a CatalogServer until Ctrl-C."""
    import time

    from ..testing import CatalogServer

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
    print(
        f"serving {len(server.records)} models at {server.url}/api/v1/models "
        f"(legacy {server.url}/v1/models); pass --base-url {server.url} or set "
        f"AIHUBMIX_BASE_URL={server.url}. Ctrl-C stops.",
        flush=True,
    )
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
    from pathlib import Path

    from ..http.maintenance import cache_info, clear_cache

    folder = Path(cache_info(cache_dir=args.cache_dir)["path"]).parent
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(
            f"the cache folder {str(folder)!r} is a file; pass --cache-dir FOLDER or set AIHUBMIX_CACHE_DIR to a folder"
        )
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
