"""The rest of the month (tests/helpers_month.py has the per-request responses): usage-export pages,
OTLP spans and gateway logs, each in its documented shape (URL above each builder), with hand costs."""

from __future__ import annotations

import random

import pandas as pd
from helpers_month import DAYS, Record, _iso, _priced, _stamp, hand


# https://platform.openai.com/docs/api-reference/usage/completions (a page of daily buckets;
# input_tokens include input_cached_tokens; group_by=model,batch)
def openai_usage_pages(rng: random.Random) -> tuple[list[Record], list[float]]:
    models = ["gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14"]
    pages, costs, buckets = [], [], []
    for day in range(DAYS):
        results = []
        for model in models:
            inp = rng.randrange(10_000, 3_000_000)
            cached = rng.randrange(0, inp)
            out = rng.randrange(1000, 400_000)
            batch = model.startswith("gpt-4o-mini") and day % 7 == 3
            results.append(
                {
                    "object": "organization.usage.completions.result",
                    "input_tokens": inp,
                    "output_tokens": out,
                    "input_cached_tokens": cached,
                    "input_audio_tokens": 0,
                    "output_audio_tokens": 0,
                    "num_model_requests": rng.randrange(1, 900),
                    "project_id": None,
                    "user_id": None,
                    "api_key_id": None,
                    "model": model,
                    "batch": batch,
                    "service_tier": None,
                }
            )
            costs.append(hand(_priced(model), inp, out, cached, includes_cache=True))
        start = _stamp(day, 0)
        buckets.append({"object": "bucket", "start_time": start, "end_time": start + 86400, "results": results})
    for first in range(0, DAYS, 7):  # 7 buckets a page (limit=7), as a paginating script saves them
        more = first + 7 < DAYS
        pages.append(
            {
                "object": "page",
                "data": buckets[first : first + 7],
                "has_more": more,
                "next_page": f"page_AAAAAGdGxdEiJdKO{first:04d}" if more else None,
            }
        )
    return pages, costs


# https://docs.anthropic.com/en/api/admin-api/usage-cost/get-messages-usage-report (data[].starting_at,
# results[] with uncached_input_tokens, cache_read_input_tokens, cache_creation.ephemeral_5m/1h_input_tokens)
def anthropic_usage_report(rng: random.Random) -> tuple[list[Record], list[float]]:
    models = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"]
    buckets, costs = [], []
    for day in range(DAYS):
        results = []
        for model in models:
            uncached = rng.randrange(1000, 900_000)
            read = rng.randrange(0, 2_000_000)
            write_5m = rng.randrange(0, 300_000)
            write_1h = 50_000 if day == 5 and model.startswith("claude-haiku") else 0
            out = rng.randrange(1000, 200_000)
            results.append(
                {
                    "uncached_input_tokens": uncached,
                    "cache_creation": {
                        "ephemeral_1h_input_tokens": write_1h,
                        "ephemeral_5m_input_tokens": write_5m,
                    },
                    "cache_read_input_tokens": read,
                    "output_tokens": out,
                    "server_tool_use": {"web_search_requests": 0},
                    "api_key_id": None,
                    "workspace_id": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
                    "model": model,
                    "service_tier": "standard",
                    "context_window": "0-200k",
                }
            )
            costs.append(hand(_priced(model), uncached, out, read, write_5m + write_1h, includes_cache=False))
        start = pd.Timestamp(_stamp(day, 0), unit="s", tz="UTC")
        buckets.append(
            {
                "starting_at": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "ending_at": (start + pd.Timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "results": results,
            }
        )
    pages = [
        {"data": buckets[:16], "has_more": True, "next_page": "page_MjAyNi0wNy0xNw=="},
        {"data": buckets[16:], "has_more": False, "next_page": None},
    ]
    return pages, costs


def _attr(key: str, value: object) -> Record:
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}  # protobuf JSON: int64 as decimal text
    if isinstance(value, list):
        return {"key": key, "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}}}
    return {"key": key, "value": {"stringValue": value}}


# https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/ (gen_ai.usage.input_tokens includes the
# cached tokens; gen_ai.usage.cache_read.input_tokens, gen_ai.usage.cache_creation.input_tokens) written by
# the collector's file exporter (https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/
# exporter/fileexporter): one ExportTraceServiceRequest in OTLP/JSON a line.
def otlp(rng: random.Random) -> tuple[list[Record], list[float], int]:
    lines, costs, other = [], [], 0
    for day in range(DAYS):
        provider, model = (
            ("openai", "gpt-4o-mini-2024-07-18") if day % 2 == 0 else ("anthropic", "claude-sonnet-4-5-20250929")
        )
        inp = rng.randrange(2000, 50_000)
        read = rng.randrange(0, inp // 2)
        write = rng.randrange(0, inp // 4) if provider == "anthropic" else 0
        out = rng.randrange(1, 3000)
        start = _stamp(day, 10) * 1_000_000_000
        trace = f"{day:02d}8efff798038103d269b633813fc60c"
        attrs = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": model.split("-20")[0],
            "gen_ai.response.model": model,
            "gen_ai.response.finish_reasons": ["stop"],
            "gen_ai.usage.input_tokens": inp,
            "gen_ai.usage.output_tokens": out,
            "gen_ai.usage.cache_read.input_tokens": read,
        }
        if write:
            attrs["gen_ai.usage.cache_creation.input_tokens"] = write
        spans = [
            {
                "traceId": trace,
                "spanId": f"eee19b7ec3c1b1{day:02d}",
                "parentSpanId": "",
                "flags": 1,
                "name": f"chat {model}",
                "kind": 3,
                "startTimeUnixNano": str(start),
                "endTimeUnixNano": str(start + 1_250_000_000),
                "attributes": [_attr(k, v) for k, v in attrs.items()],
                "status": {},
            },
            {
                "traceId": trace,
                "spanId": f"0123456789abcd{day:02d}",
                "parentSpanId": f"eee19b7ec3c1b1{day:02d}",
                "flags": 1,
                "name": "POST",
                "kind": 3,
                "startTimeUnixNano": str(start),
                "endTimeUnixNano": str(start + 1_000_000_000),
                "attributes": [_attr("http.request.method", "POST"), _attr("http.response.status_code", 200)],
                "status": {},
            },
        ]
        other += 1
        lines.append(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": [_attr("service.name", "support-bot")]},
                        "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.genai"}, "spans": spans}],
                        "schemaUrl": "https://opentelemetry.io/schemas/1.37.0",
                    }
                ]
            }
        )
        costs.append(hand(_priced(model), inp, out, read, write, includes_cache=True))
    return lines, costs, other


# https://docs.litellm.ai/docs/proxy/cost_tracking (LiteLLM_SpendLogs rows, /spend/logs: spend in USD,
# prompt_tokens, completion_tokens, startTime; model as the proxy routes it, provider/model)
def litellm(rng: random.Random) -> tuple[list[Record], list[float], list[float]]:
    models = ["openai/gpt-4o", "anthropic/claude-sonnet-4-5-20250929", "gemini/gemini-2.5-flash"]
    rows, costs, billed = [], [], []
    for day in range(DAYS):
        for hour in (10, 16):
            model = models[(day + hour) % 3]
            prompt = rng.randrange(100, 20_000)
            completion = rng.randrange(1, 2000)
            spend = round(rng.uniform(0.0001, 0.2), 6)
            start = _iso(_stamp(day, hour))
            rows.append(
                {
                    "request_id": f"chatcmpl-{day:02d}{hour}",
                    "call_type": "acompletion",
                    "api_key": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
                    "spend": spend,
                    "total_tokens": prompt + completion,
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "startTime": start,
                    "endTime": start,
                    "model": model,
                    "model_id": "b3b1f7b0c5e2c9a1",
                    "model_group": model.split("/")[1],
                    "custom_llm_provider": model.split("/")[0],
                    "api_base": "https://api.example-provider.com/v1",
                    "user": "",
                    "metadata": {"user_api_key_alias": "team-a", "user_api_key_team_id": None},
                    "cache_hit": "False",
                    "cache_key": "Cache OFF",
                    "request_tags": [],
                    "team_id": None,
                    "end_user": "",
                }
            )
            costs.append(hand(_priced(model), prompt, completion, includes_cache=True))
            billed.append(spend)
    return rows, costs, billed


# https://openrouter.ai/docs/use-cases/usage-accounting (usage.cost in credits = USD;
# prompt_tokens_details.cached_tokens and cache_write_tokens, both inside prompt_tokens)
def openrouter(rng: random.Random) -> tuple[list[Record], list[float], list[float]]:
    models = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5", "google/gemini-2.5-flash"]
    records, costs, billed = [], [], []
    for day in range(DAYS):
        model = models[day % 3]
        prompt = rng.randrange(200, 30_000)
        read = rng.randrange(0, prompt // 2)
        write = rng.randrange(0, prompt // 4) if model.startswith("anthropic") else 0
        completion = rng.randrange(1, 3000)
        reasoning = rng.randrange(0, completion) if model.startswith("google") else 0
        cost = round(rng.uniform(0.0001, 0.1), 8)
        records.append(
            {
                "id": f"gen-1751360{day:03d}-abcDEF",
                "provider": model.split("/")[0].capitalize(),
                "model": model,
                "object": "chat.completion",
                "created": _stamp(day, 21),
                "choices": [
                    {
                        "logprobs": None,
                        "finish_reason": "stop",
                        "native_finish_reason": "stop",
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok", "refusal": None, "reasoning": None},
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                    "cost": cost,
                    "is_byok": False,
                    "prompt_tokens_details": {"cached_tokens": read, "cache_write_tokens": write, "audio_tokens": 0},
                    "cost_details": {"upstream_inference_cost": None},
                    "completion_tokens_details": {"reasoning_tokens": reasoning},
                },
            }
        )
        costs.append(hand(_priced(model), prompt, completion, read, write, includes_cache=True))
        billed.append(cost)
    return records, costs, billed
