"""Benchmark: read_usage on usage-export pages and OTLP span exports, against a json.load + Python loop.

Inputs (synthetic, in the documented shapes): JSON Lines of OpenAI organization Usage API pages
(one page a line, 1 bucket x 60 results each) and an OTLP JSON file as the collector's file exporter
writes it (one export request a line, 20 spans each, half of them GenAI spans with usage).
Baseline, timed in the same process, best of three alternating rounds: ``json.loads`` per line and
a Python loop over the results (spans and their attributes) building the same columns, then one
``pd.DataFrame`` given read_usage's dtypes (Int64, pyarrow strings, UTC datetimes); the two frames are
asserted equal, value for value and dtype for dtype, so both sides do the same work. Wall time
(``perf_counter``) and process CPU time (all threads) are both reported. Target: read_usage at least
5x faster on each. Exits 1 on a miss. Why it is missed: ``bench_usage_parsers.py`` (the parse floor).
Run from the repository root: ``python benchmarks/bench_usage_exports.py [--results N]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import best_of  # noqa: E402

import aihubmix_frame as ahf  # noqa: E402

TARGET = 5.0
MODELS = ("gpt-4o", "gpt-4o-mini", "gpt-5", "gpt-4.1", "o3-mini")
PER_PAGE = 60
SPANS_PER_LINE = 20


def write_pages(path: Path, results: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    lines = []
    for page in range(results // PER_PAGE):
        start = 1782864000 + page * 3600
        rows = []
        for _ in range(PER_PAGE):
            inp = int(rng.integers(1_000, 5_000_000))
            rows.append(
                {
                    "object": "organization.usage.completions.result",
                    "input_tokens": inp,
                    "output_tokens": int(rng.integers(100, 500_000)),
                    "input_cached_tokens": inp // 2,
                    "input_audio_tokens": 0,
                    "output_audio_tokens": 0,
                    "num_model_requests": int(rng.integers(1, 500)),
                    "project_id": f"proj_{int(rng.integers(0, 9))}",
                    "user_id": None,
                    "api_key_id": f"key_{int(rng.integers(0, 30))}",
                    "model": MODELS[int(rng.integers(0, len(MODELS)))],
                    "batch": bool(rng.integers(0, 2)),
                    "service_tier": None,
                }
            )
        bucket = {"object": "bucket", "start_time": start, "end_time": start + 3600, "results": rows}
        lines.append(json.dumps({"object": "page", "data": [bucket], "has_more": True, "next_page": f"p{page}"}))
    path.write_text("\n".join(lines) + "\n")


def _attr(key: str, value: object) -> dict:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    return {"key": key, "value": {"stringValue": value}}


def write_otlp(path: Path, spans: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    lines = []
    for line in range(spans // SPANS_PER_LINE):
        items = []
        for k in range(SPANS_PER_LINE):
            start = 1782907200_000_000_000 + (line * SPANS_PER_LINE + k) * 1_000_000_000
            if k % 2:
                attrs = [_attr("http.request.method", "POST"), _attr("url.full", "https://api.openai.com/v1/chat")]
            else:
                model = MODELS[int(rng.integers(0, len(MODELS)))]
                attrs = [
                    _attr("gen_ai.operation.name", "chat"),
                    _attr("gen_ai.provider.name", "openai"),
                    _attr("gen_ai.request.model", model),
                    _attr("gen_ai.response.model", model),
                    _attr("gen_ai.usage.input_tokens", int(rng.integers(100, 20_000))),
                    _attr("gen_ai.usage.output_tokens", int(rng.integers(10, 2_000))),
                    _attr("gen_ai.usage.cache_read.input_tokens", 64),
                ]
            items.append(
                {
                    "traceId": f"{line:032x}",
                    "spanId": f"{k:016x}",
                    "name": "chat" if k % 2 == 0 else "POST",
                    "kind": 3,
                    "startTimeUnixNano": str(start),
                    "endTimeUnixNano": str(start + 900_000_000),
                    "attributes": attrs,
                    "status": {},
                }
            )
        resource = {"attributes": [_attr("service.name", f"svc-{line % 4}")]}
        request = {"resourceSpans": [{"resource": resource, "scopeSpans": [{"scope": {"name": "x"}, "spans": items}]}]}
        lines.append(json.dumps(request))
    path.write_text("\n".join(lines) + "\n")


_PAGE_KEPT = ("project_id", "user_id", "api_key_id", "service_tier")  # result fields read_usage keeps as they are


def baseline_pages(path: Path) -> pd.DataFrame:
    """What one writes by hand: json per line, a loop over buckets and results, one DataFrame with
    every column read_usage gives (the bench asserts the two frames equal, so both do the same work)."""
    names = ("model_id", "input_tokens", "output_tokens", "cache_read_tokens", "request_count")
    columns: dict[str, list] = {k: [] for k in (*names, "bucket_start", "bucket_end", "batch", *_PAGE_KEPT)}
    audio = 0  # read_usage drops the audio columns when all zero, and warns when not
    with open(path) as handle:
        for line in handle:
            for bucket in json.loads(line)["data"]:
                for r in bucket["results"]:
                    columns["model_id"].append(r["model"])
                    columns["input_tokens"].append(r["input_tokens"])
                    columns["output_tokens"].append(r["output_tokens"])
                    columns["cache_read_tokens"].append(r.get("input_cached_tokens") or 0)
                    columns["request_count"].append(r["num_model_requests"])
                    columns["bucket_start"].append(bucket["start_time"])
                    columns["bucket_end"].append(bucket["end_time"])
                    columns["batch"].append(r.get("batch"))
                    columns["project_id"].append(r.get("project_id"))
                    columns["user_id"].append(r.get("user_id"))
                    columns["api_key_id"].append(r.get("api_key_id"))
                    columns["service_tier"].append(r.get("service_tier"))
                    audio += r.get("input_audio_tokens") or 0
                    audio += r.get("output_audio_tokens") or 0
    n = len(columns["model_id"])
    frame = pd.DataFrame({name: columns[name] for name in names})
    frame.insert(4, "cache_write_tokens", 0)
    frame.insert(5, "reasoning_tokens", pd.array([None] * n, dtype="Int64"))
    frame.insert(6, "input_includes_cache", True)
    for name in ("bucket_start", "bucket_end"):
        frame[name] = pd.to_datetime(columns[name], unit="s", utc=True).astype("datetime64[ns, UTC]")
    frame["batch"] = columns["batch"]
    for name in _PAGE_KEPT:
        frame[name] = pd.array(columns[name], dtype=pd.StringDtype("pyarrow"))
    assert audio == 0, "the synthetic pages have no audio tokens: both frames leave the audio columns out"
    return _same_dtypes(frame)


def _same_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """The dtypes read_usage gives: nullable integers, pyarrow strings, nullable booleans."""
    out = {}
    for name, column in frame.items():
        if name.endswith(("_tokens", "_count")):
            out[name] = column.astype("Int64")
        elif name == "batch":
            out[name] = column.astype("boolean")
        elif column.dtype == object or pd.api.types.is_string_dtype(column):
            out[name] = column.astype(pd.StringDtype("pyarrow"))
        else:
            out[name] = column
    return pd.DataFrame(out)


def baseline_otlp(path: Path) -> pd.DataFrame:
    """json per line, a loop over resources, scopes, spans and their attributes, one DataFrame with
    every column read_usage gives."""
    rows = []
    with open(path) as handle:
        for line in handle:
            for rs in json.loads(line)["resourceSpans"]:
                service = next(
                    (a["value"].get("stringValue") for a in rs["resource"]["attributes"] if a["key"] == "service.name"),
                    None,
                )
                for ss in rs["scopeSpans"]:
                    for span in ss["spans"]:
                        attrs = {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}
                        if "gen_ai.usage.input_tokens" not in attrs and "gen_ai.usage.output_tokens" not in attrs:
                            continue
                        rows.append(
                            {
                                "model_id": attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model"),
                                "input_tokens": int(attrs.get("gen_ai.usage.input_tokens", 0)),
                                "output_tokens": int(attrs.get("gen_ai.usage.output_tokens", 0)),
                                "cache_read_tokens": int(attrs.get("gen_ai.usage.cache_read.input_tokens", 0)),
                                "cache_write_tokens": int(attrs.get("gen_ai.usage.cache_creation.input_tokens", 0)),
                                "reasoning_tokens": attrs.get("gen_ai.usage.reasoning.output_tokens"),
                                "input_includes_cache": True,
                                "provider": attrs.get("gen_ai.provider.name"),
                                "operation": attrs.get("gen_ai.operation.name"),
                                "trace_id": span["traceId"],
                                "span_id": span["spanId"],
                                "span_name": span["name"],
                                "service_name": service,
                                "start_time": int(span["startTimeUnixNano"]),
                                "end_time": int(span["endTimeUnixNano"]),
                            }
                        )
    frame = pd.DataFrame(rows)
    frame["reasoning_tokens"] = pd.array(
        [None if v is None else int(v) for v in frame["reasoning_tokens"]], dtype="Int64"
    )
    for name in ("start_time", "end_time"):
        frame[name] = pd.to_datetime(frame[name], unit="ns", utc=True)
    return _same_dtypes(frame)


def cpu_of(rounds: int, *candidates: Callable[[], object]) -> list[float]:
    """Best process CPU time (all threads) of each candidate: what the work costs, whatever the machine's load."""
    best = [float("inf")] * len(candidates)
    for _ in range(rounds):
        for i, candidate in enumerate(candidates):
            start = time.process_time()
            candidate()
            best[i] = min(best[i], time.process_time() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=300_000, help="usage results and spans to generate")
    args = parser.parse_args()
    misses = 0
    with tempfile.TemporaryDirectory() as folder:
        pages, spans = Path(folder) / "pages.jsonl", Path(folder) / "traces.jsonl"
        write_pages(pages, args.results)
        write_otlp(spans, args.results)
        for name, path, baseline in (
            ("usage pages", pages, baseline_pages),
            ("OTLP spans", spans, baseline_otlp),
        ):
            ours, theirs = ahf.read_usage(path), baseline(path)
            # The same frame, value for value and dtype for dtype: the baseline does all the work read_usage does.
            pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
            t_ours, t_base = best_of(3, lambda p=path: ahf.read_usage(p), lambda p=path, b=baseline: b(p))
            cpu_ours, cpu_base = cpu_of(3, lambda p=path: ahf.read_usage(p), lambda p=path, b=baseline: b(p))
            ratio = t_base / t_ours
            size = path.stat().st_size / 1e6
            print(
                f"{name}: {len(ours):,} rows from {size:.0f} MB; read_usage {t_ours:.3f} s, "
                f"json.loads + Python loop {t_base:.3f} s: {ratio:.1f}x (target {TARGET:.0f}x); CPU time "
                f"{cpu_ours:.3f} s vs {cpu_base:.3f} s: {cpu_base / cpu_ours:.1f}x"
            )
            misses += ratio < TARGET
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
