"""Helpers shared by the benchmark scripts: timing by best of alternating rounds, synthetic catalogs."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable


def best_of(rounds: int, *candidates: Callable[[], object]) -> list[float]:
    """Best wall time of each candidate over ``rounds`` alternating rounds (noise hits all alike)."""
    best = [float("inf")] * len(candidates)
    for _ in range(rounds):
        for i, candidate in enumerate(candidates):
            start = time.perf_counter()
            candidate()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def replicated_records(n: int) -> list[dict]:
    """The bundled snapshot's raw records replicated to ``n`` with new unique ids."""
    from aihubmix_frame.loader import snapshot_payload

    base = snapshot_payload()["data"]
    records = []
    for i in range(n):
        record = copy.copy(base[i % len(base)])
        record["model_id"] = f"{record['model_id']}-r{i}"
        records.append(record)
    return records
