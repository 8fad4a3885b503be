"""Providers' aggregate usage exports: OpenAI's organization Usage API and Anthropic's usage report.

One row per result of a time bucket. Token columns are the bucket's totals for that group of
requests; ``request_count`` (Int64) is how many requests they add up (OpenAI's
``num_model_requests``; Anthropic's report has no count: NA) and is never multiplied into the
tokens; ``bucket_start`` / ``bucket_end`` are UTC datetimes; the grouping fields (``model``,
``project_id``, ``api_key_id``, ``workspace_id``, ``service_tier``, ``batch``, ...) are kept as they
are, with ``batch`` (boolean) true for Batch API usage (OpenAI's ``batch``; Anthropic's
``service_tier == "batch"``).

| export | input_tokens | cache_read_tokens | cache_write_tokens | output_tokens | input_includes_cache |
|---|---|---|---|---|---|
| OpenAI ``organization.usage.completions.result`` | input_tokens | input_cached_tokens | 0 | output_tokens | True |
| Anthropic usage report ``results[]`` | uncached_input_tokens | cache_read_input_tokens | cache_creation.ephemeral_5m + ephemeral_1h | output_tokens | False |

OpenAI's ``input_audio_tokens`` / ``output_audio_tokens`` and Anthropic's
``server_tool_use.web_search_requests`` are kept as columns, not priced (the catalog has no audio
or per-search price), and a warning says so when they are not zero (OpenAI's audio columns are
dropped when they are zero in every row, and ``attrs`` says so).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import CacheWriteDurationWarning, UsageColumnsWarning
from .canonical import canonical_frame, counts_array, to_pandas_column
from .documents import KINDS
from .nested import counts, explode, field, utc_from_seconds

__all__ = ["read_openai_usage", "read_anthropic_usage"]

# OpenAI result fields read into canonical columns (the rest are kept as they are).
_OPENAI_READ = {"object", "input_tokens", "input_cached_tokens", "output_tokens", "num_model_requests", "model"}
_AUDIO = ("input_audio_tokens", "output_audio_tokens")
_ANTHROPIC_READ = {"uncached_input_tokens", "cache_read_input_tokens", "cache_creation", "output_tokens", "model"}


def _results(pages: pa.Table, bucket_start: str, bucket_end: str) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Every result of every bucket of every page, with its bucket's start and end."""
    if "data" not in pages.column_names:
        empty = pa.array([], type=pa.struct([]))
        return empty, pa.array([], type=pa.null()), pa.array([], type=pa.null())
    buckets, _ = explode(pages["data"])
    results_col = field(buckets, "results") if len(buckets) else None
    if results_col is None:
        empty = pa.array([], type=pa.struct([]))
        return empty, pa.array([], type=pa.null()), pa.array([], type=pa.null())
    results, parents = explode(results_col)
    index = pa.array(parents)
    start = field(buckets, bucket_start)
    end = field(buckets, bucket_end)
    return (
        results,
        start.take(index) if start is not None else pa.nulls(len(results)),
        end.take(index) if end is not None else pa.nulls(len(results)),
    )


def _kept(results: pa.Array, read: set[str]) -> dict[str, Any]:
    """The result fields not read into canonical columns, as pandas arrays (nested ones flattened)."""
    out: dict[str, Any] = {}
    if not pa.types.is_struct(results.type):
        return out
    for position in range(results.type.num_fields):
        name = results.type.field(position).name
        if name in read:
            continue
        column = pc.struct_field(results, name)
        if pa.types.is_struct(column.type):
            for inner in range(column.type.num_fields):
                sub = column.type.field(inner).name
                out[f"{name}.{sub}"] = to_pandas_column(pc.struct_field(column, sub))
        else:
            out[name] = to_pandas_column(column)
    return out


def _missing_flags(n: int) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))


def _model_ids(results: pa.Array) -> pa.Array:
    model = field(results, "model")
    return model if model is not None else pa.nulls(len(results), type=pa.string())


def _timestamps(array: pa.Array, n: int) -> Any:
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        stamps = pd.to_datetime(pd.Series(array.to_pylist(), dtype="string"), utc=True, format="ISO8601")
        return stamps.astype("datetime64[ns, UTC]").array
    return to_pandas_column(utc_from_seconds(array, n))


def _warn_unpriced(frame: pd.DataFrame, columns: list[str], what: str) -> list[str]:
    found = [c for c in columns if c in frame.columns and frame[c].fillna(0).astype("int64").sum() > 0]
    if found:
        totals = ", ".join(f"{c}={int(frame[c].fillna(0).astype('int64').sum()):,}" for c in found)
        warnings.warn(
            f"the export has {totals}: {what}; the catalog has no price for them, so estimate_cost leaves "
            "them out (the columns are kept: price them yourself if they matter)",
            UsageColumnsWarning,
            stacklevel=4,
        )
    return found


def read_openai_usage(pages: pa.Table, where: str) -> pd.DataFrame:
    """OpenAI ``/v1/organization/usage/completions`` pages -> one canonical row per bucket result."""
    results, start, end = _results(pages, "start_time", "end_time")
    n = len(results)
    label = f"{where} ({KINDS['openai_usage']})"
    tokens = {
        "input": counts(field(results, "input_tokens"), n, "input_tokens", label),
        "output": counts(field(results, "output_tokens"), n, "output_tokens", label),
        "cache_read": counts(field(results, "input_cached_tokens"), n, "input_cached_tokens", label),
        "cache_write": np.zeros(n, dtype=np.int64),
    }
    bad = np.flatnonzero(tokens["cache_read"] > tokens["input"])
    if bad.size:
        raise ValueError(
            f"{label}: results {bad[:5].tolist()} have more input_cached_tokens than input_tokens, which "
            "include them; the export is damaged: fetch those buckets again"
        )
    requests = field(results, "num_model_requests")
    request_count = (
        counts_array(counts(requests, n, "num_model_requests", label), np.asarray(requests.is_null()))
        if requests is not None and not pa.types.is_null(requests.type)
        else counts_array(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    )
    others: dict[str, Any] = {
        "request_count": request_count,
        "bucket_start": _timestamps(start, n),
        "bucket_end": _timestamps(end, n),
    }
    kept = _kept(results, _OPENAI_READ)
    batch = kept.pop("batch", None)
    others["batch"] = pd.array(batch, dtype="boolean") if batch is not None else _missing_flags(n)
    silent = [c for c in _AUDIO if c in kept and not np.any(np.asarray(pd.array(kept[c]).fillna(0)))]
    for column in silent:  # all zero: nothing unpriced to carry into estimate_cost's warnings
        del kept[column]
    others.update(kept)
    frame = canonical_frame(
        _model_ids(results),
        tokens,
        reasoning=None,
        input_includes_cache=True,
        others=others,
        note=_note("openai_usage", n, len(pages)),
    )
    unpriced = _warn_unpriced(frame, list(_AUDIO), "audio tokens, billed at audio rates")
    frame.attrs["aihubmix"]["usage"]["unpriced_columns"] = unpriced
    frame.attrs["aihubmix"]["usage"]["dropped_zero_columns"] = silent
    return frame


def read_anthropic_usage(pages: pa.Table, where: str) -> pd.DataFrame:
    """Anthropic ``/v1/organizations/usage_report/messages`` pages -> one canonical row per bucket result."""
    results, start, end = _results(pages, "starting_at", "ending_at")
    n = len(results)
    label = f"{where} ({KINDS['anthropic_usage']})"
    five = counts(field(results, "cache_creation.ephemeral_5m_input_tokens"), n, "ephemeral_5m_input_tokens", label)
    hour = counts(field(results, "cache_creation.ephemeral_1h_input_tokens"), n, "ephemeral_1h_input_tokens", label)
    tokens = {
        "input": counts(field(results, "uncached_input_tokens"), n, "uncached_input_tokens", label),
        "output": counts(field(results, "output_tokens"), n, "output_tokens", label),
        "cache_read": counts(field(results, "cache_read_input_tokens"), n, "cache_read_input_tokens", label),
        "cache_write": five + hour,
    }
    others: dict[str, Any] = {
        # The report counts tokens, not requests.
        "request_count": counts_array(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)),
        "bucket_start": _timestamps(start, n),
        "bucket_end": _timestamps(end, n),
    }
    tier = field(results, "service_tier")
    others["batch"] = (
        pd.array(np.asarray(pc.equal(tier, "batch").fill_null(False)), dtype="boolean")
        if tier is not None and not pa.types.is_null(tier.type)
        else _missing_flags(n)
    )
    others["cache_creation.ephemeral_5m_input_tokens"] = counts_array(five)
    others["cache_creation.ephemeral_1h_input_tokens"] = counts_array(hour)
    others.update(_kept(results, _ANTHROPIC_READ))
    frame = canonical_frame(
        _model_ids(results),
        tokens,
        reasoning=None,
        input_includes_cache=False,
        others=others,
        note=_note("anthropic_usage", n, len(pages)),
    )
    if hour.sum():
        warnings.warn(
            f"{int((hour > 0).sum())} report rows wrote {int(hour.sum()):,} tokens to the 1-hour cache; the catalog "
            "has one cache_write price (the 5-minute one), so cache_write_tokens bills them at it, below "
            "Anthropic's 1-hour rate. The split is kept in column 'cache_creation.ephemeral_1h_input_tokens'",
            CacheWriteDurationWarning,
            stacklevel=3,
        )
    unpriced = _warn_unpriced(
        frame, ["server_tool_use.web_search_requests"], "web searches, billed per search by Anthropic"
    )
    window = frame.get("context_window")
    long_rows = int((window == "200k-1M").sum()) if window is not None else 0
    if long_rows:
        warnings.warn(
            f"{long_rows} report rows are in Anthropic's '200k-1M' context window, billed at long-context "
            "rates; an aggregate cannot be checked against the catalog's context tiers, so estimate_cost "
            "prices them at base prices (below what they cost where the model has a long-context tier)",
            UsageColumnsWarning,
            stacklevel=3,
        )
    frame.attrs["aihubmix"]["usage"]["unpriced_columns"] = unpriced
    frame.attrs["aihubmix"]["usage"]["long_context_rows"] = long_rows
    return frame


def _note(kind: str, rows: int, documents: int) -> dict[str, Any]:
    return {
        "format": kind,
        "documents": documents,
        "rows": rows,
        "aggregate": True,
        "input_includes_cache": {kind: kind == "openai_usage"},
    }
