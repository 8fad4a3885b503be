"""Aggregating a costed request log: cost per model (or any key) per day, month or overall."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..errors import PriceWarning
from .aggregates import AGGREGATE_MARKER
from .dask_adapter import compute_priced, is_dask
from .decompose import price_volume_effects, volume_columns
from .findings import warn_findings
from .partition import tally_findings

__all__ = ["summarize_cost", "PERIOD_COLUMN", "BILLED_COLUMN", "BILLED_GAP_COLUMN"]

PERIOD_COLUMN = "period"
#: Summed alongside the ``*_usd`` columns when present.
_COUNT_COLUMNS = (
    "requests",
    "request_count",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
)
#: What was billed (``read_usage`` writes it from LiteLLM, OpenRouter, xAI records), and its gap to the estimate.
BILLED_COLUMN = "billed_usd"
BILLED_GAP_COLUMN = "billed_minus_estimate_usd"


def _period_start(timestamps: pd.Series, freq: str) -> pd.Series:
    """The start of each timestamp's period: ``floor`` for fixed frequencies (D, h, min, ...),
    calendar arithmetic for anchored ones (MS, ME, QS, YS, W, ...). Time zones are kept."""
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError as exc:
        raise ValueError(f"unknown freq {freq!r} ({exc}); use e.g. 'D', 'h', 'W', 'MS', 'QS', 'YS'") from None
    if isinstance(offset, (pd.offsets.Tick, pd.offsets.Day)):  # Day is not a Tick in pandas 3
        return timestamps.dt.floor(freq)
    tz = timestamps.dt.tz
    day = (timestamps.dt.tz_localize(None) if tz is not None else timestamps).dt.normalize()
    name = type(offset).__name__
    if isinstance(offset, pd.offsets.Week):
        start = day.dt.to_period(offset.rule_code).dt.start_time.astype(day.dtype)
    elif name.endswith("Begin"):
        start = (day + offset) - offset  # the last anchor on or before the day
    elif name.endswith("End"):
        start = (day - offset) + pd.offsets.Day(1)  # the day after the previous period's end
    else:
        raise ValueError(f"freq {freq!r} is not supported here; use e.g. 'D', 'h', 'W', 'MS', 'QS', 'YS'")
    return start.dt.tz_localize(tz) if tz is not None else start


def _request_counts(costed: pd.DataFrame) -> pd.Series:
    """``request_count`` with the rows priced as single requests counted (a mixed log: per-request rows
    beside usage-export buckets have no count of their own): 1 each, or their ``requests``."""
    counts = costed["request_count"].astype("Int64")
    single = ~costed[AGGREGATE_MARKER].astype("boolean").fillna(True).to_numpy(dtype=bool) & counts.isna().to_numpy()
    per_row = costed["requests"].astype("Int64") if "requests" in costed.columns else pd.Series(1, index=costed.index)
    return counts.mask(single, per_row.astype("Int64"))


def _keys(by: str | Sequence[str] | None, columns: Sequence[str]) -> list[str]:
    if by is None:
        keys: list[str] = []
    elif isinstance(by, str):
        keys = [by]
    else:
        keys = list(by)
    missing = [k for k in keys if k not in columns]
    if missing:
        raise ValueError(f"cannot group by {missing}: the log has no such column(s); it has {list(columns)[:20]}")
    return keys


def summarize_cost(
    costed: Any,
    by: str | Sequence[str] | None = "model_id",
    freq: str | None = None,
    *,
    timestamp: str = "timestamp",
    skipna: bool = False,
    price_volume: bool = False,
    input_includes_cache: bool = True,
    compute: bool = True,
    progress: bool | None = None,
) -> Any:
    """Total cost per ``by`` key(s) and per period of ``freq`` (``"D"`` days, ``"MS"`` months, ...).

    ``costed`` is the output of :func:`~aihubmix_frame.estimate_cost` or
    :func:`~aihubmix_frame.reprice` (pandas or dask). Every ``*_usd`` column is summed, as are
    ``requests`` and the token columns when present; ``rows`` counts the log rows and
    ``unpriced_rows`` those without a total cost (unknown model ids). With ``skipna=False`` (the
    default) a sum that includes an NA cost is NA, so an unpriced request never shrinks a total
    silently; ``skipna=True`` sums the priced rows only. ``freq=None`` ignores time; otherwise the
    ``timestamp`` column (datetime, or text that parses as one) is cut into periods and the
    ``period`` column holds each period's start. Rows are sorted by the keys, then the period.

    Where the log says what was billed (a ``billed_usd`` column: LiteLLM's ``spend``, OpenRouter's
    ``usage.cost``, xAI's cost ticks, kept by :func:`~aihubmix_frame.read_usage`), it is summed like
    the other ``*_usd`` columns and ``billed_minus_estimate_usd`` = billed - ``total_cost_usd`` is
    added: what you paid against what the catalog's prices give, per key and period, in one call.
    A group with a row that says nothing billed has NA there (``skipna=True`` sums the rest).
    ``request_count`` (usage exports) is summed too; in a log that mixes exports and per-request rows
    (``aggregate_base_price`` False), each per-request row counts as one request (or its ``requests``).

    A dask log (the lazy output of ``estimate_cost`` or ``reprice`` on dask) is summarised on the
    cluster and the small summary comes back as pandas, computed in one pass with the counts of what
    the partitions could not price: those are warned here, on the client, with the wording and
    figures of the pandas path (once per computation), and the dask progress is shown when someone
    watches (``progress``; see :func:`aihubmix_frame.pricing.dask_adapter.compute`).
    ``compute=False`` returns the lazy summary instead (call :func:`aihubmix_frame.cost_report` for
    the warnings).

    ``price_volume=True`` (pandas, with ``freq``) splits each key's change from its previous period
    into ``price_effect_usd`` and ``volume_effect_usd`` (they add up to ``cost_change_usd``): per token
    kind, the change in billed tokens at the old unit price, and the change in unit price times the
    new tokens (:func:`aihubmix_frame.pricing.decompose.price_volume_effects`). It needs the canonical
    token columns; the convention is the row's ``input_includes_cache`` column, else the argument.

    >>> import pandas as pd, aihubmix_frame as ahf
    >>> log = pd.DataFrame({"model_id": ["gpt-4o", "gpt-4o", "gpt-5"],
    ...                     "timestamp": pd.to_datetime(["2026-07-01 10:00", "2026-07-01 18:00", "2026-07-02 09:00"]),
    ...                     "input_tokens": [100_000] * 3, "output_tokens": [0, 0, 0], "requests": [10] * 3})
    >>> daily = summarize_cost(ahf.estimate_cost(ahf.load_snapshot(), log), freq="D")
    >>> daily[["model_id", "period", "rows", "total_cost_usd"]].to_string(index=False)
    'model_id     period  rows  total_cost_usd\\n  gpt-4o 2026-07-01     2             5.0\\n   gpt-5 2026-07-02     1            1.25'
    """
    lazy = is_dask(costed)  # decided once
    columns = list(costed.columns)
    keys = _keys(by, columns)
    usd = [c for c in columns if c.endswith("_usd") and c not in keys]
    if "total_cost_usd" not in usd:
        raise ValueError(
            "the log has no total_cost_usd column: price it first with "
            "aihubmix_frame.estimate_cost(catalog, log) (or reprice), then summarize"
        )
    counts = [c for c in _COUNT_COLUMNS if c in columns and c not in keys]
    if freq is not None and timestamp not in columns:
        raise ValueError(
            f"freq={freq!r} needs a timestamp column; the log has no {timestamp!r}. Name yours with "
            "timestamp='...' or pass freq=None for totals over the whole log"
        )
    frame = costed[[*keys, *counts, *usd] + ([timestamp] if freq is not None else [])]
    if "request_count" in counts and AGGREGATE_MARKER in columns and not lazy:
        frame = frame.assign(request_count=_request_counts(costed))
    volumes: list[str] = []
    if price_volume:
        if freq is None or lazy:
            raise ValueError(
                "price_volume=True compares periods of a pandas log: pass freq= (e.g. 'MS') and a "
                "pandas frame (compute a dask one first)"
            )
        added = volume_columns(costed, input_includes_cache=input_includes_cache)
        frame = frame.assign(**added)
        volumes = list(added)
    if freq is not None:
        stamps = frame[timestamp]
        if not pd.api.types.is_datetime64_any_dtype(stamps.dtype):
            if lazy:
                raise ValueError(
                    f"column {timestamp!r} has dtype {stamps.dtype}, expected datetimes; convert it with "
                    f"dd.to_datetime(ddf[{timestamp!r}])"
                )
            try:
                stamps = pd.to_datetime(stamps)
            except (ValueError, TypeError) as exc:
                raise ValueError(
                    f"column {timestamp!r} does not hold datetimes ({exc}); convert it with "
                    f"pd.to_datetime(df[{timestamp!r}]) and fix the rows that fail"
                ) from None
        if lazy:
            period = stamps.map_partitions(_period_start, freq, meta=(PERIOD_COLUMN, stamps.dtype))
        else:
            period = _period_start(stamps, freq)
        frame = frame.drop(columns=[timestamp]).assign(**{PERIOD_COLUMN: period})
        keys = [*keys, PERIOD_COLUMN]

    # Sum each *_usd column and, next to it, how many of its values were NA.
    # request_count (usage exports) is NA where a report counts no requests: summed like a cost, never as 0.
    masked = [*usd, *(["request_count"] if "request_count" in counts else [])]
    missing = {f"__na_{c}": frame[c].isna().astype("int64") for c in masked}
    frame = frame.assign(rows=1, unpriced_rows=frame["total_cost_usd"].isna().astype("int64"), **missing)
    summed = [*counts, "rows", "unpriced_rows", *usd, *missing, *volumes]
    keyed = bool(keys)
    if not keyed:  # one group: the whole log
        frame = frame.assign(**{_ALL: 0})
        keys = [_ALL]
    # observed=True: categorical keys (priced_as, id_match) give only the groups that occur, on pandas 2 as on 3.
    grouped = frame.groupby(keys, sort=True, dropna=False, observed=True)[summed].sum()
    if lazy:
        summary = grouped.map_partitions(_finish, masked, skipna, keyed)
        if not compute:
            return summary
        result, pricing, tally = compute_priced(summary, costed, progress=progress)
        if pricing is not None:
            warn_findings(tally_findings(pricing.plan, tally), stacklevel=2)  # type: ignore[arg-type]  # tallied with it
        elif int(result["unpriced_rows"].sum()):
            warnings.warn(
                f"{int(result['unpriced_rows'].sum())} row(s) of this summary have no cost (NA): unknown model ids, "
                "models not priced per token, missing prices or rows before the first catalog version. This dask "
                "frame was filtered (or not priced by estimate_cost in this session), so their reasons are not "
                "counted here: call ahf.cost_report on the frame estimate_cost returned",
                PriceWarning,
                stacklevel=2,
            )
        return result.sort_values(keys).reset_index(drop=True) if keyed else result
    result = _finish(grouped, masked, skipna, keyed)
    if price_volume:
        result = price_volume_effects(result, [k for k in keys if k != PERIOD_COLUMN], PERIOD_COLUMN)
    return result


_ALL = "__whole_log__"


def _finish(grouped: pd.DataFrame, usd: list[str], skipna: bool, keyed: bool) -> pd.DataFrame:
    result = grouped.copy()
    rows = result["rows"].to_numpy()
    for column in usd:
        na = result.pop(f"__na_{column}").to_numpy()
        values = result[column].astype("Int64" if column == "request_count" else "Float64")
        # skipna=False: any NA makes the sum NA; skipna=True: only a group with no priced row is NA.
        result[column] = values.mask(na > 0 if not skipna else na >= rows)
    for column in ("rows", "unpriced_rows"):
        result[column] = result[column].astype("int64")
    if BILLED_COLUMN in usd:
        result[BILLED_GAP_COLUMN] = result[BILLED_COLUMN] - result["total_cost_usd"]
    return result.reset_index() if keyed else result.reset_index(drop=True)
