"""The workload: which request-log column holds what, and the checks its values must pass before pricing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .table import CACHE_KINDS

__all__ = [
    "WorkloadSpec",
    "TOKEN_COLUMNS",
    "workload_spec",
    "numeric_values",
    "diagnose",
    "row_labels",
    "MAX_EXACT_COUNT",
    "convention_flags",
]

#: The largest count float64 holds exactly (2**53); bigger counts are refused, which also keeps every
#: int64 sum and difference of counts far from wrapping around.
MAX_EXACT_COUNT = 2**53

#: Default workload column of each token kind (rename with estimate_cost's keyword arguments).
TOKEN_COLUMNS: dict[str, str] = {
    "input": "input_tokens",
    "cache_read": "cache_read_tokens",
    "cache_write": "cache_write_tokens",
    "output": "output_tokens",
}


@dataclass(frozen=True)
class WorkloadSpec:
    """Which workload column holds what; ``None`` for an optional column that is absent."""

    model_id: str
    tokens: dict[str, Any]  # kind -> column name; None for a count the log does not have
    requests: str | None
    input_includes_cache: bool
    convention_column: str | None = None  # a boolean column with each row's convention

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
        convention_column: str | None = None,
    ) -> WorkloadSpec:
        """The spec of a log with these ``columns``; ``ValueError`` naming the columns it lacks.

        >>> WorkloadSpec.resolve(["model_id", "input_tokens", "output_tokens", "requests"],
        ...     model_id="model_id", input_tokens="input_tokens", output_tokens="output_tokens",
        ...     cache_read_tokens=None, cache_write_tokens=None, requests=None,
        ...     input_includes_cache=True).numeric_columns
        ['input_tokens', 'output_tokens', 'requests']
        """
        if not isinstance(input_includes_cache, (bool, np.bool_)):
            raise TypeError(f"input_includes_cache must be True or False, got {input_includes_cache!r}")
        present = list(columns)
        required = {"model_id": model_id, "input_tokens": input_tokens, "output_tokens": output_tokens}
        optional = {
            "cache_read_tokens": cache_read_tokens,
            "cache_write_tokens": cache_write_tokens,
            "requests": requests,
        }
        missing = [f"{name} (option {option}=)" for option, name in required.items() if name not in present]
        missing += [
            f"{name} (option {option}=)"
            for option, name in optional.items()
            if name is not None and name not in present
        ]
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
            convention_column=convention_column,
        )

    @property
    def numeric_columns(self) -> list[str]:
        names = [c for c in self.tokens.values() if c is not None]
        return names + ([self.requests] if self.requests is not None else [])


def workload_spec(
    workload: Any,
    *,
    model_id: str,
    input_tokens: str,
    output_tokens: str,
    cache_read_tokens: str | None,
    cache_write_tokens: str | None,
    requests: str | None,
    input_includes_cache: bool,
    convention_column: str | None = None,
    lazy: bool = False,
) -> WorkloadSpec:
    """The :class:`WorkloadSpec` of a pandas or (``lazy``) dask request log, its column dtypes checked (dask: eagerly)."""
    if not (isinstance(workload, pd.DataFrame) or lazy):
        raise TypeError(
            f"workload must be a pandas or dask DataFrame of requests, got {type(workload).__name__}; "
            "build one with pd.DataFrame({'model_id': [...], 'input_tokens': [...], 'output_tokens': [...]})"
        )
    spec = WorkloadSpec.resolve(
        workload.columns,
        model_id=model_id,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens,
        requests=requests,
        input_includes_cache=input_includes_cache,
        convention_column=convention_column,
    )
    if lazy:
        # Check the dtypes eagerly on the empty meta frame: a bad column fails now, not mid-compute.
        for column in spec.numeric_columns:
            dtype = workload.dtypes[column]
            if (
                pd.api.types.is_bool_dtype(dtype)
                or not pd.api.types.is_numeric_dtype(dtype)
                or pd.api.types.is_complex_dtype(dtype)
            ):
                raise ValueError(
                    f"column {column!r} has dtype {dtype}, expected numbers (token counts); convert it "
                    f"with ddf[{column!r}] = dd.to_numeric(ddf[{column!r}]) or fix the source files"
                )
    return spec


def row_labels(index: pd.Index, positions: np.ndarray, limit: int = 5) -> str:
    """The index labels at the first ``limit`` positions, for error messages: ``"['a', 'b'] and 3 more"``."""
    labels = index[np.asarray(positions[:limit], dtype=np.intp)].tolist()  # Python values: 8, not np.int64(8)
    more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
    return f"{labels}{more}"


def _from_objects(frame: pd.DataFrame, column: str) -> np.ndarray | None:
    """An object column of Python numbers as int64 / float64 (None: it holds something else)."""
    series = frame[column]
    kind = pd.api.types.infer_dtype(series, skipna=False)
    if kind == "integer":
        try:
            return series.to_numpy().astype(np.int64)
        except OverflowError:
            bad = np.flatnonzero([abs(v) > MAX_EXACT_COUNT for v in series.tolist()])
            raise ValueError(
                f"column {column!r} holds counts beyond 2**53 in rows {row_labels(frame.index, bad)}, which "
                "float64 cannot hold exactly; no real request has that many tokens: fix those rows"
            ) from None
    if kind in ("floating", "mixed-integer-float"):
        return series.to_numpy().astype(np.float64)
    if kind in ("complex", "mixed") and any(isinstance(v, complex) for v in series.tolist()):
        _refuse_complex(frame, column)
    return None


def _refuse_complex(frame: pd.DataFrame, column: str) -> None:
    values = frame[column].tolist()
    bad = np.flatnonzero([isinstance(v, (complex, np.complexfloating)) for v in values])
    raise ValueError(
        f"column {column!r} holds complex numbers in rows {row_labels(frame.index, bad)}; token counts are "
        f"whole numbers >= 0: take the real part (df[{column!r}].map(lambda v: v.real)) if that is what they mean"
    )


def numeric_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as a numpy int64 or float64 array (no copy when it already is one).

    Object columns of Python ints or floats are converted; complex numbers and text are refused
    with a ``ValueError`` naming the rows.
    """
    series = frame[column]
    dtype = series.dtype
    if len(series) == 0 and not pd.api.types.is_numeric_dtype(dtype):  # an empty log built from no records
        return np.empty(0, dtype=np.int64)
    if pd.api.types.is_complex_dtype(dtype):
        _refuse_complex(frame, column)
    if dtype == object:
        converted_values = _from_objects(frame, column)
        if converted_values is not None:
            return converted_values
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        converted = (
            pd.to_numeric(series, errors="coerce") if dtype == object or pd.api.types.is_string_dtype(dtype) else None
        )
        if converted is None:
            bad = np.arange(len(series))
        else:
            bad = np.flatnonzero(converted.isna().to_numpy() & series.notna().to_numpy())
        examples = [series.iloc[p] for p in bad[:3]]
        where = (
            f"rows {row_labels(frame.index, bad)} hold non-numbers such as {examples!r}"
            if len(bad)
            else "its values are numbers stored as text"
        )
        raise ValueError(
            f"column {column!r} has dtype {dtype}, expected numbers (token counts); {where}. "
            f"Convert it with pd.to_numeric(df[{column!r}]) and fix or drop the rows that fail"
        )
    if not isinstance(dtype, np.dtype):
        na = series.isna().to_numpy()
        if na.any():
            raise ValueError(
                f"column {column!r} is missing values in rows {row_labels(frame.index, np.flatnonzero(na))}; "
                f"fill them (df[{column!r}].fillna(0)) or drop those rows"
            )
        kind = "f" if pd.api.types.is_float_dtype(dtype) else "i"
        if kind == "i" and getattr(dtype, "kind", "i") == "u":
            values = series.to_numpy(dtype=np.uint64)
        else:
            values = series.to_numpy(dtype=np.float64 if kind == "f" else np.int64)
    else:
        values = series.to_numpy()
    if values.dtype.kind == "u":
        # uint64 above 2**63 would wrap in int64: keep it float so that the 2**53 check refuses it.
        values = values.astype(np.int64) if values.size == 0 or values.max() < 2**63 else values.astype(np.float64)
    elif values.dtype.kind in "iu" and values.dtype != np.int64:
        values = values.astype(np.int64)
    elif values.dtype.kind == "f" and values.dtype != np.float64:
        values = values.astype(np.float64)
    if values.dtype.kind == "f":
        _refuse_fractions(frame, column, values)
    return values


def _refuse_fractions(frame: pd.DataFrame, column: str, values: np.ndarray) -> None:
    """Counts are whole numbers: 12.0 is 12, 12.5 is refused (as read_usage does); NaN and inf are left to diagnose."""
    with np.errstate(invalid="ignore"):
        fractional = np.isfinite(values) & (np.floor(values) != values)
    if fractional.any():
        bad = np.flatnonzero(fractional)
        examples = [float(v) for v in values[bad[:3]]]
        raise ValueError(
            f"column {column!r} holds fractional counts in rows {row_labels(frame.index, bad)} (e.g. {examples}); "
            f"token counts and requests are whole numbers (12.0 is read as 12): round them deliberately "
            f"(df[{column!r}].round()) or fix those rows"
        )


def convention_flags(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A per-row convention column as a numpy bool array; ``ValueError`` naming rows that are not True/False."""
    series = frame[column]
    if not pd.api.types.is_bool_dtype(series.dtype):
        raise ValueError(
            f"column {column!r} must hold True or False per row (the token convention), it has dtype "
            f"{series.dtype}; convert it, or pass input_includes_cache=True/False to use one convention"
        )
    na = series.isna().to_numpy()
    if na.any():
        raise ValueError(
            f"column {column!r} is missing in rows {row_labels(frame.index, np.flatnonzero(na))}; "
            "fill it with True (OpenAI convention) or False (Anthropic)"
        )
    return series.to_numpy(dtype=bool)


def diagnose(
    index: pd.Index,
    arrays: dict[str, np.ndarray],
    spec: WorkloadSpec,
    inclusive_rows: np.ndarray | None = None,
) -> ValueError:
    """The ValueError that names the rows the kernel's block checks flagged."""
    problems = []
    for column, values in arrays.items():
        if values.dtype.kind == "f":
            bad = np.flatnonzero(~np.isfinite(values))
            if len(bad):
                problems.append(f"{column!r} is NaN or infinite in rows {row_labels(index, bad)}")
        bad = np.flatnonzero(values < 0)
        if len(bad):
            problems.append(f"{column!r} is negative in rows {row_labels(index, bad)}")
        bad = np.flatnonzero(values > MAX_EXACT_COUNT)
        if len(bad):
            problems.append(
                f"{column!r} is beyond 2**53 in rows {row_labels(index, bad)} (float64 cannot hold "
                "such counts exactly, and no real request has that many tokens)"
            )
    if (spec.input_includes_cache or inclusive_rows is not None) and not problems:
        cached = sum(arrays[spec.tokens[k]] for k in CACHE_KINDS if spec.tokens[k] is not None)
        over = arrays[spec.tokens["input"]] < cached
        if inclusive_rows is not None:
            over &= inclusive_rows
        bad = np.flatnonzero(over)
        if len(bad):
            names = " + ".join(repr(spec.tokens[k]) for k in CACHE_KINDS if spec.tokens[k] is not None)
            problems.append(
                f"{names} exceed {spec.tokens['input']!r} in rows {row_labels(index, bad)}, which cannot "
                "be with input_includes_cache=True (OpenAI's prompt_tokens counts cached tokens); if your "
                "input counts exclude cached tokens (Anthropic's usage), pass input_includes_cache=False"
            )
    if not problems:  # pragma: no cover - the block checks and this diagnosis test the same things
        problems.append("a value failed the checks")
    return ValueError(
        "bad workload: " + "; ".join(problems) + ". Token counts and requests must be finite, >= 0 and at most 2**53"
    )
