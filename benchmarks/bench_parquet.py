"""Parquet round trip of a 1,000,000-row price-history frame, as ratios against CSV.

The history frame is the bundled snapshot replicated with one ``snapshot_at`` per copy (what
``CatalogHistory.load()`` returns after ~1,250 recorded fetches). Both formats go through this
package: ``df.aihub.to_parquet`` + ``ahf.read_parquet`` against ``df.aihub.to_csv`` +
``ahf.store.read_history_csv`` (the CSV reader plus the history's ``snapshot_at`` times). Best of
``--rounds`` alternating rounds; exits non-zero when a target is missed.

    python benchmarks/bench_parquet.py [--rows 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aihubmix_frame as ahf

#: Targets: the lossless Parquet round trip must be at least this many times faster than the CSV
#: one, and its file at most this fraction of the CSV file's size.
MIN_SPEEDUP = 3.0
MAX_SIZE_RATIO = 0.10


def history_frame(rows: int) -> pd.DataFrame:
    snapshot = ahf.load_snapshot()
    copies = -(-rows // len(snapshot))
    stacked = pd.concat([snapshot] * copies, ignore_index=True).iloc[:rows]
    start = pd.Timestamp("2026-07-02T04:09:00Z")
    times = pd.date_range(start, periods=copies, freq="6h").as_unit("us")
    stacked.insert(0, "snapshot_at", times.repeat(len(snapshot))[:rows])
    stacked = stacked.reset_index(drop=True)
    stacked.attrs = {"aihubmix": {"source": "history", "snapshots": copies}}
    return stacked


def timed(step) -> tuple[float, object]:
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    frame = history_frame(args.rows)
    folder = Path(tempfile.mkdtemp(prefix="bench_parquet_"))
    parquet_path, csv_path = folder / "history.parquet", folder / "history.csv"
    best = {
        "parquet_write": float("inf"),
        "parquet_read": float("inf"),
        "csv_write": float("inf"),
        "csv_read": float("inf"),
    }
    try:
        for _ in range(args.rounds):
            seconds, _ = timed(lambda: frame.aihub.to_parquet(parquet_path))
            best["parquet_write"] = min(best["parquet_write"], seconds)
            seconds, back = timed(lambda: ahf.read_parquet(parquet_path))
            best["parquet_read"] = min(best["parquet_read"], seconds)
            pd.testing.assert_frame_equal(back, frame, check_exact=True)  # lossless, every round
            assert back.attrs == frame.attrs
            del back
            seconds, _ = timed(lambda: frame.aihub.to_csv(csv_path))
            best["csv_write"] = min(best["csv_write"], seconds)
            seconds, from_csv = timed(lambda: ahf.store.read_history_csv(csv_path))
            best["csv_read"] = min(best["csv_read"], seconds)
            del from_csv
        parquet_bytes, csv_bytes = parquet_path.stat().st_size, csv_path.stat().st_size
    finally:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()

    parquet_total = best["parquet_write"] + best["parquet_read"]
    csv_total = best["csv_write"] + best["csv_read"]
    speedup = csv_total / parquet_total
    size_ratio = parquet_bytes / csv_bytes
    print(f"history frame: {len(frame):,} rows x {frame.shape[1]} columns, best of {args.rounds} rounds")
    print(f"write  Parquet/CSV time ratio: {best['parquet_write'] / best['csv_write']:.3f}")
    print(f"read   Parquet/CSV time ratio: {best['parquet_read'] / best['csv_read']:.3f}")
    print(f"round trip: Parquet is {speedup:.1f}x faster than CSV (target >= {MIN_SPEEDUP}x)")
    print(
        f"file size Parquet/CSV: {size_ratio:.4f} ({parquet_bytes / 1e6:.1f} MB vs {csv_bytes / 1e6:.1f} MB;"
        f" target <= {MAX_SIZE_RATIO})"
    )
    missed = []
    if speedup < MIN_SPEEDUP:
        missed.append(f"round-trip speedup {speedup:.2f} < {MIN_SPEEDUP}")
    if size_ratio > MAX_SIZE_RATIO:
        missed.append(f"size ratio {size_ratio:.4f} > {MAX_SIZE_RATIO}")
    if missed:
        print("MISSED: " + "; ".join(missed))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
