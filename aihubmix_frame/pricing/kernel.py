"""The vectorised pricing kernel: price rows in cache-sized blocks on a few threads, and report what it saw.

Per block: look the model ids up in the :class:`~aihubmix_frame.pricing.table.PriceTable`, take each
kind's price per row (tier levels for the few tiered rows), multiply by tokens and requests, add
up, into preallocated Float64 buffers. Numpy and pyarrow release the GIL, so blocks run in parallel.
"""

from __future__ import annotations

import math
import mmap
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..progress import progress_bar
from .table import CACHE_KINDS, KINDS, PriceTable
from .workload import MAX_EXACT_COUNT, row_labels

__all__ = [
    "COST_COLUMNS",
    "Report",
    "ids_source",
    "arrow_ids",
    "output_array",
    "price_rows",
    "merge_reports",
    "BLOCK_ROWS",
    "POPULATE_BYTES",
]

#: The cost columns, in order (Float64, USD).
COST_COLUMNS: tuple[str, ...] = (
    "input_cost_usd",
    "cache_read_cost_usd",
    "cache_write_cost_usd",
    "output_cost_usd",
    "total_cost_usd",
)

# Rows priced per step: a block's temporaries stay in the CPU cache, and blocks run on a few threads
# (numpy and pyarrow release the GIL), which is what makes a 10M-row log take well under a second.
BLOCK_ROWS = 1 << 17
_MAX_THREADS = max(1, min(4, os.cpu_count() or 1))
#: Runs this long (about 3 s and more on one core) get a progress bar when someone watches.
PROGRESS_ROWS = 30_000_000


@dataclass
class Report:
    """What one priced block saw; merged into the warnings of the whole call."""

    bad: bool = False
    counts: np.ndarray | None = None
    fallback_hits: dict[str, np.ndarray] = field(default_factory=dict)
    unknown: set = field(default_factory=set)
    exceeds: np.ndarray | None = None  # the whole call: True where a row's prompt exceeds its context
    over_context: np.ndarray | None = None  # per catalog row: rows whose prompt exceeds its context


def ids_source(table: PriceTable, series: pd.Series) -> tuple[Callable[[int, int], np.ndarray], Callable]:
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
        category_ids = arrow_ids(categories, series.name)
        # Code -1 (NA) indexes the last element: the unknown row.
        code_rows = np.append(table.lookup(category_ids), table.n_models)
        names = np.array([*category_ids.to_pylist(), None], dtype=object)

        def rows(lo: int, hi: int) -> np.ndarray:
            return code_rows[codes[lo:hi]]

        def unknown(lo: int, hi: int, mask: np.ndarray) -> set:
            return set(names[np.unique(codes[lo:hi][mask])].tolist())

        return rows, unknown

    ids = arrow_ids(series, series.name)

    def rows(lo: int, hi: int) -> np.ndarray:  # type: ignore[no-redef]  # the other branch's ids
        return table.lookup(ids.slice(lo, hi - lo))

    def unknown(lo: int, hi: int, mask: np.ndarray) -> set:  # type: ignore[no-redef]
        return set(pc.unique(ids.slice(lo, hi - lo).filter(pa.array(mask))).to_pylist())

    return rows, unknown


def arrow_ids(series: pd.Series, name: Any) -> pa.Array:
    """Model ids as an Arrow string array, zero-copy for pyarrow-backed strings."""
    dtype = series.dtype
    if len(series) == 0:  # an empty log: its id column may have any dtype (float64 from no records)
        return pa.array([], type=pa.large_string())
    try:
        if pd.api.types.is_string_dtype(dtype) and dtype != object:
            array = pa.array(series.array)
        elif dtype == object:
            array = pa.array(series.to_numpy(), type=pa.large_string(), from_pandas=True)
        else:
            raise TypeError
    except (TypeError, pa.ArrowInvalid, pa.ArrowTypeError):
        values = series.to_numpy(dtype=object)
        bad = [
            i
            for i, v in enumerate(values)
            if not (isinstance(v, str) or v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)))
        ]
        bad = bad or list(range(len(values)))
        raise ValueError(
            f"column {name!r} must hold model ids as strings (dtype {dtype}); rows "
            f"{row_labels(series.index, np.array(bad))} hold {[values[i] for i in bad[:3]]!r}. "
            f"Convert with df[{name!r}].astype('string') if the values are ids"
        ) from None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.large_string())
    return array


POPULATE_BYTES = 64 << 20  # outputs at least this big are mapped with MAP_POPULATE (Linux)


def output_array(n: int, dtype: Any) -> np.ndarray:
    """An uninitialised output array; big ones come from an anonymous mapping populated up front.

    Every byte of an output is written, so asking the kernel for all its pages in one call is cheaper
    than a page fault per page, and it avoids the transparent-huge-page compaction stalls that make
    first touches slow after other work freed memory (measured: 0.23 s instead of 0.5-0.65 s of
    kernel time for the 450 MB of a 10M-row result).
    """
    size = n * np.dtype(dtype).itemsize
    populate = getattr(mmap, "MAP_POPULATE", None)
    if size < POPULATE_BYTES or populate is None:
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

    def __init__(
        self,
        table: Any,
        n_rows: int,
        rows_of: Any,
        unknown_of: Any,
        tokens: Any,
        requests: Any,
        inclusive: Any,
        pool: Any = None,
    ) -> None:
        self.table = table
        self.rows_of = rows_of
        self.unknown_of = unknown_of
        self.tokens = tokens
        self.requests = requests
        self.inclusive = inclusive
        # The ten output arrays are mapped in parallel when there is a pool (mmap releases the GIL).
        kinds = [np.float64] * len(COST_COLUMNS) + [np.bool_] * len(COST_COLUMNS)
        arrays = list((pool.map if pool is not None else map)(lambda d: output_array(n_rows, d), kinds))
        self.values, self.masks = arrays[: len(COST_COLUMNS)], arrays[len(COST_COLUMNS) :]
        self.exceeds = np.zeros(n_rows, dtype=bool)  # calloc: pages are touched only where a row exceeds
        # Models already found billing cache tokens at the input price: later blocks skip the check.
        # Threads only ever set entries to True, so a stale read merely repeats a check.
        self.fallback_seen = {kind: np.zeros(table.n_models + 1, dtype=bool) for kind in CACHE_KINDS}

    def block(self, lo: int, hi: int) -> Report:
        table = self.table
        report = Report()
        rows = self.rows_of(lo, hi)
        block: dict[str, Any] = {k: (v[lo:hi] if v is not None else None) for k, v in self.tokens.items()}
        requests = self.requests[lo:hi] if self.requests is not None else None
        inp, read, write, out = (block[k] for k in KINDS)
        cache_parts = [a for a in (read, write) if a is not None]
        # In the inclusive convention, uncached >= 0 and cache >= 0 imply input >= 0: one check less.
        implied = self.inclusive and cache_parts
        # Every count is checked for >= 0 (NaN fails) and <= 2**53 (inf fails): beyond that float64 is
        # inexact, and below it no int64 sum or difference of counts can wrap around.
        maxima = {}
        for name, array in (
            ("input", inp),
            ("read", read),
            ("write", write),
            ("out", out),
            ("requests", requests),
        ):
            if array is None or not array.size:
                continue
            if not (name == "input" and implied) and not array.min() >= 0:  # negative, or NaN
                report.bad = True
            maxima[name] = array.max()
            if not maxima[name] <= MAX_EXACT_COUNT:
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
            levels = rows[tiered] * table.levels + (prompt[:, None] > table.sizes[rows[tiered]]).sum(axis=1)
        prompt_bound = maxima.get("input", 0) + (
            0 if self.inclusive else maxima.get("read", 0) + maxima.get("write", 0)
        )
        known_context = table.context[:-1][used[:-1]]
        if known_context.size and prompt_bound > np.nanmin(known_context, initial=np.inf):
            self._over_context(lo, hi, rows, inp, cache_parts, report)
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

    def _over_context(self, lo: int, hi: int, rows: Any, inp: Any, cache_parts: Any, report: Any) -> None:
        """Mark the rows whose whole prompt exceeds their model's context length."""
        prompt = inp if self.inclusive or not cache_parts else inp + sum(cache_parts)
        over = prompt > self.table.context[rows]  # NaN (unknown context, unknown model): False
        if over.any():
            self.exceeds[lo:hi] = over
            report.over_context = np.bincount(rows[over], minlength=self.table.n_models + 1)

    def _mask(self, position: Any, lo: int, hi: int, values: Any, unpriced: Any, unknown_mask: Any) -> None:
        if unpriced:
            np.isnan(values, out=self.masks[position][lo:hi])
        elif unknown_mask is not None:
            self.masks[position][lo:hi] = unknown_mask
        else:
            self.masks[position][lo:hi] = False

    def _fallback_hits(
        self, kind: str, rows: Any, tiered: Any, levels: Any, component: Any, used: Any
    ) -> np.ndarray | None:
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
    tokens: Mapping[str, Any],
    requests: np.ndarray | None,
    *,
    inclusive: bool,
    unknown_of: Callable | None = None,
    progress: bool | None = False,
) -> tuple[list[pd.arrays.FloatingArray], Report]:
    """Price ``n_rows`` rows in blocks (threads when there are several): five Float64 arrays + report.

    ``progress``: a ``tqdm`` bar over the blocks of a run of at least ``PROGRESS_ROWS`` rows
    (``None``: when someone watches, see :func:`aihubmix_frame.progress.progress_bar`).
    """
    bounds = [(lo, min(n_rows, lo + BLOCK_ROWS)) for lo in range(0, n_rows, BLOCK_ROWS)] or [(0, 0)]
    # A bar only for long runs (>= PROGRESS_ROWS rows) where someone is watching: see aihubmix_frame.progress.
    with progress_bar(len(bounds), progress if n_rows >= PROGRESS_ROWS else False, desc="pricing", unit="block") as bar:

        def run(bound: tuple[int, int]) -> Report:
            report = pricer.block(*bound)
            bar.update(1)
            return report

        if len(bounds) > 1 and _MAX_THREADS > 1:
            with ThreadPoolExecutor(max_workers=min(_MAX_THREADS, len(bounds))) as pool:
                pricer = _Pricer(table, n_rows, rows_of, unknown_of, tokens, requests, inclusive, pool)
                reports = list(pool.map(run, bounds))
        else:
            pricer = _Pricer(table, n_rows, rows_of, unknown_of, tokens, requests, inclusive)
            reports = [run(bound) for bound in bounds]

    merged = merge_reports(reports, table.n_models + 1)
    merged.exceeds = pricer.exceeds
    arrays = [pd.arrays.FloatingArray(v, m) for v, m in zip(pricer.values, pricer.masks)]
    return arrays, merged


def merge_reports(reports: list[Report], width: int) -> Report:
    """One report for several (blocks of a call, partitions of a dask log): counts summed, sets united.

    ``exceeds`` (the per-row flags of one call) is not merged; the caller sets it when it has one.
    """
    merged = Report(counts=np.zeros(width, dtype=np.int64))
    for report in reports:
        merged.bad |= report.bad
        if report.counts is not None:
            merged.counts += report.counts
        for kind, hits in report.fallback_hits.items():
            merged.fallback_hits[kind] = np.union1d(merged.fallback_hits.get(kind, hits), hits)
        merged.unknown |= report.unknown
        if report.over_context is not None:
            merged.over_context = (
                report.over_context if merged.over_context is None else merged.over_context + report.over_context
            )
    return merged
