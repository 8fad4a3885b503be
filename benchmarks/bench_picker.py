"""ModelPicker change cost against the bare ``df.aihub.filter(...).aihub.sort(...)`` it wraps (ratios).

A change is one control set (the type dropdown, alternating "llm" and "any type"): the picker
filters, sorts, formats one page of the table, counts the quality badge and refreshes (or
schedules) the price map. The baseline is the picker's own ``.code`` evaluated on the same frame.

- 804-model snapshot, price map drawn in the change (``plot_delay=None``): the rendering overhead,
  reported as a ratio (no target: matplotlib drawing dominates), and without the plot.
- 100,000-model synthetic catalog (the snapshot replicated with new ids), the default picker: the
  price map is drawn off the change path (debounced ``plot_delay`` timer; ``plot_delay=5`` here so
  that no drawing overlaps the timings) from a sample of at most 2,000 matches. Target: a change
  within 3x of the bare call (the script exits 1 if missed). The drawing of the sample is timed
  on its own and reported.

Run from the repository root: ``python benchmarks/bench_picker.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import matplotlib

matplotlib.use("Agg")

from _common import best_of, replicated_records

import aihubmix_frame as ahf

TARGET_100K = 3.0
ROUNDS = 5


def _timings(frame, rounds: int, **options) -> tuple[float, float, object]:
    """Best seconds of (one picker change, the bare call it wraps), each over a pair of changes."""
    picker = ahf.widgets.ModelPicker(frame, **options)
    codes = []
    for value in ("llm", None):
        picker.type.value = value
        codes.append(picker.code)
    compiled = [compile(code, "<picker.code>", "eval") for code in codes]

    def change() -> None:
        picker.type.value = "llm"
        picker.type.value = None

    def bare() -> None:
        for code in compiled:
            eval(code, {"df": frame})

    change_s, bare_s = best_of(rounds, change, bare)
    return change_s / 2, bare_s / 2, picker


def main() -> int:
    snapshot = ahf.load_snapshot()
    with_plot, bare_small, _ = _timings(snapshot, ROUNDS, plot_delay=None)
    no_plot, bare_small2, _ = _timings(snapshot, ROUNDS, plot=False)
    print(
        f"804 models, price map drawn in the change: {with_plot * 1000:.1f} ms vs bare {bare_small * 1000:.1f} ms "
        f"= {with_plot / bare_small:.1f}x"
    )
    print(
        f"804 models, no price map:                  {no_plot * 1000:.1f} ms vs bare {bare_small2 * 1000:.1f} ms "
        f"= {no_plot / bare_small2:.1f}x"
    )

    start = time.perf_counter()
    big = ahf.catalog_to_frame(replicated_records(100_000))
    print(f"100,000-model catalog built in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    change_big, bare_big, picker = _timings(big, 3, plot_delay=5.0)
    ratio = change_big / bare_big
    print(
        f"100,000 models, default picker (plot deferred): {change_big * 1000:.0f} ms vs bare "
        f"{bare_big * 1000:.0f} ms = {ratio:.2f}x (target <= {TARGET_100K}x)"
    )
    start = time.perf_counter()
    picker.refresh_plot()
    draw = time.perf_counter() - start
    print(
        f"100,000 models, deferred price map of a {len(picker.plotted):,}-model sample: {draw * 1000:.0f} ms "
        f"(= {draw / bare_big:.1f}x the bare call, off the change path)"
    )
    if ratio > TARGET_100K:
        print(f"MISSED: a change on 100,000 models takes {ratio:.2f}x the bare call (target {TARGET_100K}x)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
