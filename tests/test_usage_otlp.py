"""OpenTelemetry GenAI spans in OTLP JSON (the collector's file exporter: one export request a line)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import UsageColumnsWarning


def _attr(key: str, value: object) -> dict:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}  # protobuf JSON: int64 as decimal text
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    if isinstance(value, list):
        return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}}}
    return {"key": key, "value": {"stringValue": value}}


def _span(trace: str, span: str, name: str, start: int, attrs: dict, parent: str = "") -> dict:
    return {
        "traceId": trace,
        "spanId": span,
        "parentSpanId": parent,
        "flags": 1,
        "name": name,
        "kind": 3,
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(start + 1_250_000_000),
        "attributes": [_attr(k, v) for k, v in attrs.items()],
        "status": {},
    }


def _request(service: str, scope: str, spans: list[dict]) -> dict:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", service), _attr("telemetry.sdk.language", "python")]},
                "scopeSpans": [{"scope": {"name": scope, "version": "0.50b0"}, "spans": spans}],
                "schemaUrl": "https://opentelemetry.io/schemas/1.28.0",
            }
        ]
    }


T1 = "5b8efff798038103d269b633813fc60c"
T2 = "a3ce929d0e0e47364bf92f3577b34da6"
START = 1782907200_000_000_000  # 2026-07-01 12:00:00 UTC in ns
LINES = [
    _request(
        "support-bot",
        "opentelemetry.instrumentation.openai_v2",
        [
            _span(
                T1,
                "eee19b7ec3c1b174",
                "chat gpt-4o-mini",
                START,
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.response.model": "gpt-4o-mini",
                    "gen_ai.response.finish_reasons": ["stop"],
                    "gen_ai.usage.input_tokens": 1200,
                    "gen_ai.usage.output_tokens": 300,
                    "gen_ai.usage.cache_read.input_tokens": 1000,
                    "gen_ai.request.temperature": 0.2,
                },
            ),
            _span(T1, "0123456789abcdef", "POST /v1/chat/completions", START, {"http.request.method": "POST"}),
        ],
    ),
    _request(
        "research-agent",
        "opentelemetry.instrumentation.anthropic",
        [
            _span(
                T2,
                "1111111111111111",
                "chat claude-sonnet-4-5",
                START + 3_600_000_000_000,
                {  # the older conventions: gen_ai.system and prompt/completion tokens
                    "gen_ai.system": "anthropic",
                    "gen_ai.request.model": "claude-sonnet-4-5",
                    "gen_ai.usage.prompt_tokens": 500,
                    "gen_ai.usage.completion_tokens": 80,
                },
            ),
            _span(
                T2,
                "2222222222222222",
                "execute_tool get_weather",
                START + 3_601_000_000_000,
                {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather"},
            ),
        ],
    ),
]


@pytest.fixture
def otlp_file(tmp_path: Path) -> Path:
    path = tmp_path / "traces.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    return path


def test_genai_spans_become_rows_and_other_spans_are_counted(otlp_file: Path) -> None:
    usage = ahf.read_usage(otlp_file)
    assert usage["model_id"].tolist() == ["gpt-4o-mini", "claude-sonnet-4-5"]
    assert usage["input_tokens"].tolist() == [1200, 500]
    assert usage["output_tokens"].tolist() == [300, 80]
    assert usage["cache_read_tokens"].tolist() == [1000, 0]
    assert usage["input_includes_cache"].all()  # the conventions: cache reads and writes are inside input
    assert usage["provider"].tolist() == ["openai", "anthropic"]
    assert usage["trace_id"].tolist() == [T1, T2] and usage["span_id"].iloc[1] == "1111111111111111"
    assert usage["service_name"].tolist() == ["support-bot", "research-agent"]
    assert str(usage["start_time"].iloc[1]) == "2026-07-01 13:00:00+00:00"
    note = usage.attrs["aihubmix"]["usage"]
    assert (note["spans"], note["rows"], note["skipped_spans"]) == (4, 2, 2)


def test_otlp_spans_priced_against_hand_totals(otlp_file: Path) -> None:
    costed = ahf.estimate_cost(ahf.load_snapshot(), ahf.read_usage(otlp_file))
    # gpt-4o-mini: 200 uncached x 0.15 + 1,000 cached x 0.075 + 300 x 0.6; sonnet: 500 x 3.3 + 80 x 16.5 (per 1M)
    assert costed["total_cost_usd"].tolist() == pytest.approx([285e-6, 2970e-6], rel=1e-12)
    daily = ahf.summarize_cost(costed, by="service_name", freq="D", timestamp="start_time")
    assert daily["total_cost_usd"].sum() == pytest.approx(3255e-6)


def test_one_export_request_as_a_dict_and_response_model_wins() -> None:
    line = json.loads(json.dumps(LINES[0]))
    attrs = line["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"]
    attrs[3] = _attr("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
    usage = ahf.read_usage(line)
    assert usage["model_id"].tolist() == ["gpt-4o-mini-2024-07-18"]
    assert isinstance(usage, pd.DataFrame) and usage["reasoning_tokens"].isna().all()


def test_bad_count_attribute_is_refused(tmp_path: Path) -> None:
    line = json.loads(json.dumps(LINES[0]))
    attrs = line["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"]
    attrs[5] = {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "-5"}}
    with pytest.raises(ValueError, match=r"gen_ai\.usage\.input_tokens.*negative"):
        ahf.read_usage(line)


def test_int_values_written_as_json_numbers_are_read_too(tmp_path: Path) -> None:
    text = json.dumps(LINES[0]).replace('{"intValue": "1200"}', '{"intValue": 1200}')
    path = tmp_path / "numbers.jsonl"
    path.write_text(text + "\n" + json.dumps(LINES[0]).replace('"1200"', "1200") + "\n")
    usage = ahf.read_usage(path)
    assert usage["input_tokens"].tolist() == [1200, 1200]
    assert usage["output_tokens"].tolist() == [300, 300]


def test_model_spans_without_usage_are_said() -> None:
    line = json.loads(json.dumps(LINES[0]))
    spans = line["resourceSpans"][0]["scopeSpans"][0]["spans"]
    streamed = json.loads(json.dumps(spans[0]))
    streamed["spanId"] = "ffffffffffffffff"
    streamed["attributes"] = [a for a in streamed["attributes"] if not a["key"].startswith("gen_ai.usage.")]
    spans.append(streamed)
    with pytest.warns(UsageColumnsWarning, match="1 span\\(s\\) name a GenAI model but carry no gen_ai.usage"):
        usage = ahf.read_usage(line)
    assert len(usage) == 1 and usage.attrs["aihubmix"]["usage"]["model_spans_without_usage"] == 1
    with pytest.raises(ValueError, match="flavor='xai' applies to per-request records"):
        ahf.read_usage(LINES[0], flavor="xai")
