"""Data-quality findings about a catalog frame: one small vectorised check per known trap.

``quality_report(df)`` returns a tidy frame, one row per finding: ``model_id``, ``check``,
``severity`` (``error``, ``warning``, ``info``) and ``detail``. The checks, in report order:

=============================  ========  ===========================================================
check                          severity  a model is reported when
=============================  ========  ===========================================================
tools_vs_function_calling      info      it has the ``tools`` feature without ``function_calling``,
                                         or the reverse
reasoning_vs_thinking          warning   ``reasoning`` is stated and disagrees with the ``thinking``
                                         feature token (``reasoning`` is its alias)
tool_call_vs_features          warning   ``tool_call`` is stated and disagrees with having ``tools``
                                         or ``function_calling``
cache_read_not_cheaper         warning   ``cache_read`` >= ``input`` price (input above 0)
cache_write_below_input        warning   ``cache_write`` < ``input`` price (writing usually costs more)
placeholder_price              warning   an image/video model with a placeholder token price
                                         (:func:`aihubmix_frame.frame.placeholder_price_mask`)
free_model                     info      input and output price are both 0
implausible_price              warning   a unit-slip suspect: a model priced per token with an input
                                         or output price above 0 and below $0.001 per 1M tokens, or
                                         100x below the cheapest other paid model of its family or
                                         vendor (:func:`aihubmix_frame.placeholders.implausible_price_reasons`);
                                         ``cheapest`` and the cost explorer leave these out by default
output_cheaper_than_input      info      ``output`` < ``input`` price
max_output_unknown             info      ``max_output`` is missing (the API's 0 means unknown)
max_output_not_below_context   warning   ``max_output`` >= ``context_length`` (a back-filled ceiling)
case_twin                      info      another id differs only in letter case, same prices
case_twin_price                warning   another id differs only in letter case, other prices
empty_types                    info      ``types`` is empty
empty_features                 info      ``features`` is empty
empty_input_modalities         info      ``input_modalities`` is empty
unknown_type                   warning   a type token outside the documented and observed types
unknown_feature                warning   a feature token outside the seven documented features
deprecated                     warning   ``retire_stage`` is set (``deprecated``: being retired)
tiers_not_increasing           error     tier sizes repeat, or a tier's input/output price is below
                                         the level beneath it (base price or previous tier)
variant_of_unlisted            warning   ``variant_of`` names an id that is not in the frame
variant_of_loop                error     the ``variant_of`` chain loops back (self-loops too)
unreadable_value               warning   a served date or flag did not parse (noted by
                                         ``catalog_to_frame`` in ``attrs["aihubmix"]``)
=============================  ========  ===========================================================

Checks whose columns a frame lacks (a catalog from before 2026) are skipped. Pure: the frame is
never changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema

__all__ = ["quality_report", "CHECKS", "SEVERITIES", "REPORT_COLUMNS"]

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
REPORT_COLUMNS: tuple[str, ...] = ("model_id", "check", "severity", "detail")

#: A check returns a boolean mask over the rows and the detail: one text, or one text per row.
Finding = tuple[np.ndarray, Any]


def _bools(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype=bool, na_value=False)


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=float, na_value=np.nan)


def _tools_vs_function_calling(frame: pd.DataFrame) -> Finding:
    tools, calling = _bools(frame["has_tools"]), _bools(frame["has_function_calling"])
    detail = np.where(tools, "tools without function_calling", "function_calling without tools")
    return tools != calling, detail


def _stated_mismatch(flag: pd.Series, features: np.ndarray, name: str, tokens: str) -> Finding:
    stated = _bools(flag.notna())
    value = _bools(flag)
    detail = np.where(value, f"{name}=true but no {tokens} feature", f"{name}=false but a {tokens} feature")
    return stated & (value != features), detail


def _reasoning_vs_thinking(frame: pd.DataFrame) -> Finding:
    return _stated_mismatch(frame["reasoning"], _bools(frame["has_thinking"]), "reasoning", "thinking")


def _tool_call_vs_features(frame: pd.DataFrame) -> Finding:
    features = _bools(frame["has_tools"]) | _bools(frame["has_function_calling"])
    return _stated_mismatch(frame["tool_call"], features, "tool_call", "tools/function_calling")


def _cache_read_not_cheaper(frame: pd.DataFrame) -> Finding:
    read, given = _floats(frame, "cache_read_usd_per_1m"), _floats(frame, "input_usd_per_1m")
    return (read >= given) & (given > 0), "cache_read price is not below the input price"


def _cache_write_below_input(frame: pd.DataFrame) -> Finding:
    write, given = _floats(frame, "cache_write_usd_per_1m"), _floats(frame, "input_usd_per_1m")
    return write < given, "cache_write price is below the input price"


def _placeholder_price(frame: pd.DataFrame) -> Finding:
    from .frame import placeholder_price_mask

    return placeholder_price_mask(frame), "image/video placeholder token price, not the real price"


def _free_model(frame: pd.DataFrame) -> Finding:
    return (_floats(frame, "input_usd_per_1m") == 0) & (
        _floats(frame, "output_usd_per_1m") == 0
    ), "input and output price are 0"


def _implausible_price(frame: pd.DataFrame) -> Finding:
    from .placeholders import implausible_price_reasons

    reasons = implausible_price_reasons(frame)
    return reasons != "", reasons


def _output_cheaper_than_input(frame: pd.DataFrame) -> Finding:
    return _floats(frame, "output_usd_per_1m") < _floats(
        frame, "input_usd_per_1m"
    ), "output price is below the input price"


def _max_output_unknown(frame: pd.DataFrame) -> Finding:
    return _bools(frame["max_output"].isna()), "max_output is 0 or absent: unknown"


def _max_output_not_below_context(frame: pd.DataFrame) -> Finding:
    return _floats(frame, "max_output") >= _floats(frame, "context_length"), "max_output is not below context_length"


def _case_groups(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(in a case-twin group, that group's prices differ), per row."""
    ids = frame["model_id"]
    lowered = ids.str.lower()
    twins = _bools(lowered.duplicated(keep=False)) & ~_bools(ids.duplicated(keep=False))
    differs = np.zeros(len(frame), dtype=bool)
    if twins.any():
        prices = frame.loc[twins, list(schema.PRICE_COLUMNS)].astype("float64").fillna(-1.0)
        keys = lowered[twins]
        spread = prices.groupby(keys.to_numpy()).transform("nunique").max(axis=1).to_numpy()
        differs[np.flatnonzero(twins)] = spread > 1
    return twins, differs


def _case_twin(frame: pd.DataFrame) -> Finding:
    twins, differs = _case_groups(frame)
    return twins & ~differs, "another id differs only in letter case (same prices)"


def _case_twin_price(frame: pd.DataFrame) -> Finding:
    _twins, differs = _case_groups(frame)
    return differs, "another id differs only in letter case, with other prices: match ids exactly"


def _empty(column: str) -> Callable[[pd.DataFrame], Finding]:
    def check(frame: pd.DataFrame) -> Finding:
        return _bools(frame[column].list.len() == 0), f"{column} is empty"

    return check


def _unknown_tokens(column: str, known: Iterable[str]) -> Callable[[pd.DataFrame], Finding]:
    vocabulary = pa.array(sorted(set(known)), type=pa.string())

    def check(frame: pd.DataFrame) -> Finding:
        lists = pa.array(frame[column].array)
        flat = pc.list_flatten(lists)
        unknown = pc.invert(pc.is_in(flat, value_set=vocabulary)).to_numpy(zero_copy_only=False)
        rows = pc.list_parent_indices(lists).to_numpy()[unknown]
        mask = np.zeros(len(frame), dtype=bool)
        mask[rows] = True
        detail = np.full(len(frame), "", dtype=object)
        tokens = pd.Series(flat.filter(pa.array(unknown)).to_pylist(), dtype=object)
        for row, joined in tokens.groupby(rows).agg(", ".join).items():
            detail[cast(int, row)] = f"unknown {column} token(s): {joined}"
        return mask, detail

    return check


def _deprecated(frame: pd.DataFrame) -> Finding:
    stage = frame["retire_stage"]
    return _bools(stage.notna()), ("retire_stage=" + stage.fillna("")).to_numpy(dtype=object)


def tier_problem(base: tuple[float, float], tiers: list) -> str | None:
    """Why a model's tiers do not increase (sizes repeat, or a tier is cheaper than the level below), or None."""
    sizes = [t["tier"]["size"] for t in tiers]
    if len(set(sizes)) < len(sizes):
        return f"tier sizes repeat: {sizes}"
    below: tuple[float, ...] = base
    for tier in tiers:
        here = tuple(np.nan if tier.get(k) is None else float(tier[k]) for k in ("input", "output"))
        if any(h < b for h, b in zip(here, below)):
            return f"the tier above {tier['tier']['size']:,} tokens is cheaper than the level below"
        below = tuple(b if np.isnan(h) else h for h, b in zip(here, below))
    return None


def _tiers_not_increasing(frame: pd.DataFrame) -> Finding:
    mask = np.zeros(len(frame), dtype=bool)
    detail = np.full(len(frame), "", dtype=object)
    cells = frame["price_tiers"].to_numpy(dtype=object)
    given, output = _floats(frame, "input_usd_per_1m"), _floats(frame, "output_usd_per_1m")
    for row in np.flatnonzero(_bools(frame["price_tiers"].notna())):  # only the few tiered models
        problem = tier_problem((given[row], output[row]), cells[row])
        if problem:
            mask[row], detail[row] = True, problem
    return mask, detail


def _strings(series: pd.Series) -> pa.Array:
    return pa.array(series.array, type=pa.large_string()) if len(series) else pa.array([], pa.large_string())


def _variant_of_unlisted(frame: pd.DataFrame) -> Finding:
    parent = _strings(frame["variant_of"])
    listed = pc.is_in(parent, value_set=_strings(frame["model_id"])).to_numpy(zero_copy_only=False)
    mask = parent.is_valid().to_numpy(zero_copy_only=False) & ~listed
    detail = np.full(len(frame), "", dtype=object)
    detail[mask] = ["variant_of names an unlisted id: " + p for p in parent.filter(pa.array(mask)).to_pylist()]
    return mask, detail


def _variant_of_loop(frame: pd.DataFrame) -> Finding:
    from .families import cycle_members

    parent = _strings(frame["variant_of"])
    ids = _strings(frame["model_id"])
    mask = np.zeros(len(frame), dtype=bool)
    detail = np.full(len(frame), "", dtype=object)
    if parent.null_count == len(parent):
        return mask, detail
    described = {
        member: "variant_of loops: " + " -> ".join([*loop, loop[0]])
        for loop in cycle_members(ids.to_pylist(), parent.to_pylist())
        for member in loop
    }
    if described:
        mask = pc.is_in(ids, value_set=pa.array(list(described), pa.large_string())).to_numpy(zero_copy_only=False)
        detail[mask] = [described[m] for m in ids.filter(pa.array(mask)).to_pylist()]
    return mask, detail


def _unreadable_value(frame: pd.DataFrame) -> Finding:
    noted = frame.attrs.get(schema.ATTRS_KEY, {}).get(schema.UNREADABLE_KEY) or {}
    mask = np.zeros(len(frame), dtype=bool)
    detail = np.full(len(frame), "", dtype=object)
    for field, model_ids in noted.items():
        rows = _bools(frame["model_id"].isin(model_ids))
        mask |= rows
        detail[rows] = np.where(detail[rows] == "", f"{field} did not parse", detail[rows] + f", {field}")
    return mask, detail


#: check name -> (severity, columns it needs, function).
CHECKS: dict[str, tuple[str, tuple[str, ...], Callable[[pd.DataFrame], Finding]]] = {
    "tools_vs_function_calling": ("info", ("has_tools", "has_function_calling"), _tools_vs_function_calling),
    "reasoning_vs_thinking": ("warning", ("reasoning", "has_thinking"), _reasoning_vs_thinking),
    "tool_call_vs_features": (
        "warning",
        ("tool_call", "has_tools", "has_function_calling"),
        _tool_call_vs_features,
    ),
    "cache_read_not_cheaper": (
        "warning",
        ("cache_read_usd_per_1m", "input_usd_per_1m"),
        _cache_read_not_cheaper,
    ),
    "cache_write_below_input": (
        "warning",
        ("cache_write_usd_per_1m", "input_usd_per_1m"),
        _cache_write_below_input,
    ),
    "placeholder_price": ("warning", ("types", "input_usd_per_1m", "output_usd_per_1m"), _placeholder_price),
    "free_model": ("info", ("input_usd_per_1m", "output_usd_per_1m"), _free_model),
    "implausible_price": ("warning", ("types", *schema.PRICE_COLUMNS), _implausible_price),
    "output_cheaper_than_input": (
        "info",
        ("input_usd_per_1m", "output_usd_per_1m"),
        _output_cheaper_than_input,
    ),
    "max_output_unknown": ("info", ("max_output",), _max_output_unknown),
    "max_output_not_below_context": (
        "warning",
        ("max_output", "context_length"),
        _max_output_not_below_context,
    ),
    "case_twin": ("info", schema.PRICE_COLUMNS, _case_twin),
    "case_twin_price": ("warning", schema.PRICE_COLUMNS, _case_twin_price),
    "empty_types": ("info", ("types",), _empty("types")),
    "empty_features": ("info", ("features",), _empty("features")),
    "empty_input_modalities": ("info", ("input_modalities",), _empty("input_modalities")),
    "unknown_type": (
        "warning",
        ("types",),
        _unknown_tokens("types", (*schema.DOCUMENTED_TYPES, *schema.OBSERVED_TYPES)),
    ),
    "unknown_feature": ("warning", ("features",), _unknown_tokens("features", schema.FEATURES)),
    "deprecated": ("warning", ("retire_stage",), _deprecated),
    "tiers_not_increasing": (
        "error",
        ("price_tiers", "input_usd_per_1m", "output_usd_per_1m"),
        _tiers_not_increasing,
    ),
    "variant_of_unlisted": ("warning", ("variant_of",), _variant_of_unlisted),
    "variant_of_loop": ("error", ("variant_of",), _variant_of_loop),
    "unreadable_value": ("warning", (), _unreadable_value),
}


def _selection(value: str | Iterable[str] | None, valid: Iterable[str], what: str) -> set[str] | None:
    if value is None:
        return None
    chosen = {value} if isinstance(value, str) else set(value)
    unknown = sorted(chosen - set(valid))
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; choose from {', '.join(valid)}")
    return chosen


def quality_report(
    frame: pd.DataFrame,
    *,
    severity: str | Iterable[str] | None = None,
    checks: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Findings about ``frame``, one row per model and check (see the table in this module's docstring).

    ``severity`` keeps only those severities (``"error"``, ``["error", "warning"]``); ``checks``
    only those checks. Rows come check by check (table order), then in frame order; every
    column is pandas ``string``. Does not mutate ``frame``.

    >>> import aihubmix_frame as ahf
    >>> df = ahf.catalog_to_frame([
    ...     {"model_id": "a", "features": "tools", "pricing": {"input": 1, "output": 2, "cache_read": 1}},
    ...     {"model_id": "b", "variant_of": "gone", "pricing": {"input": 0, "output": 0}}])
    >>> report = quality_report(df, severity="warning")
    >>> report[["model_id", "check", "severity"]]
      model_id                   check severity
    0        a  cache_read_not_cheaper  warning
    1        b     variant_of_unlisted  warning
    >>> report.loc[1, "detail"]
    'variant_of names an unlisted id: gone'
    """
    schema.require_columns(frame, ("model_id",), needed_for="quality_report")
    wanted_severities = _selection(severity, SEVERITIES, "severity")
    wanted_checks = _selection(checks, CHECKS, "check")
    ids = _strings(frame["model_id"])
    rows_of, checks_of, severities_of, details = [], [], [], []
    for name, (level, needs, check) in CHECKS.items():
        if wanted_checks is not None and name not in wanted_checks:
            continue
        if wanted_severities is not None and level not in wanted_severities:
            continue
        if any(column not in frame.columns for column in needs):
            continue
        mask, detail = check(frame)
        rows = np.flatnonzero(mask)
        if len(rows):
            rows_of.append(rows)
            checks_of.append(name)
            severities_of.append(level)
            details.append(
                _repeat(detail, len(rows))
                if isinstance(detail, str)
                else pa.array(np.asarray(detail, dtype=object)[rows], type=pa.large_string())
            )
    lengths = [len(rows) for rows in rows_of]
    positions = np.concatenate(rows_of) if rows_of else np.zeros(0, dtype=np.int64)
    columns = {
        "model_id": ids.take(pa.array(positions, type=pa.int64())),
        "check": pa.array(checks_of, pa.large_string()).take(pa.array(np.repeat(np.arange(len(lengths)), lengths))),
        "severity": pa.array(severities_of, pa.large_string()).take(
            pa.array(np.repeat(np.arange(len(lengths)), lengths))
        ),
        "detail": pa.concat_arrays(details) if details else pa.array([], pa.large_string()),
    }
    strings: Any = pd.StringDtype()  # pandas-stubs lacks __from_arrow__
    return pd.DataFrame({name: strings.__from_arrow__(values) for name, values in columns.items()})


def _repeat(text: str, times: int) -> pa.Array:
    """``text`` ``times`` times, as an Arrow string array (built in C, not a Python list)."""
    return pa.array([text], type=pa.large_string()).take(pa.array(np.zeros(times, dtype=np.int64)))
