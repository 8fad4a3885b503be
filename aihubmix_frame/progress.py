"""Progress on long work: a ``tqdm.auto`` bar for one long read or pricing run, dask's own progress for dask.

A bar is shown only where someone watches: a terminal (stderr is a TTY) or a Jupyter kernel, and
never under CI (``CI`` set in the environment, as GitHub Actions, GitLab CI and most others do)
nor inside a pytest test. ``progress=True`` forces a bar, ``False`` turns it off, ``None``
decides by those rules. Imports nothing from the package; tqdm and dask are imported when used.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["watching", "wanted", "progress_bar", "NullBar"]


def watching() -> bool:
    """True when a person is likely watching: a Jupyter kernel, or a terminal; never under CI.

    >>> import os
    >>> os.environ.get("CI") is None or watching() is False
    True
    """
    if os.environ.get("CI") or os.environ.get("PYTEST_CURRENT_TEST"):
        return False
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def wanted(progress: bool | None) -> bool:
    """``progress`` as given, or (``None``) whether someone is :func:`watching`."""
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"progress must be True, False or None (automatic), got {progress!r}")
    return watching() if progress is None else progress


class NullBar:
    """The bar when none is shown: ``update`` does nothing."""

    def update(self, n: int = 1) -> None:
        """Nothing to draw."""


@contextmanager
def progress_bar(
    total: int, progress: bool | None, *, desc: str, unit: str = "it", scale: bool = False
) -> Iterator[Any]:
    """A ``tqdm.auto`` bar of ``total`` steps when :func:`wanted`, else a :class:`NullBar`.

    ``tqdm.auto`` draws a widget in a notebook and text in a terminal. ``scale=True`` shows bytes
    as KB, MB, ... (``unit="B"``).
    """
    if not wanted(progress):
        yield NullBar()
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=desc, unit=unit, unit_scale=scale, unit_divisor=1024 if scale else 1000) as bar:
        yield bar
