"""Benchmark: price a 10,000,000-row log as of each request against 12 catalog versions.

Baseline, timed in the same process (best of three alternating rounds): ``estimate_cost`` of the
same rows against one catalog. The as-of path adds the join of rows to versions (``searchsorted``
of the timestamps on the 12 version times) and a lookup in the (version, id) grid, then runs the
same kernel on a table of 12 x 800 models. Target: at most 2x the one-catalog time (wall clock;
CPU time printed too). Prints peak memory; exits 1 on a miss.

Run from the repository root: ``python benchmarks/bench_asof.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import copy
import resource
import sys
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_cost import catalog_records, make_log, timed  # noqa: E402

import aihubmix_frame as ahf  # noqa: E402

TARGET = 2.0
VERSIONS = 12


def versions(catalog: pd.DataFrame, n: int, seed: int = 1) -> list[tuple[pd.Timestamp, pd.DataFrame]]:
    """``n`` monthly catalogs: each month a tenth of the models change their input and output prices."""
    rng = np.random.default_rng(seed)
    out, current = [], catalog
    for month in range(n):
        current = current.copy()
        changed = rng.random(len(current)) < 0.1
        for column in ("input_usd_per_1m", "output_usd_per_1m"):
            factor = np.where(changed, rng.choice([0.8, 1.25], len(current)), 1.0)
            current[column] = (current[column].astype(float) * factor).astype("Float64")
        current.attrs = copy.deepcopy(catalog.attrs)
        out.append((pd.Timestamp("2026-01-01", tz="UTC") + pd.DateOffset(months=month), current))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ahf.AihubmixWarning)
        catalog = ahf.catalog_to_frame(catalog_records())
    history = versions(catalog, VERSIONS)
    log = make_log(catalog["model_id"].tolist(), args.rows)
    rng = np.random.default_rng(2)
    seconds = rng.integers(0, 365 * 86_400, len(log))
    log["timestamp"] = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(seconds, unit="s")
    print(f"log: {len(log):,} rows over 2026; {VERSIONS} catalog versions of {len(catalog)} models")

    def one_catalog():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ahf.AihubmixWarning)
            return ahf.estimate_cost(history[-1][1], log)

    def as_of():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ahf.AihubmixWarning)
            return ahf.estimate_cost(history, log, at="timestamp")

    # Correctness first: on a slice, each row equals the one-catalog price of its own month.
    part = log.iloc[:200_000]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ahf.AihubmixWarning)
        got = ahf.estimate_cost(history, part, at="timestamp")["total_cost_usd"].to_numpy(dtype=float, na_value=np.nan)
        month = part["timestamp"].dt.month.to_numpy() - 1
        want = np.full(len(part), np.nan)
        for m, (_, frame) in enumerate(history):
            rows = month == m
            want[rows] = ahf.estimate_cost(frame, part[rows])["total_cost_usd"].to_numpy(dtype=float, na_value=np.nan)
    if not np.allclose(got, want, rtol=1e-12, atol=0, equal_nan=True):
        print("FAIL: as-of costs differ from pricing each month on its own catalog", file=sys.stderr)
        return 1

    best = {"one catalog": np.inf, "as of": np.inf}
    cpu = dict(best)
    for round_ in range(3):
        runs = {"one catalog": timed(one_catalog), "as of": timed(as_of)}
        print(
            f"round {round_ + 1}: "
            + ", ".join(f"{k} {wall:.2f} s (CPU {used:.2f} s)" for k, (wall, used) in runs.items())
        )
        best = {k: min(best[k], runs[k][0]) for k in runs}
        cpu = {k: min(cpu[k], runs[k][1]) for k in runs}

    tracemalloc.start()
    as_of()
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    outputs = len(log) * (5 * 9 + 1)
    ratio = best["as of"] / best["one catalog"]
    print(
        f"one catalog: {best['one catalog']:.3f} s; as of {VERSIONS} versions: {best['as of']:.3f} s "
        f"-> {ratio:.2f}x (target <= {TARGET:g}x); CPU time {cpu['as of'] / cpu['one catalog']:.2f}x"
    )
    print(
        f"peak memory: process max RSS {maxrss / 2**30:.2f} GiB; one as-of call: "
        f"{(traced + outputs) / 2**20:.0f} MiB at its peak ({outputs / 2**20:.0f} MiB of result columns + "
        f"{traced / 2**20:.0f} MiB of scratch traced by tracemalloc)"
    )
    ok = ratio <= TARGET
    print("OK" if ok else "FAIL: the target ratio was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
