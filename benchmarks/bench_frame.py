"""catalog_to_frame on a 100,000-model payload vs the naive json_normalize + apply(split) baseline."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402

import aihubmix_frame as ahf  # noqa: E402
from _common import best_of, replicated_records  # noqa: E402

TARGET = 3.0
N = 100_000


def naive(records: list[dict]) -> pd.DataFrame:
    frame = pd.json_normalize(records)
    for column in ("types", "features", "input_modalities"):
        frame[column] = frame[column].apply(
            lambda s: [t.strip().lower() for t in s.replace("，", ",").split(",") if t.strip()]
            if isinstance(s, str) else [])
    return frame


def main() -> int:
    records = replicated_records(N)
    ours, baseline = best_of(3, lambda: ahf.catalog_to_frame(records), lambda: naive(records))
    ratio = baseline / ours
    print(f"catalog_to_frame, {N:,} models: {ours:.3f} s ({N / ours:,.0f} models/s)")
    print(f"baseline json_normalize + Series.apply(split): {baseline:.3f} s")
    print(f"speed-up: {ratio:.1f}x (target >= {TARGET}x)")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
