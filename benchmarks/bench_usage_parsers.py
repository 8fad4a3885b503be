"""Benchmark: the parse floor. CPU time of JSON parsers alone on the inputs of bench_usage_exports.py.

Why the usage-export and OTLP readers are not 5x the json + Python loop baseline: parsing the
JSON is most of both. This measures, in one process, best of N, process CPU time (all threads):

- ``json.loads`` per line, each value dropped at once (the baseline's own parse, nothing kept);
- ``pyarrow.json.read_json`` as ``read_usage`` calls it (``documents.sniff``: the typed schema,
  4 MiB blocks);
- and, where installed, the candidates looked at to replace it: msgspec (typed Structs of exactly
  the fields the readers need, unknown fields skipped, the garbage collector paused), orjson, polars'
  ``read_ndjson`` and DuckDB's ``read_json`` (types inferred; for the pages also DuckDB with the
  documented columns given and the results unnested in SQL).

Each figure is printed as a fraction of the whole baseline (json.loads + loop + DataFrame): a reader
5x faster than the baseline must parse in well under 0.2 of it. Not installed: skipped, and said.
Run from the repository root: ``python benchmarks/bench_usage_parsers.py [--results N]``.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_usage_exports import baseline_otlp, baseline_pages, cpu_of, write_otlp, write_pages  # noqa: E402

from aihubmix_frame.usage.documents import sniff  # noqa: E402


def _json_lines(path: Path) -> None:
    with open(path, "rb") as handle:
        for line in handle:
            json.loads(line)


def _pyarrow(path: Path) -> object:
    """read_usage's own document reader (``documents.sniff``): pyarrow's JSON reader, typed schema, 4 MiB blocks."""
    return sniff(path)


try:  # optional: only for this measurement
    import msgspec
except ImportError:  # pragma: no cover
    msgspec = None

if msgspec is not None:  # typed Structs of what the readers use (unknown fields skipped); gc=False: untracked
    opt = msgspec.UNSET

    class Result(msgspec.Struct, gc=False):
        object: str | msgspec.UnsetType = opt
        input_tokens: int | msgspec.UnsetType | None = opt
        output_tokens: int | msgspec.UnsetType | None = opt
        input_cached_tokens: int | msgspec.UnsetType | None = opt
        input_audio_tokens: int | msgspec.UnsetType | None = opt
        output_audio_tokens: int | msgspec.UnsetType | None = opt
        num_model_requests: int | msgspec.UnsetType | None = opt
        project_id: str | msgspec.UnsetType | None = opt
        user_id: str | msgspec.UnsetType | None = opt
        api_key_id: str | msgspec.UnsetType | None = opt
        model: str | msgspec.UnsetType | None = opt
        batch: bool | msgspec.UnsetType | None = opt
        service_tier: str | msgspec.UnsetType | None = opt

    class Bucket(msgspec.Struct, gc=False):
        start_time: int | None = None
        end_time: int | None = None
        results: list[Result] = msgspec.field(default_factory=list)

    class Page(msgspec.Struct, gc=False):
        object: str | None = None
        data: list[Bucket] = msgspec.field(default_factory=list)

    class Value(msgspec.Struct, gc=False):
        stringValue: str | None = None
        intValue: str | None = None
        doubleValue: float | None = None

    class Attribute(msgspec.Struct, gc=False):
        key: str
        value: Value

    class Span(msgspec.Struct, gc=False):
        traceId: str | None = None
        spanId: str | None = None
        name: str | None = None
        startTimeUnixNano: str | None = None
        endTimeUnixNano: str | None = None
        attributes: list[Attribute] = msgspec.field(default_factory=list)

    class Scope(msgspec.Struct, gc=False):
        spans: list[Span] = msgspec.field(default_factory=list)

    class Resource(msgspec.Struct, gc=False):
        attributes: list[Attribute] = msgspec.field(default_factory=list)

    class ResourceSpans(msgspec.Struct, gc=False):
        resource: Resource | None = None
        scopeSpans: list[Scope] = msgspec.field(default_factory=list)

    class Request(msgspec.Struct, gc=False):
        resourceSpans: list[ResourceSpans] = msgspec.field(default_factory=list)

    MSGSPEC_TYPES: dict[str, Any] = {"openai_usage": Page, "otlp": Request}


def _msgspec(kind: str) -> Callable[[Path], object]:
    decoder = msgspec.json.Decoder(MSGSPEC_TYPES[kind])

    def parse(path: Path) -> object:
        gc.disable()  # the decoded lists are tracked: a collection every few thousand would dominate
        try:
            with open(path, "rb") as handle:
                return [decoder.decode(line) for line in handle]
        finally:
            gc.enable()

    return parse


def _orjson(path: Path) -> None:
    import orjson

    with open(path, "rb") as handle:
        for line in handle:
            orjson.loads(line)


def _polars(path: Path) -> object:
    import polars as pl

    return pl.read_ndjson(path)


def _duckdb(path: Path) -> object:
    import duckdb

    return duckdb.sql(f"select * from read_json('{path}', format='newline_delimited')").to_arrow_table()


_RESULT = (
    "STRUCT(object VARCHAR, input_tokens BIGINT, output_tokens BIGINT, input_cached_tokens BIGINT, "
    "input_audio_tokens BIGINT, output_audio_tokens BIGINT, num_model_requests BIGINT, project_id VARCHAR, "
    "user_id VARCHAR, api_key_id VARCHAR, model VARCHAR, batch BOOLEAN, service_tier VARCHAR)"
)


def _duckdb_columns(path: Path) -> object:
    """DuckDB given the documented columns, results unnested in SQL: the best case for it. (Not a
    candidate as it stands: it casts 1.5 into a BIGINT column as 2 without a word.)"""
    import duckdb

    columns = "{object: 'VARCHAR', data: 'STRUCT(start_time BIGINT, end_time BIGINT, results " + _RESULT + "[])[]'}"
    query = (
        "select b.start_time, b.end_time, unnest(b.results, recursive := true) from (select unnest(data) as b "
        f"from read_json('{path}', format='newline_delimited', columns={columns}))"
    )
    return duckdb.sql(query).to_arrow_table()


def _candidates(kind: str) -> list[tuple[str, str | None, Callable[[Path], object]]]:
    """(label, module it needs or None, parse function)."""
    found: list[tuple[str, str | None, Callable[[Path], object]]] = [
        ("json.loads per line (dropped)", None, _json_lines),
        ("pyarrow.json.read_json (read_usage's parser)", None, _pyarrow),
    ]
    found += [
        ("msgspec typed Structs, gc paused", "msgspec", _msgspec(kind) if msgspec is not None else _json_lines),
        ("orjson.loads per line (dropped)", "orjson", _orjson),
        ("polars.read_ndjson", "polars", _polars),
        ("duckdb read_json (inferred)", "duckdb", _duckdb),
    ]
    if kind == "openai_usage":
        found.append(("duckdb read_json (columns given, unnested)", "duckdb", _duckdb_columns))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=300_000, help="usage results and spans to generate")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        pages, spans = Path(folder) / "pages.jsonl", Path(folder) / "traces.jsonl"
        write_pages(pages, args.results)
        write_otlp(spans, args.results)
        for name, kind, path, baseline in (
            ("usage pages", "openai_usage", pages, baseline_pages),
            ("OTLP spans", "otlp", spans, baseline_otlp),
        ):
            (whole,) = cpu_of(args.rounds, lambda p=path, b=baseline: b(p))
            print(f"{name} ({path.stat().st_size / 1e6:.0f} MB): json + loop + DataFrame baseline {whole:.3f} s CPU")
            for label, module, parse in _candidates(kind):
                if module is not None and importlib.util.find_spec(module) is None:
                    print(f"  {label}: {module} not installed, skipped")
                    continue
                (cpu,) = cpu_of(args.rounds, lambda p=path, f=parse: f(p))
                print(f"  {label}: {cpu:.3f} s CPU = {cpu / whole:.2f} of the baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
