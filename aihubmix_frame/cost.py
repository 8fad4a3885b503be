"""Cost estimation of request logs: catalog prices, cache prices and context tiers (pandas and dask).

Prices are USD per 1M tokens. The billing rules, in one place (README "Cost modelling"):

- ``input_includes_cache=True`` (OpenAI's ``prompt_tokens``): ``input_tokens`` is the whole prompt;
  uncached input = input - cache_read - cache_write. ``False`` (Anthropic's usage): ``input_tokens``
  excludes cache reads and writes. Either way the prompt size is uncached + cache read + cache write.
- A model without a cache_read (cache_write) price bills those tokens at its input price, and says so.
- Context tiers (``price_tiers``): when the prompt exceeds a tier's ``size``, that tier's prices bill the
  whole request; the highest tier exceeded wins; a price the tier lacks falls back to the base price.
- Token counts are per request; ``requests`` multiplies.
- An unknown model id (exact, case-sensitive match) costs NA and warns; never a silent $0.
"""

from __future__ import annotations

import math
import mmap
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import (
    CachePriceWarning,
    MissingPriceWarning,
    PlaceholderPriceWarning,
    PriceWarning,
    UnknownModelWarning,
)
from .price_table import CACHE_KINDS, KINDS, PriceTable, price_table, suggest_model_ids

__all__ = [
    "estimate_cost",
    "reprice",
    "price_table",
    "PriceTable",
    "KINDS",
    "CACHE_KINDS",
    "COST_COLUMNS",
    "TOKEN_COLUMNS",
]

#: The cost columns, in order (Float64, USD).
COST_COLUMNS: tuple[str, ...] = (
    "input_cost_usd", "cache_read_cost_usd", "cache_write_cost_usd", "output_cost_usd", "total_cost_usd",
)
#: Default workload column of each token kind (rename with estimate_cost's keyword arguments).
TOKEN_COLUMNS: dict[str, str] = {
    "input": "input_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_tokens",
    "output": "output_tokens",
}

# Rows priced per step: a block's temporaries stay in the CPU cache, and blocks run on a few threads
# (numpy and pyarrow release the GIL), which is what makes a 10M-row log take well under a second.
_BLOCK_ROWS = 1 << 17
_MAX_THREADS = max(1, min(4, os.cpu_count() or 1))


# --- the workload ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkloadSpec:
    """Which workload column holds what; ``None`` for an optional column that is absent."""

    model_id: str
    tokens: dict[str, str | None]
    requests: str | None
    input_includes_cache: bool

    @classmethod
    def resolve(
        cls,
        columns: Any,
        *,
        model_id: str,
        input_tokens: str,
        output_tokens: str,
        cache_read_tokens: str | None,
        cache_write_tokens: str | None,
        requests: str | None,
        input_includes_cache: bool,
    ) -> WorkloadSpec:
        if not isinstance(input_includes_cache, (bool, np.bool_)):
            raise TypeError(f"input_includes_cache must be True or False, got {input_includes_cache!r}")
        present = list(columns)
        required = {"model_id": model_id, "input_tokens": input_tokens, "output_tokens": output_tokens}
        optional = {"cache_read_tokens": cache_read_tokens, "cache_write_tokens": cache_write_tokens,
                    "requests": requests}
        missing = [f"{name} (option {option}=)" for option, name in required.items() if name not in present]
        missing += [f"{name} (option {option}=)" for option, name in optional.items()
                    if name is not None and name not in present]
        if missing:
            raise ValueError(
                f"the workload lacks the column(s) {', '.join(missing)}; it has {present[:20]}. "
                "Rename your columns or name them with the keyword options, e.g. "
                "estimate_cost(catalog, log, input_tokens='prompt_tokens', output_tokens='completion_tokens')"
            )

        def default(name: str | None, fallback: str) -> str | None:
            if name is not None:
                return name
            return fallback if fallback in present else None

        return cls(
            model_id=model_id,
            tokens={
                "input": input_tokens,
                "cache_read": default(cache_read_tokens, TOKEN_COLUMNS["cache_read"]),
                "cache_write": default(cache_write_tokens, TOKEN_COLUMNS["cache_write"]),
                "output": output_tokens,
            },
            requests=default(requests, "requests"),
            input_includes_cache=bool(input_includes_cache),
        )

    @property
    def numeric_columns(self) -> list[str]:
        names = [c for c in self.tokens.values() if c is not None]
        return names + ([self.requests] if self.requests is not None else [])


def _row_labels(index: pd.Index, positions: np.ndarray, limit: int = 5) -> str:
    labels = [index[p] for p in positions[:limit]]
    more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
    return f"{labels}{more}"


def _numeric_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as a numpy int64 or float64 array (no copy when it already is one)."""
    series = frame[column]
    dtype = series.dtype
    if len(series) == 0 and dtype == object:  # an empty log built from no records
        return np.empty(0, dtype=np.int64)
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        converted = pd.to_numeric(series, errors="coerce") if dtype == object or pd.api.types.is_string_dtype(dtype) else None
        if converted is None:
            bad = np.arange(len(series))
        else:
            bad = np.flatnonzero(converted.isna().to_numpy() & series.notna().to_numpy())
        examples = [series.iloc[p] for p in bad[:3]]
        where = (f"rows {_row_labels(frame.index, bad)} hold non-numbers such as {examples!r}"
                 if len(bad) else "its values are numbers stored as text")
        raise ValueError(
            f"column {column!r} has dtype {dtype}, expected numbers (token counts); {where}. "
            f"Convert it with pd.to_numeric(df[{column!r}]) and fix or drop the rows that fail"
        )
    if not isinstance(dtype, np.dtype):
        na = series.isna().to_numpy()
        if na.any():
            raise ValueError(
                f"column {column!r} is missing values in rows {_row_labels(frame.index, np.flatnonzero(na))}; "
                f"fill them (df[{column!r}].fillna(0)) or drop those rows"
            )
        kind = "f" if pd.api.types.is_float_dtype(dtype) else "i"
        values = series.to_numpy(dtype=np.float64 if kind == "f" else np.int64)
    else:
        values = series.to_numpy()
    if values.dtype.kind == "u":
        values = values.astype(np.int64) if values.size == 0 or values.max() < 2**63 else values.astype(np.float64)
    elif values.dtype.kind in "iu" and values.dtype != np.int64:
        values = values.astype(np.int64)
    elif values.dtype.kind == "f" and values.dtype != np.float64:
        values = values.astype(np.float64)
    return values


def _diagnose(index: pd.Index, arrays: dict[str, np.ndarray], spec: WorkloadSpec) -> ValueError:
    """The ValueError that names the rows a block check flagged."""
    problems = []
    for column, values in arrays.items():
        if values.dtype.kind == "f":
            bad = np.flatnonzero(~np.isfinite(values))
            if len(bad):
                problems.append(f"{column!r} is NaN or infinite in rows {_row_labels(index, bad)}")
        bad = np.flatnonzero(values < 0)
        if len(bad):
            problems.append(f"{column!r} is negative in rows {_row_labels(index, bad)}")
    if spec.input_includes_cache and not problems:
        cached = sum(arrays[spec.tokens[k]] for k in CACHE_KINDS if spec.tokens[k] is not None)
        bad = np.flatnonzero(arrays[spec.tokens["input"]] < cached)
        if len(bad):
            names = " + ".join(repr(spec.tokens[k]) for k in CACHE_KINDS if spec.tokens[k] is not None)
            problems.append(
                f"{names} exceed {spec.tokens['input']!r} in rows {_row_labels(index, bad)}, which cannot "
                "be with input_includes_cache=True (OpenAI's prompt_tokens counts cached tokens); if your "
                "input counts exclude cached tokens (Anthropic's usage), pass input_includes_cache=False"
            )
    if not problems:  # pragma: no cover - the block checks and this diagnosis test the same things
        problems.append("a value failed the checks")
    return ValueError("bad workload: " + "; ".join(problems) + ". Token counts and requests must be finite and >= 0")


# --- the vectorised pricing kernel -----------------------------------------------------------------


@dataclass
class _Report:
    """What one priced block saw; merged into the warnings of the whole call."""

    bad: bool = False
    counts: np.ndarray | None = None
    fallback_hits: dict[str, np.ndarray] = field(default_factory=dict)
    unknown: set = field(default_factory=set)


def _ids_source(table: PriceTable, series: pd.Series) -> tuple[Callable[[int, int], np.ndarray], Callable]:
    """(rows(lo, hi) -> catalog rows, unknown_names(lo, hi, mask) -> names) for a model id column."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype) or (
        isinstance(dtype, pd.ArrowDtype) and pa.types.is_dictionary(dtype.pyarrow_dtype)
    ):
        if isinstance(dtype, pd.CategoricalDtype):
            categories = pd.Series(dtype.categories)
            codes = series.cat.codes.to_numpy()
        else:
            array = pa.array(series.array)
            if isinstance(array, pa.ChunkedArray):
                array = array.unify_dictionaries().combine_chunks()
            categories = pd.Series(array.dictionary.to_pylist(), dtype=object)
            codes = array.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        category_ids = _arrow_ids(categories, series.name)
        # Code -1 (NA) indexes the last element: the unknown row.
        code_rows = np.append(table.lookup(category_ids), table.n_models)
        names = np.array([*category_ids.to_pylist(), None], dtype=object)

        def rows(lo: int, hi: int) -> np.ndarray:
            return code_rows[codes[lo:hi]]

        def unknown(lo: int, hi: int, mask: np.ndarray) -> set:
            return set(names[np.unique(codes[lo:hi][mask])].tolist())

        return rows, unknown

    ids = _arrow_ids(series, series.name)

    def rows(lo: int, hi: int) -> np.ndarray:
        return table.lookup(ids.slice(lo, hi - lo))

    def unknown(lo: int, hi: int, mask: np.ndarray) -> set:
        return set(pc.unique(ids.slice(lo, hi - lo).filter(pa.array(mask))).to_pylist())

    return rows, unknown


def _arrow_ids(series: pd.Series, name: Any) -> pa.Array:
    """Model ids as an Arrow string array, zero-copy for pyarrow-backed strings."""
    dtype = series.dtype
    try:
        if pd.api.types.is_string_dtype(dtype) and dtype != object:
            array = pa.array(series.array)
        elif dtype == object:
            array = pa.array(series.to_numpy(), type=pa.large_string(), from_pandas=True)
        else:
            raise TypeError
    except (TypeError, pa.ArrowInvalid, pa.ArrowTypeError):
        values = series.to_numpy(dtype=object)
        bad = [i for i, v in enumerate(values) if not (isinstance(v, str) or v is None or v is pd.NA
                                                      or (isinstance(v, float) and math.isnan(v)))]
        bad = bad or list(range(len(values)))
        raise ValueError(
            f"column {name!r} must hold model ids as strings (dtype {dtype}); rows "
            f"{_row_labels(series.index, np.array(bad))} hold {[values[i] for i in bad[:3]]!r}. "
            f"Convert with df[{name!r}].astype('string') if the values are ids"
        ) from None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.large_string())
    return array


_POPULATE_BYTES = 64 << 20  # outputs at least this big are mapped with MAP_POPULATE (Linux)


def _output_array(n: int, dtype: Any) -> np.ndarray:
    """An uninitialised output array; big ones come from an anonymous mapping populated up front.

    Every byte of an output is written, so asking the kernel for all its pages in one call is cheaper
    than a page fault per page, and it avoids the transparent-huge-page compaction stalls that make
    first touches slow after other work freed memory (measured: 0.23 s instead of 0.5-0.65 s of
    kernel time for the 450 MB of a 10M-row result).
    """
    size = n * np.dtype(dtype).itemsize
    populate = getattr(mmap, "MAP_POPULATE", None)
    if size < _POPULATE_BYTES or populate is None:
        return np.empty(n, dtype=dtype)
    try:
        region = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
    except (OSError, ValueError):
        return np.empty(n, dtype=dtype)
    return np.frombuffer(region, dtype=dtype, count=n)


class _Pricer:
    """Prices blocks of rows into preallocated output arrays; one instance per call, shared by threads.

    Per block: look the ids up, take each kind's base price per row, re-take the (few) rows on a
    tiered model at their tier level, multiply by tokens and requests, add up. Every step is one
    numpy or pyarrow pass over a block that fits the CPU cache.
    """

    def __init__(self, table, n_rows, rows_of, unknown_of, tokens, requests, inclusive, pool=None):
        self.table = table
        self.rows_of = rows_of
        self.unknown_of = unknown_of
        self.tokens = tokens
        self.requests = requests
        self.inclusive = inclusive
        # The ten output arrays are mapped in parallel when there is a pool (mmap releases the GIL).
        kinds = [np.float64] * len(COST_COLUMNS) + [np.bool_] * len(COST_COLUMNS)
        arrays = list((pool.map if pool is not None else map)(lambda d: _output_array(n_rows, d), kinds))
        self.values, self.masks = arrays[:len(COST_COLUMNS)], arrays[len(COST_COLUMNS):]
        # Models already found billing cache tokens at the input price: later blocks skip the check.
        # Threads only ever set entries to True, so a stale read merely repeats a check.
        self.fallback_seen = {kind: np.zeros(table.n_models + 1, dtype=bool) for kind in CACHE_KINDS}

    def block(self, lo: int, hi: int) -> _Report:
        table = self.table
        report = _Report()
        rows = self.rows_of(lo, hi)
        block = {k: (v[lo:hi] if v is not None else None) for k, v in self.tokens.items()}
        requests = self.requests[lo:hi] if self.requests is not None else None
        inp, read, write, out = (block[k] for k in KINDS)
        cache_parts = [a for a in (read, write) if a is not None]
        # In the inclusive convention, uncached >= 0 and cache >= 0 imply input >= 0: one check less.
        implied = self.inclusive and cache_parts
        for array in (None if implied else inp, *cache_parts, out, requests):
            if array is None or not array.size:
                continue
            if not array.min() >= 0:  # negative, or NaN
                report.bad = True
            elif array.dtype.kind == "f" and not np.isfinite(array.max()):
                report.bad = True
        if implied and inp.dtype.kind == "f" and inp.size and not np.isfinite(inp.max()):
            report.bad = True
        if report.bad:
            return report
        if requests is not None and requests.dtype.kind != "f":
            requests = requests.astype(np.float64)  # one conversion instead of one per cost column

        uncached = inp
        if implied:
            uncached = np.subtract(inp, cache_parts[0], dtype=np.result_type(inp, *cache_parts))
            for part in cache_parts[1:]:
                np.subtract(uncached, part, out=uncached)
            if uncached.size and not uncached.min() >= 0:
                report.bad = True
                return report

        counts = np.bincount(rows, minlength=table.n_models + 1)
        report.counts = counts
        used = counts.astype(bool)
        tiered = levels = None
        tiered_models = np.flatnonzero(used & table.has_tiers)
        if tiered_models.size:
            if tiered_models.size <= 4:  # a few equality passes beat a gather over the whole block
                hit = rows == tiered_models[0]
                for model in tiered_models[1:]:
                    hit |= rows == model
                tiered = np.flatnonzero(hit)
            else:
                tiered = np.flatnonzero(table.has_tiers[rows])
            prompt = inp[tiered]  # the whole prompt, built for the tiered rows only
            if not self.inclusive:
                for part in cache_parts:
                    prompt = prompt + part[tiered]
            levels = rows[tiered] * table.levels + (
                prompt[:, None] > table.sizes[rows[tiered]]).sum(axis=1)
        # NaN costs come only from NaN prices: unknown ids (one mask for every column) and models
        # without a price (rare: an isnan pass per column).
        unpriced = bool((used[:-1] & table.nan_models[:-1]).any())
        unknown_mask = rows == table.n_models if counts[-1] else None
        for position, (kind, component) in enumerate(zip(KINDS, (uncached, read, write, out))):
            buffer = self.values[position][lo:hi]
            np.take(table.base_prices[kind], rows, out=buffer, mode="clip")
            if tiered is not None:
                buffer[tiered] = table.prices[kind][levels]
            if component is None:
                buffer *= 0.0  # keeps NaN for unknown models: their cost is NA, not $0
            else:
                np.multiply(buffer, component, out=buffer)
            if requests is not None:
                np.multiply(buffer, requests, out=buffer)
            self._mask(position, lo, hi, buffer, unpriced, unknown_mask)
            if kind in CACHE_KINDS and component is not None:
                hits = self._fallback_hits(kind, rows, tiered, levels, component, used)
                if hits is not None:
                    report.fallback_hits[kind] = hits
        total = self.values[4][lo:hi]
        np.add(self.values[0][lo:hi], self.values[1][lo:hi], out=total)
        total += self.values[2][lo:hi]
        total += self.values[3][lo:hi]
        self._mask(4, lo, hi, total, unpriced, unknown_mask)
        if self.unknown_of is not None and unknown_mask is not None:
            report.unknown = self.unknown_of(lo, hi, unknown_mask)
        return report

    def _mask(self, position, lo, hi, values, unpriced, unknown_mask) -> None:
        if unpriced:
            np.isnan(values, out=self.masks[position][lo:hi])
        elif unknown_mask is not None:
            self.masks[position][lo:hi] = unknown_mask
        else:
            self.masks[position][lo:hi] = False

    def _fallback_hits(self, kind, rows, tiered, levels, component, used) -> np.ndarray | None:
        """Models whose ``kind`` tokens (> 0) this block billed at the input price, if any new."""
        table = self.table
        candidates = used & table.fallback_models[kind] & ~self.fallback_seen[kind]
        if not candidates.any():
            return None
        flags = np.take(table.base_fallback[kind], rows, mode="clip")
        if tiered is not None:
            flags[tiered] = table.fallback[kind][levels]
        flags &= component > 0
        if not flags.any():
            return None
        hits = np.flatnonzero(np.bincount(rows[flags], minlength=table.n_models + 1))
        self.fallback_seen[kind][hits] = True
        return hits


def price_rows(
    table: PriceTable,
    n_rows: int,
    rows_of: Callable[[int, int], np.ndarray],
    tokens: dict[str, np.ndarray | None],
    requests: np.ndarray | None,
    *,
    inclusive: bool,
    unknown_of: Callable | None = None,
) -> tuple[list[pd.arrays.FloatingArray], _Report]:
    """Price ``n_rows`` rows in blocks (threads when there are several): five Float64 arrays + report."""
    bounds = [(lo, min(n_rows, lo + _BLOCK_ROWS)) for lo in range(0, n_rows, _BLOCK_ROWS)] or [(0, 0)]
    if len(bounds) > 1 and _MAX_THREADS > 1:
        with ThreadPoolExecutor(max_workers=min(_MAX_THREADS, len(bounds))) as pool:
            pricer = _Pricer(table, n_rows, rows_of, unknown_of, tokens, requests, inclusive, pool)
            reports = list(pool.map(lambda bound: pricer.block(*bound), bounds))
    else:
        pricer = _Pricer(table, n_rows, rows_of, unknown_of, tokens, requests, inclusive)
        reports = [pricer.block(*bound) for bound in bounds]

    merged = _Report(counts=np.zeros(table.n_models + 1, dtype=np.int64))
    for report in reports:
        merged.bad |= report.bad
        if report.counts is not None:
            merged.counts += report.counts
        for kind, hits in report.fallback_hits.items():
            merged.fallback_hits[kind] = np.union1d(merged.fallback_hits.get(kind, hits), hits)
        merged.unknown |= report.unknown
    arrays = [pd.arrays.FloatingArray(v, m) for v, m in zip(pricer.values, pricer.masks)]
    return arrays, merged


def _quote(names: list, limit: int = 8) -> str:
    shown = ", ".join("<NA>" if n is None else repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def warn_report(table: PriceTable, report: _Report, *, stacklevel: int) -> None:
    """The warnings a priced workload deserves: unknown ids, missing, placeholder and cache prices."""
    per_model = report.counts
    if per_model[-1]:
        names = sorted(report.unknown, key=lambda n: (n is None, str(n)))
        hints = "".join(suggest_model_ids(n, table.model_ids) for n in names[:3])
        warnings.warn(
            f"{int(per_model[-1])} row(s) name model ids that are not in the catalog: {_quote(names)}; "
            f"their costs are NA (ids match exactly, case-sensitive{hints}). Fix the ids or load a "
            "newer catalog with load_catalog()",
            UnknownModelWarning, stacklevel=stacklevel,
        )
    used = per_model[:-1] > 0
    unpriced = np.flatnonzero(used & table.unpriced[:-1])
    if unpriced.size:
        warnings.warn(
            f"the catalog has no input or output price for {_quote([table.model_ids[r] for r in unpriced])}; "
            "their costs are NA",
            MissingPriceWarning, stacklevel=stacklevel,
        )
    placeholder = np.flatnonzero(used & table.placeholder[:-1])
    if placeholder.size:
        warnings.warn(
            f"{_quote([table.model_ids[r] for r in placeholder])} carry placeholder token prices (image "
            "or video models): their real per-image or per-second price is not in the API, so these "
            "costs are not real",
            PlaceholderPriceWarning, stacklevel=stacklevel,
        )
    for kind, hits in report.fallback_hits.items():
        warnings.warn(
            f"{kind} tokens were billed at the input price for {_quote([table.model_ids[r] for r in hits])}: "
            f"the catalog has no {kind} price for them",
            CachePriceWarning, stacklevel=stacklevel,
        )


# --- estimate_cost ---------------------------------------------------------------------------------


def _is_dask(obj: Any) -> bool:
    # Checked by module name so that dask is imported only when a dask object is passed.
    return type(obj).__module__.split(".")[0] in ("dask", "dask_expr")


def _estimate_frame(
    table: PriceTable,
    workload: pd.DataFrame,
    spec: WorkloadSpec,
    *,
    target_row: int | None = None,
    prefix: str = "",
    warn: bool = True,
    stacklevel: int = 4,
) -> pd.DataFrame:
    """The workload with the cost columns added (``prefix`` + name), priced on its ids or on one model."""
    n_rows = len(workload)
    arrays = {column: _numeric_values(workload, column) for column in spec.numeric_columns}
    tokens = {kind: arrays[c] if c is not None else None for kind, c in spec.tokens.items()}
    requests = arrays[spec.requests] if spec.requests is not None else None
    if target_row is None:
        rows_of, unknown_of = _ids_source(table, workload[spec.model_id])
    else:
        def rows_of(lo: int, hi: int) -> np.ndarray:
            return np.full(hi - lo, target_row, dtype=np.intp)
        unknown_of = None
    costs, report = price_rows(table, n_rows, rows_of, tokens, requests,
                               inclusive=spec.input_includes_cache, unknown_of=unknown_of)
    if report.bad:
        raise _diagnose(workload.index, arrays, spec)
    if warn:
        warn_report(table, report, stacklevel=stacklevel)
    # concat does not copy the new arrays (df[col] = array would); the caller's frame is never changed.
    names = [prefix + column for column in COST_COLUMNS]
    kept = workload.drop(columns=[c for c in names if c in workload.columns])
    added = pd.DataFrame(dict(zip(names, costs)), index=workload.index, copy=False)
    result = pd.concat([kept, added], axis=1) if len(kept.columns) else added
    result.attrs = dict(workload.attrs)
    return result


def _quiet_estimate(workload, table, spec, target_row, prefix, to_label=None):
    """One dask partition: warnings raised in workers never reach the user, so none are raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PriceWarning)
        warnings.simplefilter("ignore", UnknownModelWarning)
        result = _estimate_frame(table, workload, spec, target_row=target_row, prefix=prefix, warn=False)
    if to_label is not None:
        result = _add_difference(result, to_label)
    return result


def _estimate_dask(table, workload, spec, *, target_row=None, prefix="", to_label=None):
    meta = _quiet_estimate(workload._meta, table, spec, target_row, prefix, to_label)
    return workload.map_partitions(
        _quiet_estimate, table, spec, target_row, prefix, to_label, meta=meta,
        token=f"aihubmix-estimate-cost-{prefix}",
    )


def _spec_for(
    workload: Any,
    *,
    model_id: str,
    input_tokens: str,
    output_tokens: str,
    cache_read_tokens: str | None,
    cache_write_tokens: str | None,
    requests: str | None,
    input_includes_cache: bool,
) -> WorkloadSpec:
    if not (isinstance(workload, pd.DataFrame) or _is_dask(workload)):
        raise TypeError(
            f"workload must be a pandas or dask DataFrame of requests, got {type(workload).__name__}; "
            "build one with pd.DataFrame({'model_id': [...], 'input_tokens': [...], 'output_tokens': [...]})"
        )
    spec = WorkloadSpec.resolve(
        workload.columns, model_id=model_id, input_tokens=input_tokens, output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens, cache_write_tokens=cache_write_tokens, requests=requests,
        input_includes_cache=input_includes_cache,
    )
    if _is_dask(workload):
        # Check the dtypes eagerly on the empty meta frame: a bad column fails now, not mid-compute.
        for column in spec.numeric_columns:
            dtype = workload.dtypes[column]
            if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
                raise ValueError(
                    f"column {column!r} has dtype {dtype}, expected numbers (token counts); convert it "
                    f"with ddf[{column!r}] = dd.to_numeric(ddf[{column!r}]) or fix the source files"
                )
    return spec


def estimate_cost(
    catalog: pd.DataFrame,
    workload: Any,
    *,
    input_includes_cache: bool = True,
    model_id: str = "model_id",
    input_tokens: str = "input_tokens",
    output_tokens: str = "output_tokens",
    cache_read_tokens: str | None = None,
    cache_write_tokens: str | None = None,
    requests: str | None = None,
) -> Any:
    """Price a request log: the same rows with ``input_cost_usd``, ``cache_read_cost_usd``,
    ``cache_write_cost_usd``, ``output_cost_usd`` and ``total_cost_usd`` (Float64, USD) added.

    ``workload`` has one row per request (or per group of identical requests): ``model_id``,
    ``input_tokens``, ``output_tokens`` and optionally ``cache_read_tokens``, ``cache_write_tokens``
    and ``requests`` (token counts are per request; ``requests`` multiplies). Name other columns
    with the keyword options. Ids match the catalog exactly (case-sensitive). With
    ``input_includes_cache=True`` (OpenAI's ``prompt_tokens``) the input counts include cached
    tokens; ``False`` is Anthropic's convention. See the module docstring for every rule.

    Unknown ids cost NA and raise one :class:`~aihubmix_frame.errors.UnknownModelWarning` naming
    them; cache tokens billed at the input price, placeholder and missing prices warn too
    (:class:`~aihubmix_frame.errors.PriceWarning` subclasses). Negative or missing counts, cache
    tokens above the input tokens (inclusive mode), non-numeric or missing columns raise
    ``ValueError`` naming the rows or columns.

    A dask DataFrame gives a lazy dask DataFrame with the same columns (one ``map_partitions``).
    Warnings raised in dask workers are not shown: unknown ids still cost NA.

    >>> import pandas as pd, aihubmix_frame as ahf
    >>> catalog = ahf.load_snapshot()
    >>> log = pd.DataFrame({"model_id": ["gpt-4o", "claude-opus-4-6"],
    ...                     "input_tokens": [2_000, 2_000], "output_tokens": [500, 500],
    ...                     "cache_read_tokens": [1_000, 1_000], "cache_write_tokens": [0, 1_000]})
    >>> costed = ahf.estimate_cost(catalog, log)
    >>> costed["total_cost_usd"].round(6).tolist()  # gpt-4o: 1000*2.5 + 1000*1.25 + 500*10 per 1M
    [0.00875, 0.01925]
    """
    spec = _spec_for(workload, model_id=model_id, input_tokens=input_tokens, output_tokens=output_tokens,
                     cache_read_tokens=cache_read_tokens, cache_write_tokens=cache_write_tokens,
                     requests=requests, input_includes_cache=input_includes_cache)
    table = price_table(catalog)
    if _is_dask(workload):
        return _estimate_dask(table, workload, spec)
    return _estimate_frame(table, workload, spec)


# --- reprice ---------------------------------------------------------------------------------------

REPRICED_PREFIX = "repriced_"


def _add_difference(result: pd.DataFrame, to_label: str) -> pd.DataFrame:
    result["repriced_model_id"] = pd.array([to_label] * len(result), dtype="string")
    result["cost_difference_usd"] = result[REPRICED_PREFIX + "total_cost_usd"] - result["total_cost_usd"]
    return result


def reprice(
    workload: Any,
    catalog: pd.DataFrame,
    *,
    to: str,
    input_includes_cache: bool = True,
    model_id: str = "model_id",
    input_tokens: str = "input_tokens",
    output_tokens: str = "output_tokens",
    cache_read_tokens: str | None = None,
    cache_write_tokens: str | None = None,
    requests: str | None = None,
) -> Any:
    """What the log would have cost on model ``to``, side by side with what it cost.

    Returns the rows of :func:`estimate_cost` (original costs) plus ``repriced_model_id``, the same
    five cost columns prefixed ``repriced_`` (every request billed on ``to``, with its tiers and cache
    prices), and ``cost_difference_usd`` = repriced total - original total (negative: ``to`` is
    cheaper). ``to`` must be an exact catalog id. Works on pandas and dask frames.

    >>> import pandas as pd, aihubmix_frame as ahf
    >>> log = pd.DataFrame({"model_id": ["gpt-4o"], "input_tokens": [10_000], "output_tokens": [1_000]})
    >>> out = ahf.reprice(log, ahf.load_snapshot(), to="gpt-5")
    >>> out[["total_cost_usd", "repriced_total_cost_usd", "cost_difference_usd"]].round(4).iloc[0].tolist()
    [0.035, 0.0225, -0.0125]
    """
    spec = _spec_for(workload, model_id=model_id, input_tokens=input_tokens, output_tokens=output_tokens,
                     cache_read_tokens=cache_read_tokens, cache_write_tokens=cache_write_tokens,
                     requests=requests, input_includes_cache=input_includes_cache)
    if not isinstance(to, str):
        raise TypeError(f"to must be a model id string, got {to!r}")
    table = price_table(catalog)
    row = table.row_of(to)
    if _is_dask(workload):
        original = _estimate_dask(table, workload, spec)
        return _estimate_dask(table, original, spec, target_row=row, prefix=REPRICED_PREFIX, to_label=to)
    original = _estimate_frame(table, workload, spec)
    result = _estimate_frame(table, original, spec, target_row=row, prefix=REPRICED_PREFIX)
    return _add_difference(result, to)
