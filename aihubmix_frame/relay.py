"""Warnings raised inside dask workers, relayed to the client through distributed's event log.

A warning raised in a worker process is printed in that worker's log at best. The readers that run
in workers (``read_usage`` on each file of a dask read) wrap their call in :func:`relayed`: each
warning becomes an event under :data:`TOPIC` (``Worker.log_event``), and the client, after a
computation started by this package (``summarize_cost``, ``cost_report``), raises them again
(:func:`raise_relayed`), one warning per class and message, naming the files. Without a distributed
worker (the threaded or synchronous scheduler) the warnings are raised where they happen. Pricing
does not need this: its counts travel with its results. Imports nothing from the package but errors.
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import errors

__all__ = ["TOPIC", "relayed", "mark", "raise_relayed"]

TOPIC = "aihubmix-warnings"


def _worker() -> Any:
    try:
        from distributed import get_worker
    except ImportError:
        return None
    try:
        return get_worker()
    except ValueError:
        return None


@contextmanager
def relayed(where: str) -> Iterator[None]:
    """Run the block; in a distributed worker, send its warnings to the client's event log instead."""
    worker = _worker()
    if worker is None:
        yield
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for item in caught:
        worker.log_event(TOPIC, {"category": type(item.message).__name__, "message": str(item.message), "where": where})


def _events(client: Any) -> tuple[tuple[float, Any], ...]:
    try:
        return tuple(client.get_events(TOPIC))
    except Exception:  # no such topic yet, or a scheduler that cannot say: nothing relayed
        return ()


def mark(client: Any) -> float:
    """The scheduler's time of the last relayed event (its clock: no skew with the client's)."""
    events = _events(client)
    return float(events[-1][0]) if events else float("-inf")


def raise_relayed(client: Any, after: float, *, stacklevel: int = 2) -> None:
    """Raise on the client the warnings workers relayed after :func:`mark`, once per class and message."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for stamp, event in _events(client):
        if stamp > after and isinstance(event, dict):
            grouped.setdefault((event["category"], event["message"]), []).append(str(event.get("where", "")))
    for (category, message), places in grouped.items():
        kind: Any = getattr(errors, category, None) or getattr(builtins, category, UserWarning)
        if not (isinstance(kind, type) and issubclass(kind, Warning)):
            kind = UserWarning
        files = sorted(set(places))
        shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
        warnings.warn(f"{message} (in {shown}, read by a dask worker)", kind, stacklevel=stacklevel + 1)
