"""Benchmark: a folder of gzipped JSON Lines logs priced as of each request and summarised per model and day on dask.

Generates ``--rows`` OpenAI Chat Completions responses (the API reference's shape, as in
``bench_usage.py``) in gzipped files of ``--rows-per-file`` rows spanning two months, across a price
change (two catalog versions), then runs the documented chain on a 2-worker
``LocalCluster(processes=True, threads_per_worker=1, memory_limit="2GiB")``::

    usage = ahf.read_usage(folder, backend="dask", timestamp="created")
    costed = ahf.estimate_cost(history, usage, at="created")
    daily = ahf.summarize_cost(costed, by="model_id", freq="D", timestamp="created")

Reported: completion (no worker restarted), peak RSS of each worker (sampled every 0.5 s) and of the
client process, rows/s; and the single-process pandas path (``read_usage`` file by file, keeping the
canonical columns, one ``estimate_cost`` and one ``summarize_cost``) on the first ``--pandas-rows``
rows, in a fresh subprocess (rows/s, peak RSS), with the ratio of the throughputs. Both runs' totals
for the common files are compared. Run from the repository root:
``python benchmarks/bench_dask_logs.py --rows 5000000`` (the issue's size is the default, 50,000,000:
several GB of files and a long run).
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import aihubmix_frame as ahf  # noqa: E402
from aihubmix_frame.usage import USAGE_COLUMNS  # noqa: E402

MODELS = ("gpt-4o", "gpt-4o-mini", "o3-mini", "gpt-5", "gpt-4.1", "in-house-llm-v2")  # the last: unknown
START = 1_782_864_000  # 2026-07-01T00:00:00Z
CHANGE = "2026-08-01T00:00:00Z"
TEMPLATE = (
    '{{"id": "chatcmpl-{i:020d}", "object": "chat.completion", "created": {created}, "model": "{model}", '
    '"choices": [{{"index": 0, "message": {{"role": "assistant", "content": "Answer.", "refusal": null, '
    '"annotations": []}}, "logprobs": null, "finish_reason": "stop"}}], '
    '"usage": {{"prompt_tokens": {prompt}, "completion_tokens": {completion}, "total_tokens": {total}, '
    '"prompt_tokens_details": {{"cached_tokens": {cached}, "audio_tokens": 0}}, '
    '"completion_tokens_details": {{"reasoning_tokens": {reasoning}, "audio_tokens": 0, '
    '"accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}}}, '
    '"service_tier": "default", "system_fingerprint": "fp_fc9f1d7035", "user": "user-{user}"}}\n'
)


def write_file(path: Path, first: int, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    prompt = np.minimum(rng.lognormal(7.5, 1.2, rows).astype(np.int64) + 1, 100_000)
    cached = (prompt * rng.choice([0.0, 0.5, 0.9], size=rows)).astype(np.int64) // 128 * 128
    completion = rng.integers(1, 4_000, rows)
    reasoning = (completion * rng.choice([0.0, 0.6], size=rows)).astype(np.int64)
    models = rng.choice(len(MODELS), rows, p=[0.3, 0.3, 0.1, 0.15, 0.149, 0.001])
    created = START + np.sort(rng.integers(0, 61 * 86_400, rows))
    users = rng.integers(0, 5_000, rows)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as handle:
        handle.writelines(
            TEMPLATE.format(
                i=first + k,
                created=t,
                model=MODELS[m],
                prompt=p,
                cached=c,
                completion=o,
                total=p + o,
                reasoning=r,
                user=u,
            )
            for k, (p, c, o, r, m, t, u) in enumerate(
                zip(
                    prompt.tolist(),
                    cached.tolist(),
                    completion.tolist(),
                    reasoning.tolist(),
                    models.tolist(),
                    created.tolist(),
                    users.tolist(),
                )
            )
        )


def generate(folder: Path, rows: int, per_file: int) -> list[Path]:
    paths = []
    for number, first in enumerate(range(0, rows, per_file)):
        path = folder / f"chat-{number:05d}.jsonl.gz"
        if not path.exists():
            write_file(path, first, min(per_file, rows - first), seed=number)
        paths.append(path)
    return paths


def history() -> dict[str, pd.DataFrame]:
    july = ahf.load_snapshot()
    august = july.copy()
    august.loc[august["model_id"] == "gpt-4o", ["input_usd_per_1m", "output_usd_per_1m"]] = [2.0, 8.0]
    return {"2026-07-01T00:00:00Z": july, CHANGE: august}


def quiet(fn, *args, **kwargs):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn(*args, **kwargs)
    return value, [f"{type(w.message).__name__}: {str(w.message)[:90]}" for w in caught]


def pandas_path(paths: list[str]) -> None:
    """The single-process path, run in a fresh subprocess: prints JSON figures."""
    start = time.perf_counter()
    columns = [*USAGE_COLUMNS, "created"]
    log = pd.concat([ahf.read_usage(p, timestamp="created")[columns] for p in paths], ignore_index=True)
    costed, _ = quiet(ahf.estimate_cost, history(), log, at="created")
    daily, _ = quiet(ahf.summarize_cost, costed, by="model_id", freq="D", timestamp="created")
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    totals = daily.groupby("model_id")["total_cost_usd"].sum().to_dict()
    print(json.dumps({"rows": len(log), "seconds": seconds, "peak_mib": peak, "totals": totals}))


def dask_path(paths: list[Path]) -> dict:
    import psutil
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, memory_limit="2GiB", dashboard_address=None
    )
    client = Client(cluster)
    peaks: dict[str, float] = {}
    done = threading.Event()

    def rss() -> float:
        return psutil.Process().memory_info().rss / 2**20

    def sample() -> None:
        while not done.is_set():
            try:
                for worker, value in client.run(rss).items():
                    peaks[worker] = max(peaks.get(worker, 0.0), value)
            except Exception:  # a worker restarting: counted below
                pass
            done.wait(0.5)

    workers_before = set(client.scheduler_info()["workers"])
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    start = time.perf_counter()
    usage = ahf.read_usage([str(p) for p in paths], backend="dask", timestamp="created")
    costed, _ = quiet(ahf.estimate_cost, history(), usage, at="created")
    daily, said = quiet(ahf.summarize_cost, costed, by="model_id", freq="D", timestamp="created", progress=False)
    seconds = time.perf_counter() - start
    done.set()
    thread.join()
    workers_after = set(client.scheduler_info()["workers"])
    client.close()
    cluster.close()
    return {
        "rows": int(daily["rows"].sum()),
        "seconds": seconds,
        "worker_peaks_mib": sorted(peaks.values()),
        "restarted": workers_before != workers_after,
        "client_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "warnings": said,
        "daily": daily,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--rows-per-file", type=int, default=250_000)
    parser.add_argument("--pandas-rows", type=int, default=None, help="rows for the pandas path (default: all)")
    parser.add_argument("--folder", type=Path, default=None, help="keep the generated files here (reused)")
    parser.add_argument("--pandas-only", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pandas_only is not None:
        pandas_path(args.pandas_only)
        return 0
    folder = args.folder or Path(tempfile.mkdtemp(prefix="bench_dask_logs_"))
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    paths = generate(folder, args.rows, args.rows_per_file)
    size = sum(p.stat().st_size for p in paths)
    print(
        f"{args.rows:,} rows in {len(paths)} gzipped files, {size / 2**30:.2f} GiB, written in "
        f"{time.perf_counter() - start:.0f} s"
    )

    result = dask_path(paths)
    rate = result["rows"] / result["seconds"]
    print(
        f"dask, 2 workers x 1 thread, 2 GiB each: {result['rows']:,} rows in {result['seconds']:.1f} s "
        f"= {rate:,.0f} rows/s; completed={not result['restarted']} (no worker restarted)"
    )
    print(
        f"  peak RSS per worker: {', '.join(f'{p:,.0f} MiB' for p in result['worker_peaks_mib'])}; "
        f"client: {result['client_peak_mib']:,.0f} MiB"
    )
    for line in result["warnings"]:
        print(f"  said on the client: {line}")

    pandas_rows = min(args.pandas_rows or args.rows, args.rows)
    subset = paths[: max(1, -(-pandas_rows // args.rows_per_file))]
    out = subprocess.run(
        [sys.executable, __file__, "--pandas-only", *map(str, subset)], capture_output=True, text=True, check=True
    )
    single = json.loads(out.stdout.strip().splitlines()[-1])
    single_rate = single["rows"] / single["seconds"]
    print(
        f"pandas, one process: {single['rows']:,} rows in {single['seconds']:.1f} s = {single_rate:,.0f} rows/s; "
        f"peak RSS {single['peak_mib']:,.0f} MiB"
    )
    print(f"throughput ratio dask / pandas: {rate / single_rate:.2f}x")
    if len(subset) == len(paths):
        got = result["daily"].groupby("model_id")["total_cost_usd"].sum().to_dict()
        same = all(
            (pd.isna(got[k]) and v is None) or abs(got[k] - v) <= 1e-9 * max(1.0, abs(v))
            for k, v in single["totals"].items()
        )
        print(f"per-model totals equal to the pandas path (1e-9): {same}")
        if not same:
            return 1
    return 0 if not result["restarted"] else 1


if __name__ == "__main__":
    sys.exit(main())
