"""The lock that makes writers to one history folder take turns: ``flock`` on ``FOLDER/.lock``, bounded."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["LOCK_NAME", "DEFAULT_LOCK_TIMEOUT", "history_lock"]

#: The lock file in the history folder; it is never a snapshot and never removed (removing a
#: ``flock`` file while another process waits on it would let two writers in).
LOCK_NAME = ".lock"
#: Seconds a writer waits for another one before giving up (``CatalogHistory(lock_timeout=)``).
DEFAULT_LOCK_TIMEOUT = 30.0


@contextmanager
def history_lock(folder: str | os.PathLike[str], *, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[Path]:
    """Hold the exclusive lock of ``folder`` for the ``with`` block; wait at most ``timeout`` seconds.

    The lock belongs to the open file, so it ends with the process: a crashed writer never leaves
    the folder locked. A lock file that is a symlink is refused (``O_NOFOLLOW``), not followed.
    Where ``fcntl`` does not exist (Windows) the block runs unlocked. Waiting too long raises
    :class:`TimeoutError` (an ``OSError``) naming the lock file.

    >>> import tempfile
    >>> with history_lock(tempfile.mkdtemp()) as path:
    ...     path.name
    '.lock'
    """
    path = Path(folder) / LOCK_NAME
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield path
        return
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise OSError(
            exc.errno,
            f"cannot open the history lock {str(path)!r} ({exc.strerror}); "
            "it must be a regular file: remove whatever is there",
        ) from None
    try:
        deadline = time.monotonic() + max(0.0, float(timeout))
        pause = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TimeoutError(
                        f"another process has held the history lock {str(path)!r} for more than "
                        f"{timeout:g} s; try again when it has finished recording"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.1)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock
