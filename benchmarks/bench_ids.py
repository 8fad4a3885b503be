"""Benchmark: model-id resolution in ``estimate_cost`` against exact matching, on a 10,000,000-row log.

30 % of the rows carry ids the catalog does not list as such (dated snapshots, provider prefixes,
``models/``, Bedrock and Vertex ids: 12 distinct forms of 7 popular models); the baseline is the
same log with those ids already resolved to their catalog ids, priced the same way in the same
process (best of alternating rounds). Both runs give the same costs (checked). Target: resolution
costs at most 1.3x exact matching, in CPU time (all threads; what other processes on a shared
machine do not change) and reported in wall time too; both a pandas ``str`` id column and a
categorical one are timed. Exits 1 on a miss.

Run from the repository root: ``python benchmarks/bench_ids.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aihubmix_frame as ahf  # noqa: E402

TARGET = 1.3
#: Logged forms -> the catalog id they resolve to (each checked against the run's priced_as).
FORMS: dict[str, str] = {
    "gpt-5-2025-08-07": "gpt-5",
    "openai/gpt-5": "gpt-5",
    "openai/gpt-4o": "gpt-4o",
    "claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0": "claude-sonnet-4-5",
    "claude-sonnet-4-5@20250929": "claude-sonnet-4-5",
    "anthropic/claude-sonnet-4.5": "claude-sonnet-4-5",
    "claude-haiku-4-5-20251001": "claude-haiku-4-5",
    "models/gemini-2.5-pro": "gemini-2.5-pro",
    "google/gemini-2.5-flash": "gemini-2.5-flash",
    "o3-2025-04-16": "o3",
    "claude-opus-4-1-20250805": "claude-opus-4-1",
}


def make_logs(catalog_ids: list[str], rows: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(log with 30 % non-catalog ids, the same log with those ids resolved): Zipf-like model mix."""
    rng = np.random.default_rng(seed)
    ids = [i for i in catalog_ids if i not in FORMS.values()][:150]
    exact = [*FORMS.values(), *ids]
    weights = 1.0 / np.arange(1, len(exact) + 1)
    codes = rng.choice(len(exact), size=rows, p=weights / weights.sum())
    forms = list(FORMS)
    form_codes = rng.integers(0, len(forms), rows)
    logged_names = pa.array([*exact, *forms], type=pa.large_string())
    resolved_names = pa.array([*exact, *(FORMS[f] for f in forms)], type=pa.large_string())
    logged_codes = np.where(rng.random(rows) < 0.30, len(exact) + form_codes, codes)
    input_tokens = rng.lognormal(8.5, 1.4, rows).astype(np.int64) + 1
    tokens = {
        "input_tokens": input_tokens,
        "output_tokens": rng.integers(1, 4_000, rows),
        "cache_read_tokens": (input_tokens * rng.choice([0.0, 0.5, 0.9], size=rows)).astype(np.int64),
    }
    frames = []
    for names in (logged_names, resolved_names):
        model_id = pd.Series(pd.arrays.ArrowStringArray(names.take(pa.array(logged_codes))), name="model_id")
        frames.append(pd.DataFrame({"model_id": model_id.astype("str"), **tokens}))
    return frames[0], frames[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    catalog = ahf.load_snapshot()
    logged, resolved = make_logs(catalog["model_id"].tolist(), args.rows)
    non_exact = float((logged["model_id"] != resolved["model_id"]).mean())
    print(
        f"log: {len(logged):,} rows, {non_exact:.1%} with non-catalog ids ({len(FORMS)} forms), "
        f"{logged['model_id'].nunique()} distinct ids; model_id dtype {logged['model_id'].dtype}"
    )

    def price(frame: pd.DataFrame) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ahf.AihubmixWarning)
            return ahf.estimate_cost(catalog, frame)

    a, b = price(logged), price(resolved)
    same_costs = a["total_cost_usd"].equals(b["total_cost_usd"])
    same_ids = a["priced_as"].astype("string").equals(resolved["model_id"].astype("string"))
    if not (same_costs and same_ids):
        print("FAIL: resolution priced the rows differently from the pre-resolved log", file=sys.stderr)
        return 1
    print("costs and priced_as identical to the pre-resolved log; id_match counts:")
    print(a["id_match"].value_counts().to_string())
    del a, b

    ok = True
    for label, left, right in (
        ("str ids", logged, resolved),
        (
            "category ids",
            logged.assign(model_id=logged["model_id"].astype("category")),
            resolved.assign(model_id=resolved["model_id"].astype("category")),
        ),
    ):
        wall, cpu = [np.inf, np.inf], [np.inf, np.inf]
        for _ in range(args.rounds):  # alternating rounds: noise hits both alike
            for i, frame in enumerate((left, right)):
                start, used = time.perf_counter(), time.process_time()
                price(frame)
                wall[i] = min(wall[i], time.perf_counter() - start)
                cpu[i] = min(cpu[i], time.process_time() - used)
        ratio = cpu[0] / cpu[1]
        ok &= ratio <= TARGET
        print(
            f"{label}: resolving {wall[0]:.3f} s wall / {cpu[0]:.3f} s CPU, exact (pre-resolved) {wall[1]:.3f} s "
            f"wall / {cpu[1]:.3f} s CPU -> {ratio:.2f}x CPU (target <= {TARGET}x), {wall[0] / wall[1]:.2f}x wall"
        )
    print("OK" if ok else "FAIL: resolution costs more than the target ratio")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
