"""Documents that are not one request per record: usage-export pages and OTLP span exports.

:func:`sniff` looks at the start of a source (a path, a dict, or a list of dicts) and says whether it
is an OpenAI organization Usage API page, an Anthropic usage report, or an OpenTelemetry OTLP JSON
export, and reads those into an Arrow table of documents (one row per page or export request).
Everything else is left to the per-request path (:mod:`.source`). Saved forms accepted: one JSON
document (pretty-printed too), a JSON list of documents, JSON Lines of documents (``.gz``/``.bz2``).
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from . import lines
from .lines import is_blank, split_lines

__all__ = ["Document", "sniff", "kind_of", "KINDS"]

#: Document kinds, and what each is called in messages.
KINDS: dict[str, str] = {
    "openai_usage": "OpenAI organization Usage API (completions) page",
    "anthropic_usage": "Anthropic usage report (messages)",
    "otlp": "OpenTelemetry OTLP JSON trace export",
}
_LINES_BLOCK_SIZE = 4 << 20  # measured: nested pages and spans parse faster in 4 MiB blocks than in 16


@dataclass
class Document:
    """Documents of one kind as an Arrow table (one row per page / export request), and where from."""

    kind: str  # a key of KINDS, or "records": a saved JSON list of per-request records
    table: pa.Table
    where: str  # e.g. "usage.jsonl" or "the records"
    records: list | None = None  # kind "records": the list, for the per-request path


def kind_of(record: Any) -> str | None:
    """The document kind of one parsed JSON value, or None for a per-request record.

    >>> kind_of({"object": "page", "data": [{"object": "bucket", "start_time": 0, "results": []}]})
    'openai_usage'
    >>> kind_of({"data": [{"starting_at": "2025-08-01T00:00:00Z", "results": []}]}), kind_of({"resourceSpans": []})
    ('anthropic_usage', 'otlp')
    >>> kind_of({"id": "chatcmpl-1", "object": "chat.completion", "usage": {}}) is None
    True
    """
    if not isinstance(record, Mapping):
        return None
    if "resourceSpans" in record:
        return "otlp"
    data = record.get("data")
    if not isinstance(data, list):
        return None
    first = next((bucket for bucket in data if isinstance(bucket, Mapping)), None)
    if record.get("object") == "page" and (first is None or "start_time" in first):
        return "openai_usage"
    if first is not None and "starting_at" in first and "results" in first:
        return "anthropic_usage"
    if first is None and "has_more" in record and "object" not in record:
        return "anthropic_usage"  # an empty report page
    return None


def _open(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]  # a GzipFile reads bytes
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    return open(path, "rb")


def _first_value(path: Path) -> tuple[str, Any]:
    """("list" | "lines" | "document" | "", the first JSON value) of a file, read cheaply: its first
    non-blank line (however long: a page of results can be megabytes), or the whole file when that
    line is a lone ``{`` (a pretty-printed document)."""
    with _open(path) as handle:
        line: bytes | bytearray | None = b""
        for _, line, _ in split_lines(handle, lines.MAX_LINE_BYTES):  # bounded: a huge line is not held
            if line is None:
                return "", None  # longer than the limit: the per-request path names it
            if not is_blank(line):
                break
    text = bytes(line).strip()  # type: ignore[arg-type]  # the loop returned on a line that is None
    if not text:
        return "", None
    if text[:1] == b"[":
        return "list", None
    try:
        return "lines", json.loads(text)
    except ValueError:
        if text != b"{":  # not the opening of a pretty-printed document: a damaged log line
            return "", None
    with _open(path) as handle:
        whole = handle.read()
    try:
        return "document", json.loads(whole)
    except ValueError:
        return "", None  # a malformed first line of a log: the per-request path names it


def _schemas() -> dict[str, pa.Schema]:
    """The fields each reader needs, typed up front: the JSON reader skips type inference for them
    (about twice as fast on nested pages); other fields are still inferred and kept."""
    text, number = pa.string(), pa.int64()
    openai = pa.struct([("input_tokens", number), ("output_tokens", number), ("input_cached_tokens", number)])
    anthropic = pa.struct([("uncached_input_tokens", number), ("cache_read_input_tokens", number)])
    value = pa.struct([("stringValue", text), ("intValue", text), ("doubleValue", pa.float64())])
    pairs = pa.list_(pa.struct([("key", text), ("value", value)]))
    span = pa.struct(
        [("traceId", text), ("spanId", text), ("name", text), ("startTimeUnixNano", text), ("attributes", pairs)]
    )
    scope = pa.struct([("spans", pa.list_(span))])
    resource = pa.struct([("resource", pa.struct([("attributes", pairs)])), ("scopeSpans", pa.list_(scope))])
    return {
        "openai_usage": pa.schema(
            [
                ("object", text),
                (
                    "data",
                    pa.list_(pa.struct([("start_time", number), ("end_time", number), ("results", pa.list_(openai))])),
                ),
            ]
        ),
        "anthropic_usage": pa.schema(
            [
                (
                    "data",
                    pa.list_(pa.struct([("starting_at", text), ("ending_at", text), ("results", pa.list_(anthropic))])),
                )
            ]
        ),
        "otlp": pa.schema([("resourceSpans", pa.list_(resource))]),
    }


def _read_lines(path: Path, kind: str) -> pa.Table:
    read = pj.ReadOptions(block_size=_LINES_BLOCK_SIZE)
    for parse in (pj.ParseOptions(explicit_schema=_schemas()[kind]), None):
        try:
            table = pj.read_json(str(path), read_options=read, parse_options=parse)
        except pa.ArrowInvalid:
            continue  # a value of another JSON type than the schema's (an intValue as a number): infer
        if _all_of_kind(table, kind):
            return table
        break  # lines of another kind: the Python pass below names them
    records = []
    with _open(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                # OTLP: int64 values are text in protobuf JSON, numbers from some exporters: read all as text.
                value = json.loads(line, parse_int=str if kind == "otlp" else None)
            except ValueError as exc:
                raise ValueError(
                    f"{path.name} line {number} is not valid JSON ({exc.args[0]}); every line of a saved "
                    f"{KINDS[kind]} file must hold one whole document: fix or delete that line"
                ) from None
            if kind_of(value) != kind:
                raise ValueError(
                    f"{path.name} line {number} is not a {KINDS[kind]} like line 1; keep one kind of document per file"
                )
            records.append(value)
    return _table(records, path.name, kind)


def _all_of_kind(table: pa.Table, kind: str) -> bool:
    """Whether every line read is a document of ``kind`` (checked on whole columns, not per line)."""
    names = table.column_names
    if kind == "otlp":
        return "resourceSpans" in names and table["resourceSpans"].null_count == 0
    if "data" not in names or table["data"].null_count:
        return False
    if kind == "openai_usage":
        return "object" in names and pc.all(pc.equal(table["object"], "page").fill_null(False)).as_py() is True
    return "object" not in names or table["object"].null_count == table.num_rows


def _table(records: list, where: str, kind: str) -> pa.Table:
    try:
        return pa.Table.from_struct_array(pa.array(records))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise ValueError(
            f"{where}: the {KINDS[kind]} documents cannot form one table ({exc}); a field changes type "
            "between documents: fix that field"
        ) from None


def sniff(source: Any) -> Document | None:
    """The source as documents when it is a usage-export page or an OTLP export, else None."""
    if isinstance(source, Mapping):
        kind = kind_of(source)
        return None if kind is None else Document(kind, _table([dict(source)], "the document", kind), "the document")
    if isinstance(source, (list, tuple)):
        kind = kind_of(source[0]) if source else None
        if kind is None:
            return None
        bad = [i for i, record in enumerate(source) if kind_of(record) != kind]
        if bad:
            raise ValueError(
                f"records {bad[:5]} (0-based) are not a {KINDS[kind]} like record 0; pass one kind of "
                "document at a time"
            )
        return Document(kind, _table(list(source), "the records", kind), "the records")
    if not isinstance(source, (str, os.PathLike)):
        return None
    path = Path(source).expanduser()
    if not path.is_file() or path.suffix.lower() in {".csv", ".parquet", ".xlsx"}:
        return None
    form, first = _first_value(path)
    if form == "list":
        with _open(path) as handle:
            try:
                value = json.load(handle)
            except ValueError as exc:
                raise ValueError(f"{path.name} starts like a JSON list but is not valid JSON ({exc})") from None
        if not isinstance(value, list):
            raise ValueError(f"{path.name} starts with '[' but holds a JSON {type(value).__name__}, not a list")
        document = sniff(value)
        if document is None:  # e.g. LiteLLM's /spend/logs: a list of per-request rows
            return Document("records", pa.table({}), path.name, records=value)
        document.where = path.name
        return document
    kind = kind_of(first)
    if kind is None:
        return None
    if form == "document":
        return Document(kind, _table([first], path.name, kind), path.name)
    return Document(kind, _read_lines(path, kind), path.name)
