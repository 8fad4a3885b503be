"""Real request logs: provider usage records (OpenAI, Anthropic, Gemini) read into a workload frame."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._version import __version__
from ..errors import BadLinesWarning, CacheWriteDurationWarning, warn
from .canonical import USAGE_COLUMNS
from .counts import MAX_COUNT as MAX_COUNT  # re-exported: read.MAX_COUNT stays importable
from .counts import counts
from .documents import KINDS, Document, sniff
from .exports import read_anthropic_usage, read_openai_usage
from .extras import note_unpriced_items
from .flavors import FLAVORS, SPLIT_KEYS, USAGE_PARENTS, detect, resolve, usage_key
from .gateways import BILLED_COLUMN, billed_usd, rename_gateway_columns
from .otlp import read_otlp
from .pandas_columns import to_pandas
from .source import LogColumns, Origin, bad_lines_text, flatten_struct, load_log, to_arrow
from .timestamps import parse_timestamp

__all__ = ["read_usage", "USAGE_COLUMNS", "FLAVORS"]

_COUNTS = ("input", "output", "cache_read", "cache_write")


def read_usage(
    source: Any,
    *,
    flavor: str = "auto",
    model: str | None = "model",
    timestamp: str | None = None,
    on_bad_lines: str = "error",
    backend: str = "pandas",
    columns: Any = None,
    blocksize: int | str | None = "64MiB",
    storage_options: dict[str, Any] | None = None,
    progress: bool | None = None,
) -> Any:
    """Read what LLM clients log (responses or their ``usage``) into a workload frame.

    ``source``: a path to a JSON Lines file (one full response object or one bare usage record per
    line; ``.gz`` too), an iterable of such dicts, or a DataFrame with a ``usage`` column of dicts
    or with flat columns (``prompt_tokens``, ``usage.prompt_tokens``, ``cached_tokens``, ...).
    Returns a new frame: ``model_id``, ``input_tokens``, ``output_tokens``, ``cache_read_tokens``,
    ``cache_write_tokens``, ``reasoning_tokens`` (Int64), ``input_includes_cache`` (bool, per row:
    flavours can mix), then every other field (ids, timestamps, user, tags, the usage fields not
    read, such as ``usage.total_tokens``), with JSON objects and arrays kept as ``pd.ArrowDtype``
    columns. ``df.attrs["aihubmix"]["usage"]`` notes the flavours found and their row counts.

    Usage exports and telemetry are recognised from the document itself, before the per-request
    path, and read by their own modules (one row per bucket result or GenAI span; see
    docs/howto/usage-formats.md): OpenAI organization Usage API pages and Anthropic usage reports
    (:mod:`.exports`: ``request_count``, ``bucket_start``, ``bucket_end``, ``batch``), OTLP JSON
    span exports (:mod:`.otlp`); as one document, a JSON list of them or JSON Lines of them. Where a
    record says what was billed (LiteLLM's ``spend``, OpenRouter's ``usage.cost``, xAI's
    ``usage.cost_in_usd_ticks``: :mod:`.gateways`), ``billed_usd`` (Float64) follows the canonical
    columns; a saved JSON list of per-request records (LiteLLM's ``/spend/logs``) is read too.

    ``flavor="auto"`` decides per row from the keys present and refuses, naming the lines or rows,
    those that fit no flavour or several; ``"openai_chat"``, ``"xai"``, ``"openai_responses"``,
    ``"anthropic"`` or ``"gemini"`` forces one. ``"xai"`` is chosen automatically only for records
    that carry xAI's own usage fields (``cost_in_usd_ticks``, ``num_sources_used``); pass it for
    logs of api.x.ai that lack them (a ``grok-`` model id is no proof: gateways serve grok with
    OpenAI's counting). Optional counts that are missing are 0; a missing required count
    (prompt and completion; Gemini: the prompt), a negative or a non-integer count is a ValueError
    naming the rows. ``model`` names the model field (``None``: no model ids); with the default,
    Gemini's ``modelVersion`` is used where ``model`` is absent. ``timestamp`` names a field to
    parse as UTC datetimes (numbers are epoch seconds, e.g. OpenAI's ``created``; text is ISO 8601).

    ``on_bad_lines`` (pandas' names) decides what a line that is not one JSON object does (invalid
    or truncated JSON, bytes that are not UTF-8, a list, a line over 256 MiB; in an iterable: a record
    that is neither a dict nor the JSON text of one): ``"error"`` (default) raises a ValueError naming
    the line numbers; ``"warn"`` reads the other lines and warns (``BadLinesWarning``) with the
    numbers and the count; ``"skip"`` reads the others silently. Either way the skipped line numbers
    are in ``df.attrs["aihubmix"]["usage"]["bad_lines"]``. A count beyond 2**53 tokens is refused
    like a negative one: it is a bad value, not a bad line.

    | flavour | input_tokens | output_tokens | cache_read_tokens | cache_write_tokens | reasoning_tokens | input_includes_cache |
    |---|---|---|---|---|---|---|
    | ``openai_chat`` | prompt_tokens | completion_tokens | prompt_tokens_details.cached_tokens | prompt_tokens_details.cache_write_tokens (gateways) | completion_tokens_details.reasoning_tokens | True |
    | ``xai`` | prompt_tokens | completion_tokens + completion_tokens_details.reasoning_tokens | prompt_tokens_details.cached_tokens | 0 | completion_tokens_details.reasoning_tokens | True |
    | ``openai_responses`` | input_tokens | output_tokens | input_tokens_details.cached_tokens | 0 | output_tokens_details.reasoning_tokens | True |
    | ``anthropic`` | input_tokens | output_tokens | cache_read_input_tokens | cache_creation_input_tokens | NA (not reported) | False |
    | ``gemini`` | promptTokenCount + toolUsePromptTokenCount | candidatesTokenCount + thoughtsTokenCount | cachedContentTokenCount | 0 | thoughtsTokenCount | True |

    Reasoning tokens are billed as output: OpenAI's output counts already include them (they are
    reported, never added); Gemini's thoughts come on top of the candidates. Anthropic's 1-hour
    cache writes are billed at the catalog's single cache_write price; a ``CacheWriteDurationWarning``
    says so once. Worked example, one request of each flavour (hand-checked below the output):

    >>> import aihubmix_frame as ahf
    >>> log = [
    ...     {"id": "chatcmpl-1", "object": "chat.completion", "created": 1751360400, "model": "gpt-4o",
    ...      "usage": {"prompt_tokens": 2000, "completion_tokens": 300, "total_tokens": 2300,
    ...                "prompt_tokens_details": {"cached_tokens": 1500},
    ...                "completion_tokens_details": {"reasoning_tokens": 0}}},
    ...     {"id": "resp_2", "object": "response", "created_at": 1751360460, "model": "gpt-5",
    ...      "usage": {"input_tokens": 1200, "input_tokens_details": {"cached_tokens": 1024},
    ...                "output_tokens": 900, "output_tokens_details": {"reasoning_tokens": 640},
    ...                "total_tokens": 2100}},
    ...     {"id": "msg_3", "type": "message", "model": "claude-opus-4-6",
    ...      "usage": {"input_tokens": 1000, "cache_creation_input_tokens": 4000,
    ...                "cache_read_input_tokens": 2000, "output_tokens": 100,
    ...                "cache_creation": {"ephemeral_5m_input_tokens": 4000, "ephemeral_1h_input_tokens": 0}}},
    ...     {"responseId": "r4", "modelVersion": "gemini-2.5-flash",
    ...      "usageMetadata": {"promptTokenCount": 5000, "cachedContentTokenCount": 4096,
    ...                        "candidatesTokenCount": 200, "thoughtsTokenCount": 800, "totalTokenCount": 6000}},
    ... ]
    >>> usage = ahf.read_usage(log, timestamp="created")
    >>> print(usage[list(USAGE_COLUMNS)].T.to_string())
                               0      1                2                 3
    model_id              gpt-4o  gpt-5  claude-opus-4-6  gemini-2.5-flash
    input_tokens            2000   1200             1000              5000
    output_tokens            300    900              100              1000
    cache_read_tokens       1500   1024             2000              4096
    cache_write_tokens         0      0             4000                 0
    reasoning_tokens           0    640             <NA>               800
    input_includes_cache    True   True            False              True
    >>> usage.attrs["aihubmix"]["usage"]["flavors"]
    {'openai_chat': 1, 'openai_responses': 1, 'anthropic': 1, 'gemini': 1}
    >>> str(usage.loc[0, "created"]), usage.columns[7:10].tolist()
    ('2025-07-01 09:00:00+00:00', ['id', 'object', 'created'])

    By hand: OpenAI's cached 1,500 and 1,024 stay inside the prompts of 2,000 and 1,200, and its
    640 reasoning tokens inside the 900 output tokens; Anthropic's 1,000 input tokens exclude the
    2,000 read and 4,000 written (a 7,000-token prompt); Gemini's output is 200 candidates + 800
    thoughts = 1,000, its prompt of 5,000 includes the 4,096 cached. 1751360400 s after the epoch
    is 20,270 days (2025-07-01) + 32,400 s (09:00) UTC. Price it with ``estimate_cost`` once per
    convention, e.g. ``usage.groupby("input_includes_cache")``.

    ``backend="dask"`` reads many files lazily: ``source`` is a folder, a glob, a path or a list of
    them, local or fsspec URLs (``s3://``, ``gs://``, ``file://``; ``storage_options`` go to
    fsspec), mixing ``.jsonl`` (``.ndjson``), ``.jsonl.gz`` (``.bz2``), ``.parquet`` and flat ``.csv``
    exports. It returns a lazy dask DataFrame, one partition per compressed or CSV file, per Parquet
    file (or ``blocksize`` of its row groups) and per ``blocksize`` bytes of plain JSON Lines
    (blocks end at line ends), each read by this same
    function: the canonical columns, the ``timestamp`` (UTC), and the ``columns=`` you name (a list,
    dtypes taken from the first file that has them, or ``{name: dtype}``), with one meta for every
    file. Errors name the file and its line. See :mod:`aihubmix_frame.usage.many`. ``columns=`` on
    pandas keeps only those fields besides the canonical columns.

    ``progress``: a ``tqdm`` bar while one file of 256 MiB or more is read, when someone watches
    (``None``: a terminal or a notebook, never under CI), always (``True``) or never (``False``).
    dask shows its own progress when a dask result is computed by this package's calls.
    """
    if flavor != "auto" and flavor not in FLAVORS:
        raise ValueError(f"unknown flavor {flavor!r}; use 'auto' or one of {', '.join(FLAVORS)}")
    if backend == "dask":
        from .many import read_files

        options = {
            "flavor": flavor,
            "model": model,
            "timestamp": timestamp,
            "on_bad_lines": on_bad_lines,
            "progress": False,
        }
        return read_files(
            source, read_usage, options, columns=columns, blocksize=blocksize, storage_options=storage_options
        )
    if backend != "pandas":
        raise ValueError(f"backend must be 'pandas' or 'dask', got {backend!r}")
    requested = columns  # the name ``columns`` is the log's columns below
    document = sniff(source)  # usage-export pages and OTLP exports, before the per-request path
    if document is not None and document.records is not None:
        source = document.records  # a saved JSON list of per-request records
    elif document is not None:
        if flavor != "auto":
            raise ValueError(
                f"flavor={flavor!r} applies to per-request records; this source is a {KINDS[document.kind]}, "
                "read with its own conventions: pass flavor='auto'"
            )
        return _read_document(document, timestamp)
    log = load_log(source, on_bad_lines, progress=progress)
    n, origin = log.n_rows, log.origin
    if log.bad and on_bad_lines == "warn":
        _warn_bad_lines(log)

    columns = _expand_usage(log)  # name -> Arrow or pandas column, usage objects flattened in place
    by_key: dict[str, list[str]] = {}
    for name in columns:
        key = usage_key(name)
        if key is not None:
            by_key.setdefault(key, []).append(name)
    values, valid = counts(columns, by_key, origin)

    if flavor == "auto":
        code = detect(valid, n)
        _refuse(code, origin)
    else:
        code = np.full(n, list(FLAVORS).index(flavor), dtype=np.int8)
    used = [(f, code == i) for i, f in enumerate(FLAVORS.values()) if (code == i).any()]
    _check_required(used, valid, origin)

    out = {kind: np.zeros(n, dtype=np.int64) for kind in (*_COUNTS, "reasoning")}
    reasoning_na = np.zeros(n, dtype=bool)
    for f, rows in used:
        for kind in _COUNTS:
            out[kind][rows] = resolve(getattr(f, kind), values, valid, n)[rows]
        if f.reasoning is None:
            reasoning_na |= rows
        else:
            out["reasoning"][rows] = resolve(f.reasoning, values, valid, n)[rows]
    if any(f.name == "anthropic" for f, _ in used):
        _warn_one_hour(values, valid, dict(used)[FLAVORS["anthropic"]], by_key)

    read = {key for f, _ in used for key in f.keys} - SPLIT_KEYS
    consumed = {name for key in read for name in by_key.get(key, [])}
    model_names = _model_columns(columns, model, n)
    result: dict[str, Any] = {"model_id": _model_ids(columns, model_names, n)}
    for kind in _COUNTS:
        result[f"{kind}_tokens"] = pd.arrays.IntegerArray(out[kind], np.zeros(n, dtype=bool))
    result["reasoning_tokens"] = pd.arrays.IntegerArray(out["reasoning"], reasoning_na)
    inclusive = np.ones(n, dtype=bool)
    for f, rows in used:
        inclusive[rows] = f.input_includes_cache
    result["input_includes_cache"] = inclusive

    columns = rename_gateway_columns(columns)  # LiteLLM's own model_id would clash with ours
    kept = [name for name in columns if name not in consumed and name not in model_names]
    clash = [name for name in kept if name in USAGE_COLUMNS]
    if clash:
        raise ValueError(
            f"the log already has column(s) {clash}: it looks like a workload already (pass it to "
            f"estimate_cost), or rename those columns before read_usage"
        )
    result.update(_other_columns(columns, kept))
    # Positional arrays, each new or a copy of the caller's: duplicate index labels are fine, the input is
    # untouched, and the fresh arrays are not copied once more.
    frame = pd.DataFrame(result, index=log.index if log.index is not None else pd.RangeIndex(n), copy=False)
    if timestamp is not None:
        frame[timestamp] = parse_timestamp(frame, timestamp)
    billed, billed_note = billed_usd(frame)
    if billed is not None:
        frame.insert(len(USAGE_COLUMNS), BILLED_COLUMN, billed)
    unpriced = note_unpriced_items(frame)  # web searches, live-search sources, audio tokens: said once
    if requested is not None:
        wanted = [timestamp] if timestamp is not None else []
        wanted += [c for c in requested if c not in USAGE_COLUMNS and c != timestamp]
        absent = [c for c in wanted if c not in frame.columns]
        if absent:
            raise ValueError(f"columns={absent} are not fields of the log; it has {list(frame.columns)[:20]}")
        billed_kept = [BILLED_COLUMN] if BILLED_COLUMN in frame.columns and BILLED_COLUMN not in wanted else []
        frame = frame[[*USAGE_COLUMNS, *billed_kept, *wanted]]
    frame.attrs["aihubmix"] = {
        "usage": {
            "flavors": {f.name: int(rows.sum()) for f, rows in used},
            "input_includes_cache": {f.name: f.input_includes_cache for f, _ in used},
            "rows": n,
            "model": model_names[0] if model_names else None,
            "timestamp": timestamp,
            "bad_lines": [bad.number for bad in log.bad],
            **({"billed": billed_note} if billed_note else {}),
            **({"unpriced_columns": unpriced} if unpriced else {}),
        },
        "package_version": __version__,
    }
    return frame


def _warn_bad_lines(log: LogColumns) -> None:
    unit = "line" if log.origin.kind == "line" else "record"
    name = log.origin.path.name if log.origin.path is not None else "the records"
    warn(
        f"{name}: {len(log.bad):,} bad {unit}{'s' if len(log.bad) > 1 else ''} skipped ({bad_lines_text(log.bad, unit)}); "
        f"the other {log.n_rows:,} were read. The numbers are in "
        f"df.attrs['aihubmix']['usage']['bad_lines']; pass on_bad_lines='skip' to read such logs silently",
        BadLinesWarning,
    )


_DOCUMENT_READERS = {"openai_usage": read_openai_usage, "anthropic_usage": read_anthropic_usage, "otlp": read_otlp}
_DOCUMENT_TIMES = {"openai_usage": "bucket_start", "anthropic_usage": "bucket_start", "otlp": "start_time"}


def _read_document(document: Document, timestamp: str | None) -> pd.DataFrame:
    """A usage export or OTLP export: its own reader; ``timestamp`` may name its time column."""
    frame = _DOCUMENT_READERS[document.kind](document.table, document.where)
    if timestamp is not None and timestamp not in frame.columns:
        raise ValueError(
            f"no {timestamp!r} column in this {document.kind} document; its time column is "
            f"{_DOCUMENT_TIMES[document.kind]!r} (already UTC datetimes): pass timestamp=None"
        )
    return frame


def _expand_usage(log: LogColumns) -> dict[str, pa.ChunkedArray | pd.Series]:
    """The log's columns with each ``usage`` / ``usageMetadata`` object replaced by its leaves."""
    columns: dict[str, pa.ChunkedArray | pd.Series] = {}
    for name, column in log.columns.items():
        if name in USAGE_PARENTS:
            if isinstance(column, pd.Series) and column.dtype.kind in "iuf":
                columns[name] = column  # a number, not an object: not usage
                continue
            arrow = to_arrow(column)
            if pa.types.is_struct(arrow.type):
                columns.update(flatten_struct(name, arrow))
                continue
            if not pa.types.is_null(arrow.type):
                raise ValueError(
                    f"column {name!r} holds {arrow.type}, not usage objects; parse it into dicts "
                    f"(e.g. with json.loads) first"
                )
        columns[name] = column
    return columns


def _refuse(code: np.ndarray, origin: Origin) -> None:
    unknown, several = np.flatnonzero(code == -1), np.flatnonzero(code == -2)
    if unknown.size:
        raise ValueError(
            f"{origin.where(unknown)}: no known usage flavour (OpenAI chat or responses, xAI, Anthropic, "
            f"Gemini): no prompt_tokens, input_tokens or promptTokenCount found. Drop those rows, or "
            f"rename their columns to a flavour's names"
        )
    if several.size:
        raise ValueError(
            f"{origin.where(several)}: the keys fit several usage flavours (e.g. prompt_tokens and "
            f"cache_creation_input_tokens); pass flavor= one of {', '.join(FLAVORS)}"
        )


def _check_required(used: Any, valid: Any, origin: Origin) -> None:
    for f, rows in used:
        for key in f.required:
            missing = np.flatnonzero(rows & ~valid.get(key, np.zeros(len(rows), dtype=bool)))
            if missing.size:
                raise ValueError(
                    f"{origin.where(missing)}: {f.label} usage without {key!r}; a required count "
                    f"cannot be guessed: fix or drop those rows (or pass another flavor=)"
                )


def _warn_one_hour(values: Any, valid: Any, rows: np.ndarray, by_key: Any) -> None:
    key = "cache_creation.ephemeral_1h_input_tokens"
    if key not in values:
        return
    hit = rows & valid[key] & (values[key] > 0)
    if hit.any():
        warnings.warn(
            f"{int(hit.sum())} Anthropic requests wrote {int(values[key][hit].sum()):,} tokens to the 1-hour "
            f"cache; the catalog has one cache_write price (the 5-minute one), so cache_write_tokens bills them "
            f"at it, below Anthropic's 1-hour rate (2x input instead of 1.25x). The split is kept in column "
            f"{by_key[key][0]!r}: add the difference yourself if it matters.",
            CacheWriteDurationWarning,
            stacklevel=3,
        )


def _model_columns(columns: Any, model: str | None, n: int) -> list[str]:
    if model is None:
        return []
    names = [
        name for name in (model, "modelVersion" if model == "model" else None) if name is not None and name in columns
    ]
    if names or n == 0:
        return names
    raise ValueError(
        f"no {model!r} column or key in the log; name the model field with model= "
        f"(Gemini: model='modelVersion'), or pass model=None to read usage without model ids"
    )


def _model_ids(columns: Any, names: list[str], n: int) -> pd.Series | pd.arrays.ArrowStringArray:
    string = pd.StringDtype("pyarrow")
    if not names:
        return pd.array([pd.NA] * n, dtype=string)
    if len(names) == 1 and isinstance(columns[names[0]], pd.Series):
        column = columns[names[0]]
        return column.array.copy() if column.dtype == "category" else column.astype(string).array.copy()
    merged = pc.coalesce(*[to_arrow(columns[name]).cast(pa.string()) for name in names])
    return to_pandas({"model_id": merged})["model_id"].array


def _other_columns(columns: Any, kept: list[str]) -> dict[str, Any]:
    """The columns not read, in order, as positional arrays: the caller's pandas columns as they are."""
    arrow = {name: columns[name] for name in kept if isinstance(columns[name], pa.ChunkedArray)}
    converted: Any = to_pandas(arrow) if arrow else None
    return {name: converted[name].array if name in arrow else columns[name].array.copy() for name in kept}
