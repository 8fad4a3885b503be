"""Reading a chain of snapshots: the catalog as known after each one, and its changes against the one before."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from .diff import apply_subset, diff_catalogs
from .snapshots import SnapshotFile, read_snapshot

__all__ = ["readable", "walk", "walk_to_end", "state_after"]


def readable(chain: list[SnapshotFile]) -> Iterator[tuple[SnapshotFile, pd.DataFrame]]:
    """Each snapshot of ``chain`` that can be read, with its frame (the others warn and are skipped)."""
    for snapshot in chain:
        frame = read_snapshot(snapshot)
        if frame is not None:
            yield snapshot, frame


def walk(
    chain: list[SnapshotFile],
    state: pd.DataFrame | None = None,
    complete: bool = False,
    *,
    compare: bool = True,
) -> Iterator[tuple[SnapshotFile, pd.DataFrame, pd.DataFrame | None, pd.DataFrame, bool]]:
    """Each snapshot of ``chain`` with its changes against the catalog as known before it.

    Yields (snapshot, its frame, changes or None, catalog known after it, whether that is complete).
    A full snapshot replaces what is known; a subset only updates the models it holds.
    """
    for snapshot, frame in readable(chain):
        changes = None
        if compare and state is not None:
            changes = diff_catalogs(state, frame, old_complete=complete, new_complete=not snapshot.subset)
        if state is None or not snapshot.subset:
            state, complete = frame, not snapshot.subset
        else:
            state = apply_subset(state, frame)
        yield snapshot, frame, changes, state, complete


def walk_to_end(
    chain: list[SnapshotFile], state: pd.DataFrame | None, complete: bool
) -> tuple[pd.DataFrame | None, bool]:
    """The catalog known after the whole of ``chain`` (and whether it is complete), no diffs made."""
    for _, _, _, state, complete in walk(chain, state, complete, compare=False):  # noqa: B007, B020
        pass  # only the last step's state is wanted
    return state, complete


def state_after(snapshots: list[SnapshotFile]) -> tuple[pd.DataFrame | None, bool, list[SnapshotFile]]:
    """The catalog as known after ``snapshots``: from the newest full one, updated by later subsets."""
    state, complete, start = None, False, 0
    for index in reversed([i for i, s in enumerate(snapshots) if not s.subset]):
        state = read_snapshot(snapshots[index])  # a damaged full snapshot: the one before it
        if state is not None:
            complete, start = True, index
            break
    chain = snapshots[start:]
    state, complete = walk_to_end(chain[1:] if complete else chain, state, complete)
    return state, complete, chain[1:]
