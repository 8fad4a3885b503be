"""A month of usage in every form a team really has, each record in its provider's documented shape
(the URL is above each builder), with the hand cost of every record (tests/test_usage_month.py).

The hand cost uses the per-1M prices read from the raw bundled snapshot JSON in plain Python, not
through the package, and each provider's documented counting.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pandas as pd

import aihubmix_frame as ahf

Record = dict[str, Any]

# The raw bundled snapshot, read without the package: {model id: {"input": .., "output": .., ...}} per 1M tokens.
_RAW = sorted((Path(ahf.__file__).parent / "data").glob("catalog_*.json"))[-1]
PRICES: dict[str, dict[str, float]] = {m["model_id"]: m["pricing"] for m in json.loads(_RAW.read_text())["data"]}

JULY_1 = 1782864000  # 2026-07-01 00:00:00 UTC
DAYS = 31


def _stamp(day: int, hour: int) -> int:
    return JULY_1 + day * 86400 + hour * 3600


def _iso(seconds: int) -> str:
    return pd.Timestamp(seconds, unit="s", tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hand(model: str | None, inp: int, out: int, read: int = 0, write: int = 0, *, includes_cache: bool) -> float:
    """USD of one row by hand: uncached input, cache reads, cache writes, output at their per-1M prices.

    A missing cache price bills at the input price (the documented fallback, said in a warning)."""
    if model is None:
        return 0.0
    p = PRICES[model]
    uncached = inp - read - write if includes_cache else inp
    return (
        uncached * p["input"]
        + read * p.get("cache_read", p["input"])
        + write * p.get("cache_write", p["input"])
        + out * p["output"]
    ) / 1e6


# ---------------------------------------------------------------------------------------------------
# The records, one month of each form. Each builder returns (records, expected hand cost per record).
# ---------------------------------------------------------------------------------------------------

#: logged id -> (catalog id it must be priced as, id_match); None: no documented rule resolves it.
RESOLVES: dict[str, tuple[str, str] | None] = {
    # OpenAI answers with dated ids; the catalog lists some of them (exact wins), not others.
    "gpt-4o-2024-08-06": ("gpt-4o-2024-08-06", "exact"),
    "gpt-4o-mini-2024-07-18": ("gpt-4o-mini-2024-07-18", "exact"),
    "gpt-4.1-2025-04-14": ("gpt-4.1", "dated_snapshot"),
    "o3-2025-04-16": ("o3", "dated_snapshot"),
    "gpt-5-2025-08-07": ("gpt-5", "dated_snapshot"),
    "gpt-5-mini-2025-08-07": ("gpt-5-mini", "dated_snapshot"),
    "o4-mini-2025-04-16": ("o4-mini", "dated_snapshot"),
    "ft:gpt-4o-mini-2024-07-18:acme::9aBcDeF1": None,  # a fine-tune: priced apart, no rule may guess
    # Anthropic answers with -YYYYMMDD ids.
    "claude-sonnet-4-5-20250929": ("claude-sonnet-4-5", "dated_snapshot"),
    "claude-haiku-4-5-20251001": ("claude-haiku-4-5", "dated_snapshot"),
    "claude-opus-4-1-20250805": ("claude-opus-4-1", "dated_snapshot"),
    # Gemini's modelVersion.
    "gemini-2.5-flash": ("gemini-2.5-flash", "exact"),
    "gemini-2.5-pro": ("gemini-2.5-pro", "exact"),
    "gemini-2.0-flash-001": None,  # the catalog has no gemini-2.0-flash at all
    # xAI: grok-4's response model is grok-4-0709 (no year: not a dated snapshot under the rules).
    "grok-3-mini": ("grok-3-mini", "exact"),
    "grok-4-0709": None,
    # Gateways: LiteLLM provider/model, OpenRouter vendor/model with dotted Claude versions.
    "openai/gpt-4o": ("gpt-4o", "provider_prefix"),
    "anthropic/claude-sonnet-4-5-20250929": ("claude-sonnet-4-5", "provider_prefix+dated_snapshot"),
    "gemini/gemini-2.5-flash": ("gemini-2.5-flash", "provider_prefix"),
    "openai/gpt-4o-mini": ("gpt-4o-mini", "provider_prefix"),
    "anthropic/claude-sonnet-4.5": ("claude-sonnet-4-5", "provider_prefix+claude_dotted_version"),
    "google/gemini-2.5-flash": ("gemini-2.5-flash", "provider_prefix"),
}


def _priced(model: str) -> str | None:
    target = RESOLVES[model]
    return None if target is None else target[0]


# https://platform.openai.com/docs/api-reference/chat/object (usage: prompt_tokens_details.cached_tokens,
# completion_tokens_details.reasoning_tokens; reasoning is inside completion_tokens)
def openai_chat(rng: random.Random) -> tuple[list[Record], list[float]]:
    models = ["gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14", "o3-2025-04-16"]
    records, costs = [], []
    for day in range(DAYS):
        for hour, model in zip((9, 15), (models[day % 4], models[(day + 1) % 4]), strict=True):
            if day == 17 and hour == 15:
                model = "ft:gpt-4o-mini-2024-07-18:acme::9aBcDeF1"
            prompt = rng.randrange(200, 60_000)
            cached = rng.randrange(0, prompt // 1024 + 1) * 1024 if prompt >= 1024 else 0
            reasoning = rng.randrange(0, 4000) if model.startswith("o3") else 0
            completion = reasoning + rng.randrange(1, 3000)
            records.append(
                {
                    "id": f"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKc{day:02d}{hour}",
                    "object": "chat.completion",
                    "created": _stamp(day, hour),
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "ok", "refusal": None, "annotations": []},
                            "logprobs": None,
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                        "completion_tokens_details": {
                            "reasoning_tokens": reasoning,
                            "audio_tokens": 0,
                            "accepted_prediction_tokens": 0,
                            "rejected_prediction_tokens": 0,
                        },
                    },
                    "service_tier": "default",
                    "system_fingerprint": "fp_50cad350e4",
                }
            )
            costs.append(hand(_priced(model), prompt, completion, cached, includes_cache=True))
    return records, costs


# https://platform.openai.com/docs/api-reference/responses/object (usage.input_tokens_details.cached_tokens,
# usage.output_tokens_details.reasoning_tokens; created_at in epoch seconds)
def openai_responses(rng: random.Random) -> tuple[list[Record], list[float]]:
    models = ["gpt-5-2025-08-07", "gpt-5-mini-2025-08-07", "o4-mini-2025-04-16"]
    records, costs = [], []
    for day in range(DAYS):
        model = models[day % 3]
        inp = rng.randrange(500, 80_000)
        cached = rng.randrange(0, inp // 1024 + 1) * 1024 if inp >= 1024 else 0
        reasoning = rng.randrange(0, 6000)
        out = reasoning + rng.randrange(1, 2000)
        records.append(
            {
                "id": f"resp_67ccd2bed1ec8190b14f964abc05{day:02d}",
                "object": "response",
                "created_at": _stamp(day, 11),
                "status": "completed",
                "error": None,
                "incomplete_details": None,
                "model": model,
                "output": [
                    {
                        "type": "message",
                        "id": f"msg_{day}",
                        "status": "completed",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": "ok", "annotations": []}],
                    }
                ],
                "parallel_tool_calls": True,
                "reasoning": {"effort": "medium", "summary": None},
                "service_tier": "default",
                "store": True,
                "usage": {
                    "input_tokens": inp,
                    "input_tokens_details": {"cached_tokens": cached},
                    "output_tokens": out,
                    "output_tokens_details": {"reasoning_tokens": reasoning},
                    "total_tokens": inp + out,
                },
            }
        )
        costs.append(hand(_priced(model), inp, out, cached, includes_cache=True))
    return records, costs


# https://docs.anthropic.com/en/api/messages (usage.input_tokens excludes cache_read_input_tokens and
# cache_creation_input_tokens; cache_creation splits 5-minute and 1-hour writes). A Messages response has
# no time of its own: the logger adds one (here "logged_at").
def anthropic_messages(rng: random.Random) -> tuple[list[Record], list[float]]:
    models = ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805"]
    records, costs = [], []
    for day in range(DAYS):
        model = models[day % 3]
        inp = rng.randrange(3, 5000)
        caching = not model.startswith("claude-opus")  # this team caches on Sonnet and Haiku only
        read = rng.randrange(0, 40_000) if caching else 0
        write_5m = rng.randrange(0, 8000) if caching else 0
        write_1h = 2048 if caching and day == 10 else 0
        out = rng.randrange(1, 4000)
        records.append(
            {
                "logged_at": _iso(_stamp(day, 14)),
                "id": f"msg_013Zva2CMHLNnXjNJJKqJ2{day:02d}",
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": "ok"}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {
                    "input_tokens": inp,
                    "cache_creation_input_tokens": write_5m + write_1h,
                    "cache_read_input_tokens": read,
                    "cache_creation": {"ephemeral_5m_input_tokens": write_5m, "ephemeral_1h_input_tokens": write_1h},
                    "output_tokens": out,
                    "server_tool_use": None,
                    "service_tier": "standard",
                },
            }
        )
        costs.append(hand(_priced(model), inp, out, read, write_5m + write_1h, includes_cache=False))
    return records, costs


# https://ai.google.dev/api/generate-content#UsageMetadata and the Vertex AI GenerateContentResponse
# (https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/GenerateContentResponse, createTime):
# promptTokenCount includes cachedContentTokenCount; toolUsePromptTokenCount and thoughtsTokenCount come on
# top; zero counts are omitted (proto3 JSON).
def gemini(rng: random.Random) -> tuple[list[Record], list[float]]:
    models = ["gemini-2.5-flash", "gemini-2.5-pro"]
    records, costs = [], []
    for day in range(DAYS):
        model = "gemini-2.0-flash-001" if day == 20 else models[day % 2]
        prompt = rng.randrange(100, 30_000)
        cached = rng.randrange(0, prompt) if day % 3 == 0 else 0
        tool = rng.randrange(500, 9000) if day % 4 == 0 else 0
        thoughts = rng.randrange(0, 5000) if day % 2 == 0 else 0
        candidates = rng.randrange(1, 2000)
        usage: Record = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": candidates,
            "totalTokenCount": prompt + tool + thoughts + candidates,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
            "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": candidates}],
        }
        if cached:
            usage["cachedContentTokenCount"] = cached
            usage["cacheTokensDetails"] = [{"modality": "TEXT", "tokenCount": cached}]
        if tool:
            usage["toolUsePromptTokenCount"] = tool
            usage["toolUsePromptTokensDetails"] = [{"modality": "TEXT", "tokenCount": tool}]
        if thoughts:
            usage["thoughtsTokenCount"] = thoughts
        usage["trafficType"] = "ON_DEMAND"
        records.append(
            {
                "candidates": [
                    {
                        "content": {"role": "model", "parts": [{"text": "ok"}]},
                        "finishReason": "STOP",
                        "avgLogprobs": -0.12,
                    }
                ],
                "usageMetadata": usage,
                "modelVersion": model,
                "createTime": _iso(_stamp(day, 8)),
                "responseId": f"AbCdEfGhIjKlMnOpQrStUv{day:02d}",
            }
        )
        costs.append(hand(_priced(model), prompt + tool, candidates + thoughts, cached, includes_cache=True))
    return records, costs


# https://docs.x.ai/docs/api-reference#chat-completions (completion_tokens exclude the reasoning tokens;
# total_tokens = prompt + completion + reasoning) and https://docs.x.ai/developers/cost-tracking
# (usage.cost_in_usd_ticks, 1 USD = 1e10 ticks).
def xai(rng: random.Random, *, with_xai_fields: bool = True) -> tuple[list[Record], list[float], list[float]]:
    records, costs, billed = [], [], []
    for day in range(DAYS):
        model = "grok-4-0709" if day % 5 == 4 else "grok-3-mini"
        prompt = rng.randrange(20, 9000)
        cached = rng.randrange(0, prompt) if day % 2 else 0
        reasoning = rng.randrange(100, 3000)
        completion = rng.randrange(1, 800)
        ticks = rng.randrange(1_000_000, 90_000_000)
        usage: Record = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion + reasoning,
            "prompt_tokens_details": {
                "text_tokens": prompt,
                "audio_tokens": 0,
                "image_tokens": 0,
                "cached_tokens": cached,
            },
            "completion_tokens_details": {
                "reasoning_tokens": reasoning,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
        if with_xai_fields:
            usage["num_sources_used"] = 0
            usage["cost_in_usd_ticks"] = ticks
        records.append(
            {
                "id": f"3f0c1f8e-0b1c-4b6e-9d7a-{day:012d}",
                "object": "chat.completion",
                "created": _stamp(day, 19),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok", "reasoning_content": "..."},
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
                "system_fingerprint": "fp_6ca29cf396",
            }
        )
        costs.append(hand(_priced(model), prompt, completion + reasoning, cached, includes_cache=True))
        billed.append(ticks / 1e10)
    return records, costs, billed
