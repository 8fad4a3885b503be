"""quality_report on a 100,000-model catalog vs the same checks written row by row (apply(axis=1)).

Target: at least 20x faster; the script exits 1 if missed, or if the two disagree on any count.
The catalog is the bundled snapshot replicated to 100,000 models with the 2026 fields of
``bench_frame.with_2026_fields`` (variants, chains, deprecated models), plus case twins, unlisted
parents, loops, bad tiers and an unreadable date. Run from the repository root:
``python benchmarks/bench_quality.py``.
"""

from __future__ import annotations

import sys
import warnings
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import pandas as pd
from _common import best_of, replicated_records
from bench_frame import with_2026_fields

import aihubmix_frame as ahf
from aihubmix_frame import quality, schema
from aihubmix_frame.families import cycle_members

TARGET = 20.0
N = 100_000
KNOWN_TYPES = {*schema.DOCUMENTED_TYPES, *schema.OBSERVED_TYPES}


def catalog() -> pd.DataFrame:
    records = with_2026_fields(replicated_records(N))
    for i in range(0, N, 1000):  # traps the replicated snapshot lacks
        records[i + 1]["model_id"] = records[i]["model_id"].upper()
        records[i + 2]["variant_of"] = f"gone-{i}"
        records[i + 3]["variant_of"], records[i + 4]["variant_of"] = (
            records[i + 4]["model_id"],
            records[i + 3]["model_id"],
        )
        records[i + 5]["pricing"] = {
            **records[i + 5]["pricing"],
            "input": 1,
            "output": 2,
            "tiers": [{"input": 0.5, "tier": {"size": 1000, "type": "context"}}],
        }
    records[7]["release_date"] = "2026-02-30"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ahf.FieldValueWarning)
        return ahf.catalog_to_frame(records)


def row_by_row(frame: pd.DataFrame) -> Counter:
    """The same checks, one Python function per row (global facts computed once, as anyone would)."""
    listed = set(frame["model_id"])
    exact = Counter(frame["model_id"])
    groups = defaultdict(list)
    for model_id, *prices in frame[["model_id", *schema.PRICE_COLUMNS]].itertuples(index=False):
        if exact[model_id] == 1:
            groups[model_id.lower()].append(tuple(-1.0 if pd.isna(p) else p for p in prices))
    twin = {key: len(set(prices)) > 1 for key, prices in groups.items() if len(prices) > 1}
    parents = [None if pd.isna(v) else v for v in frame["variant_of"]]
    looping = {m for loop in cycle_members(frame["model_id"].tolist(), parents) for m in loop}
    unreadable = {m for ids in frame.attrs["aihubmix"].get(schema.UNREADABLE_KEY, {}).values() for m in ids}

    def known(x):
        return not pd.isna(x)

    def checks(row) -> list[str]:
        found = []
        i, o = row["input_usd_per_1m"], row["output_usd_per_1m"]
        cr, cw = row["cache_read_usd_per_1m"], row["cache_write_usd_per_1m"]
        if row["has_tools"] != row["has_function_calling"]:
            found.append("tools_vs_function_calling")
        if known(row["reasoning"]) and bool(row["reasoning"]) != row["has_thinking"]:
            found.append("reasoning_vs_thinking")
        if known(row["tool_call"]) and bool(row["tool_call"]) != (row["has_tools"] or row["has_function_calling"]):
            found.append("tool_call_vs_features")
        if known(cr) and known(i) and i > 0 and cr >= i:
            found.append("cache_read_not_cheaper")
        if known(cw) and known(i) and cw < i:
            found.append("cache_write_below_input")
        if any(t in ("image_generation", "video") for t in row["types"]) and (i, o) in ((2, 0), (2, 2)):
            found.append("placeholder_price")
        if i == 0 and o == 0:
            found.append("free_model")
        if known(o) and known(i) and o < i:
            found.append("output_cheaper_than_input")
        if not known(row["max_output"]):
            found.append("max_output_unknown")
        elif known(row["context_length"]) and row["max_output"] >= row["context_length"]:
            found.append("max_output_not_below_context")
        key = row["model_id"].lower()
        if key in twin and exact[row["model_id"]] == 1:
            found.append("case_twin_price" if twin[key] else "case_twin")
        for column, check in (
            ("types", "empty_types"),
            ("features", "empty_features"),
            ("input_modalities", "empty_input_modalities"),
        ):
            if len(row[column]) == 0:
                found.append(check)
        if any(t not in KNOWN_TYPES for t in row["types"]):
            found.append("unknown_type")
        if any(f not in schema.FEATURES for f in row["features"]):
            found.append("unknown_feature")
        if known(row["retire_stage"]):
            found.append("deprecated")
        tiers = row["price_tiers"]
        if isinstance(tiers, list) and quality.tier_problem((i, o), tiers):
            found.append("tiers_not_increasing")
        if known(row["variant_of"]) and row["variant_of"] not in listed:
            found.append("variant_of_unlisted")
        if row["model_id"] in looping:
            found.append("variant_of_loop")
        if row["model_id"] in unreadable:
            found.append("unreadable_value")
        return found

    return Counter(c for found in frame.apply(checks, axis=1) for c in found)


def main() -> int:
    frame = catalog()
    ours_counts = Counter(quality.quality_report(frame)["check"].tolist())
    theirs_counts = row_by_row(frame)
    if ours_counts != theirs_counts:
        print("the two implementations disagree:", (ours_counts - theirs_counts) + (theirs_counts - ours_counts))
        return 1
    ours, baseline = best_of(3, lambda: quality.quality_report(frame), lambda: row_by_row(frame))
    ratio = baseline / ours
    print(
        f"quality_report, {N:,} models, {sum(ours_counts.values()):,} findings in "
        f"{len(ours_counts)} checks: {ours:.3f} s"
    )
    print(f"baseline, the same checks row by row (DataFrame.apply(axis=1)): {baseline:.3f} s")
    print(f"speed-up: {ratio:.1f}x (target >= {TARGET}x)")
    return 0 if ratio >= TARGET and np.isfinite(ratio) else 1


if __name__ == "__main__":
    sys.exit(main())
