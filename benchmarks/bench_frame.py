"""catalog_to_frame on a 100,000-model payload (with the 2026 fields) vs a json_normalize + apply baseline."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd
from _common import best_of, replicated_records

import aihubmix_frame as ahf

TARGET = 3.0
N = 100_000


VENDORS = ("deepseek", "zhipu", "moonshot", "bytedance", "openai", None)
OPTIONS = (
    [{"type": "toggle"}, {"type": "effort", "values": ["low", "high", "max"]}],
    [],
    [{"type": "effort", "values": ["no_think", "instant", "low"], "default": "low"}],
    None,
)


def with_2026_fields(records: list[dict]) -> list[dict]:
    """Every record gains the fields served since 2026, in the shapes of realdata/aihubmix_fields_2026.md."""
    for i, record in enumerate(records):
        record.update(
            {
                "vendor": VENDORS[i % 6],
                "variant_of": records[i - 1 - i % 3]["model_id"] if i % 4 == 1 else None,
                "output_modalities": ("text", "text,image", "", "image")[i % 4],
                "reasoning": (True, False, None)[i % 3],
                "tool_call": (True, None)[i % 2],
                "open_weights": (False, True, None)[i % 3],
                "interleaved": ({"anthropic.messages": True}, True, None)[i % 3],
                "reasoning_options": OPTIONS[i % 4],
                "release_date": ("2026-04-24", None, "2025-12-01")[i % 3],
                "last_updated": ("2026-05-01", None)[i % 2],
                "knowledge": ("2025-05", None, "2025-05-31")[i % 3],
                "retire_stage": "deprecated" if i % 50 == 0 else None,
                "pricing_source": "billing_config",
            }
        )
    return records


def naive(records: list[dict]) -> pd.DataFrame:
    frame = pd.json_normalize(records)
    for column in ("types", "features", "input_modalities", "output_modalities"):
        frame[column] = frame[column].apply(
            lambda s: (
                [t.strip().lower() for t in s.replace("，", ",").split(",") if t.strip()] if isinstance(s, str) else []
            )
        )
    return frame


def main() -> int:
    records = with_2026_fields(replicated_records(N))
    ours, baseline = best_of(3, lambda: ahf.catalog_to_frame(records), lambda: naive(records))
    ratio = baseline / ours
    print(f"catalog_to_frame, {N:,} models with the 2026 fields: {ours:.3f} s ({N / ours:,.0f} models/s)")
    print(f"baseline json_normalize + Series.apply(split): {baseline:.3f} s")
    print(f"speed-up: {ratio:.1f}x (target >= {TARGET}x)")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
