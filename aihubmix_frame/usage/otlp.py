"""OpenTelemetry GenAI spans (OTLP JSON, as the collector's file exporter writes it) as usage rows.

Each line is one ``ExportTraceServiceRequest``: ``resourceSpans[].scopeSpans[].spans[]``, attributes
as ``{"key": ..., "value": {"stringValue" | "intValue" | "doubleValue" | "boolValue": ...}}`` (int64
values arrive as decimal text, ``{"intValue": "123"}``). A span with a GenAI usage count becomes a row;
every other span (HTTP, database, agent and tool spans without usage) is skipped and counted in
``attrs["aihubmix"]["usage"]["skipped_spans"]``. A span that names a GenAI model but has no usage
count (a streamed call without usage, a failed call) is counted apart and warned about: its cost
is unknown.

Attributes read (the GenAI semantic conventions, and their older names):

| column | attribute |
|---|---|
| input_tokens | ``gen_ai.usage.input_tokens``, else ``gen_ai.usage.prompt_tokens`` |
| output_tokens | ``gen_ai.usage.output_tokens``, else ``gen_ai.usage.completion_tokens`` |
| cache_read_tokens | ``gen_ai.usage.cache_read.input_tokens`` |
| cache_write_tokens | ``gen_ai.usage.cache_creation.input_tokens`` (or ``cache_write.input_tokens``) |
| reasoning_tokens | ``gen_ai.usage.reasoning.output_tokens`` (inside output_tokens; NA when absent) |
| model_id | ``gen_ai.response.model``, else ``gen_ai.request.model`` |
| provider | ``gen_ai.provider.name``, else ``gen_ai.system`` |

``input_includes_cache`` is True: the conventions say the cache reads and writes "SHOULD be included
in ``gen_ai.usage.input_tokens``" (and reasoning in the output). Also kept: ``trace_id``,
``span_id``, ``span_name``, ``operation`` (``gen_ai.operation.name``), ``service_name`` (the
resource's ``service.name``), ``start_time`` / ``end_time`` (UTC, from the ``*UnixNano`` fields).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import UsageColumnsWarning
from .canonical import canonical_frame, counts_array, to_pandas_column
from .documents import KINDS
from .nested import counts, explode, field

__all__ = ["read_otlp", "USAGE_ATTRIBUTES"]

#: Canonical count -> the span attributes holding it, first present wins.
USAGE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "input": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
    "output": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
    "cache_read": ("gen_ai.usage.cache_read.input_tokens",),
    "cache_write": ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_write.input_tokens"),
    "reasoning": ("gen_ai.usage.reasoning.output_tokens",),
}
_TEXT_ATTRIBUTES = {
    "model_response": "gen_ai.response.model",
    "model_request": "gen_ai.request.model",
    "provider": "gen_ai.provider.name",
    "system": "gen_ai.system",
    "operation": "gen_ai.operation.name",
}


class _Attributes:
    """A list-of-key/value attribute column, looked up by key for every owner row at once."""

    def __init__(self, lists: pa.Array | None, n: int) -> None:
        self.n = n
        if lists is None or pa.types.is_null(lists.type):
            self.keys, self.values, self.owners = pa.array([], pa.string()), None, np.zeros(0, dtype=np.int64)
            return
        pairs, self.owners = explode(lists)
        self.keys = field(pairs, "key") if len(pairs) else pa.array([], pa.string())
        self.values = field(pairs, "value") if len(pairs) else None

    def _where(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        if self.keys is None or not len(self.keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        hits = np.flatnonzero(np.asarray(pc.equal(self.keys, key).fill_null(False)))
        return hits, self.owners[hits]

    def text(self, key: str) -> pa.Array:
        """The string value per owner (null where the key is absent)."""
        hits, owners = self._where(key)
        values = field(self.values, "stringValue") if self.values is not None else None
        if not hits.size or values is None or pa.types.is_null(values.type):
            return pa.nulls(self.n, type=pa.string())
        index = np.zeros(self.n, dtype=np.int64)
        missing = np.ones(self.n, dtype=bool)
        index[owners] = hits  # one take for every owner: no Python loop per span
        missing[owners] = False
        return values.take(pa.array(index, mask=missing)).cast(pa.string())

    def count(self, key: str, where: str) -> tuple[np.ndarray, np.ndarray]:
        """(int64 values, present mask) per owner; ``intValue`` (text or number) or a whole ``doubleValue``."""
        values = np.zeros(self.n, dtype=np.int64)
        present = np.zeros(self.n, dtype=bool)
        hits, owners = self._where(key)
        if not hits.size or self.values is None:
            return values, present
        index = pa.array(hits)
        parts = [field(self.values, name) for name in ("intValue", "doubleValue")]
        arrays = [p.take(index) for p in parts if p is not None and not pa.types.is_null(p.type)]
        if not arrays:
            return values, present
        valid = np.zeros(hits.size, dtype=bool)
        got = np.zeros(hits.size, dtype=np.int64)
        for array in arrays:  # intValue first, then doubleValue where intValue is absent
            here = np.asarray(array.is_valid()) & ~valid
            got[here] = counts(array.filter(pa.array(here)), int(here.sum()), key, where)
            valid |= here
        values[owners[valid]] = got[valid]
        present[owners[valid]] = True
        return values, present


def _first(options: tuple[str, ...], attributes: _Attributes, where: str) -> tuple[np.ndarray, np.ndarray]:
    values = np.zeros(attributes.n, dtype=np.int64)
    present = np.zeros(attributes.n, dtype=bool)
    for key in options:
        got, here = attributes.count(key, where)
        take = here & ~present
        values[take] = got[take]
        present |= here
    return values, present


def _nanos(array: pa.Array | None, n: int) -> Any:
    if array is None or pa.types.is_null(array.type):
        return pd.array([pd.NaT] * n, dtype="datetime64[ns, UTC]")
    return to_pandas_column(array.cast(pa.int64()).cast(pa.timestamp("ns", tz="UTC")))


def read_otlp(requests: pa.Table, where: str) -> pd.DataFrame:
    """OTLP JSON export requests -> one canonical row per span with GenAI usage; the rest counted."""
    label = f"{where} ({KINDS['otlp']})"
    resources, _ = (
        explode(requests["resourceSpans"]) if "resourceSpans" in requests.column_names else explode(pa.nulls(0))
    )
    n_res = len(resources)
    resource_attrs = _Attributes(field(resources, "resource.attributes") if n_res else None, n_res)
    service = resource_attrs.text("service.name")
    scopes, scope_owner = explode(field(resources, "scopeSpans")) if n_res else explode(pa.nulls(0))
    spans, span_scope = (
        explode(field(scopes, "spans")) if len(scopes) and field(scopes, "spans") is not None else explode(pa.nulls(0))
    )
    n_spans = len(spans)
    attributes = _Attributes(field(spans, "attributes") if n_spans else None, n_spans)
    found = {kind: _first(keys, attributes, label) for kind, keys in USAGE_ATTRIBUTES.items()}
    genai = found["input"][1] | found["output"][1]
    rows = np.flatnonzero(genai)
    texts = {name: attributes.text(key) for name, key in _TEXT_ATTRIBUTES.items()}
    # A model call (it names its model) without usage: its cost cannot be known, and is said.
    named = np.asarray(pc.is_valid(pc.coalesce(texts["model_response"], texts["model_request"])))
    no_usage = int((named & ~genai).sum()) if n_spans else 0
    if no_usage:
        warnings.warn(
            f"{label}: {no_usage} span(s) name a GenAI model but carry no gen_ai.usage.* counts (streamed calls "
            "without usage, or failed calls); they are not rows and their cost is unknown. Enable usage "
            "reporting in the instrumentation (e.g. stream_options include_usage) to price them",
            UsageColumnsWarning,
            stacklevel=4,
        )
    keep = pa.array(rows)

    def take(array: pa.Array | None) -> pa.Array:
        if array is None:
            return pa.nulls(len(rows), type=pa.string())
        return array.take(keep)

    tokens = {kind: found[kind][0][rows] for kind in ("input", "output", "cache_read", "cache_write")}
    reasoning_values, reasoning_present = found["reasoning"]
    model = take(pc.coalesce(texts["model_response"], texts["model_request"]))
    owner_resource = scope_owner[span_scope[rows]] if rows.size else np.zeros(0, dtype=np.int64)
    others: dict[str, Any] = {
        "provider": to_pandas_column(take(pc.coalesce(texts["provider"], texts["system"]))),
        "operation": to_pandas_column(take(texts["operation"])),
        "trace_id": to_pandas_column(take(field(spans, "traceId") if n_spans else None)),
        "span_id": to_pandas_column(take(field(spans, "spanId") if n_spans else None)),
        "span_name": to_pandas_column(take(field(spans, "name") if n_spans else None)),
        "service_name": to_pandas_column(service.take(pa.array(owner_resource)) if n_res else pa.nulls(len(rows))),
        "start_time": _nanos(take(field(spans, "startTimeUnixNano") if n_spans else None), len(rows)),
        "end_time": _nanos(take(field(spans, "endTimeUnixNano") if n_spans else None), len(rows)),
    }
    frame = canonical_frame(
        model,
        tokens,
        reasoning=None,
        input_includes_cache=True,
        others=others,
        note={
            "format": "otlp",
            "documents": requests.num_rows,
            "rows": int(rows.size),
            "spans": n_spans,
            "skipped_spans": int(n_spans - rows.size),
            "model_spans_without_usage": no_usage,
            "input_includes_cache": {"otlp": True},
        },
    )
    frame["reasoning_tokens"] = counts_array(reasoning_values[rows], ~reasoning_present[rows])
    return frame
