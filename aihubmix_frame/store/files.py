"""Atomic file writes: a temporary file in the same folder, fsync, then rename."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write"]


def _fsync_folder(folder: Path) -> None:
    """Persist the rename itself; not every platform can open a folder (Windows cannot)."""
    flags = getattr(os, "O_DIRECTORY", None)
    if flags is None:  # pragma: no cover - Windows
        return
    try:
        fd = os.open(folder, os.O_RDONLY | flags)
    except OSError:  # pragma: no cover - e.g. a filesystem that refuses it
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike[str], write: Callable[[str], None]) -> Path:
    """Run ``write(temporary_path)``, fsync, then rename over ``path``: all or nothing.

    The temporary file sits in the same folder (so the rename is atomic), is hidden and ends in
    ``.tmp``; an interrupted write leaves the previous ``path`` intact and no ``*.parquet`` or
    ``*.csv`` behind.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "hello.txt"
    >>> atomic_write(target, lambda tmp: pathlib.Path(tmp).write_text("hi")).read_text()
    'hi'
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"the folder {str(folder)!r} does not exist; create it first")
    temporary = folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        write(str(temporary))
        fd = os.open(temporary, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return target
