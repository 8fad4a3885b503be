"""Counts as each provider defines them: Gemini's tool-use prompt, xAI's reasoning, gateways' cache writes;
breakdown fields of priced counts raise no warning (warnings are errors in this suite)."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import UsageColumnsWarning

# Gemini generateContent with Google Search grounding (REST shape, camelCase; usageMetadata as documented).
GEMINI_GROUNDED = {
    "candidates": [
        {
            "content": {"parts": [{"text": "Spain won Euro 2024, beating England 2-1 in the final."}], "role": "model"},
            "finishReason": "STOP",
            "index": 0,
            "groundingMetadata": {
                "webSearchQueries": ["UEFA Euro 2024 winner"],
                "groundingChunks": [{"web": {"uri": "https://vertexaisearch.cloud.google.com/x", "title": "uefa.com"}}],
            },
        }
    ],
    "usageMetadata": {
        "promptTokenCount": 1200,
        "candidatesTokenCount": 350,
        "totalTokenCount": 4710,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 1200}],
        "toolUsePromptTokenCount": 2960,
        "toolUsePromptTokensDetails": [{"modality": "TEXT", "tokenCount": 2960}],
        "thoughtsTokenCount": 200,
    },
    "modelVersion": "gemini-2.5-flash",
    "responseId": "mVRcaJ7BLpSgz7IP0eO6uQc",
}
# Gemini with implicit caching: the cached part is inside promptTokenCount, with its own modality list.
GEMINI_CACHED = {
    "candidates": [{"content": {"parts": [{"text": "..."}], "role": "model"}, "finishReason": "STOP", "index": 0}],
    "usageMetadata": {
        "promptTokenCount": 5000,
        "candidatesTokenCount": 120,
        "totalTokenCount": 5120,
        "cachedContentTokenCount": 4096,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 4000}, {"modality": "IMAGE", "tokenCount": 1000}],
        "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 4096}],
        "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 120}],
    },
    "modelVersion": "gemini-2.5-flash",
    "responseId": "bVRcaI2uN9Wfz7IPxo2_oQk",
}
# xAI Chat Completions, grok-3-mini: completion_tokens (9) exclude the 635 reasoning tokens; total = 32 + 9 + 635.
XAI = {
    "id": "3f0c1f8e-6a5e-4b5e-9a4e-1b2c3d4e5f60",
    "object": "chat.completion",
    "created": 1751360400,
    "model": "grok-3-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "101 is prime."}, "finish_reason": "stop"}],
    "usage": {
        "prompt_tokens": 32,
        "completion_tokens": 9,
        "total_tokens": 676,
        "prompt_tokens_details": {"text_tokens": 32, "audio_tokens": 0, "image_tokens": 0, "cached_tokens": 6},
        "completion_tokens_details": {
            "reasoning_tokens": 635,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
        "num_sources_used": 0,
        "cost_in_usd_ticks": 3304440,
    },
    "system_fingerprint": "fp_156c3c2b7d",
}
# OpenRouter (Usage Accounting page): a Claude call through the gateway; the cache write is inside prompt_tokens.
OPENROUTER = {
    "id": "gen-1751360400-abc",
    "object": "chat.completion",
    "created": 1751360400,
    "model": "claude-sonnet-4-5",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
    "usage": {
        "completion_tokens": 2,
        "completion_tokens_details": {"reasoning_tokens": 0},
        "cost": 0.95,
        "cost_details": {"upstream_inference_cost": 19},
        "prompt_tokens": 194,
        "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 100, "audio_tokens": 0},
        "total_tokens": 196,
    },
}
# OpenAI Chat Completions from a model that reports no breakdowns: the *_details objects are null.
CHAT_NULL_DETAILS = {
    "id": "chatcmpl-AB1",
    "object": "chat.completion",
    "created": 1751360400,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
    "usage": {
        "prompt_tokens": 1000,
        "completion_tokens": 100,
        "total_tokens": 1100,
        "prompt_tokens_details": None,
        "completion_tokens_details": None,
    },
}


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return ahf.load_snapshot()


def test_gemini_tool_use_prompt_is_input(catalog: pd.DataFrame) -> None:
    usage = ahf.read_usage([GEMINI_GROUNDED])
    row = usage.iloc[0]
    # 1,200 prompt + 2,960 tool-use prompt = 4,160 input (the tool use is 71% of it); 350 + 200 thoughts out.
    assert (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"]) == (4160, 550, 200)
    assert row["input_tokens"] + row["output_tokens"] == GEMINI_GROUNDED["usageMetadata"]["totalTokenCount"]
    costed = ahf.estimate_cost(catalog, usage)  # no warning: the *TokensDetails lists are breakdowns
    # gemini-2.5-flash: 4,160 x 0.3 + 550 x 2.499 per 1M
    assert costed["total_cost_usd"].iloc[0] == pytest.approx((4160 * 0.3 + 550 * 2.499) / 1e6, rel=1e-12)


def test_real_gemini_cached_response_raises_no_warning(catalog: pd.DataFrame) -> None:
    usage = ahf.read_usage([GEMINI_CACHED, GEMINI_GROUNDED])
    costed = ahf.estimate_cost(catalog, usage)
    # (5,000 - 4,096) x 0.3 + 4,096 x 0.03 + 120 x 2.499 per 1M
    assert costed["total_cost_usd"].iloc[0] == pytest.approx((904 * 0.3 + 4096 * 0.03 + 120 * 2.499) / 1e6)


def test_null_details_chat_response_raises_no_warning(catalog: pd.DataFrame) -> None:
    usage = ahf.read_usage([CHAT_NULL_DETAILS])
    assert "usage.prompt_tokens_details" in usage.columns  # kept, all null
    costed = ahf.estimate_cost(catalog, usage)
    assert costed["total_cost_usd"].iloc[0] == pytest.approx((1000 * 0.15 + 100 * 0.6) / 1e6)


def test_a_column_that_really_holds_unpriced_tokens_still_warns(catalog: pd.DataFrame) -> None:
    record = copy.deepcopy(CHAT_NULL_DETAILS)
    record["usage"]["citation_tokens"] = 20  # Perplexity-style extra prompt tokens: not a breakdown
    usage = ahf.read_usage([record])
    with pytest.warns(UsageColumnsWarning, match="citation_tokens"):
        ahf.estimate_cost(catalog, usage)


def test_xai_reasoning_is_added_to_output_and_detected_from_xai_only_fields(catalog: pd.DataFrame) -> None:
    usage = ahf.read_usage([XAI])  # auto: usage.cost_in_usd_ticks / num_sources_used say it is xAI's
    row = usage.iloc[0]
    assert (row["input_tokens"], row["output_tokens"], row["cache_read_tokens"], row["reasoning_tokens"]) == (
        32,
        644,
        6,
        635,
    )
    assert usage.attrs["aihubmix"]["usage"]["flavors"] == {"xai": 1}
    assert row["billed_usd"] == pytest.approx(3304440 / 1e10)
    costed = ahf.estimate_cost(catalog, usage)
    # grok-3-mini: 26 uncached x 0.3 + 6 cached x 0.0 + 644 x 0.501 per 1M
    assert costed["total_cost_usd"].iloc[0] == pytest.approx((26 * 0.3 + 644 * 0.501) / 1e6)


def test_grok_model_id_alone_is_not_proof_of_xai_counting() -> None:
    record = copy.deepcopy(XAI)
    del record["usage"]["num_sources_used"], record["usage"]["cost_in_usd_ticks"]
    auto = ahf.read_usage([record])  # e.g. through a gateway that reports OpenAI's convention
    assert auto.attrs["aihubmix"]["usage"]["flavors"] == {"openai_chat": 1}
    assert auto["output_tokens"].iloc[0] == 9
    forced = ahf.read_usage([record], flavor="xai")  # the caller knows it came from api.x.ai
    assert forced["output_tokens"].iloc[0] == 644


def test_gateway_cache_write_is_inside_the_prompt(catalog: pd.DataFrame) -> None:
    usage = ahf.read_usage([OPENROUTER])
    row = usage.iloc[0]
    assert (row["input_tokens"], row["cache_write_tokens"], row["cache_read_tokens"]) == (194, 100, 0)
    assert bool(row["input_includes_cache"])
    costed = ahf.estimate_cost(catalog, usage)
    # claude-sonnet-4-5: 94 uncached x 3.3 + 100 written x 4.125 + 2 out x 16.5 per 1M
    assert costed["total_cost_usd"].iloc[0] == pytest.approx((94 * 3.3 + 100 * 4.125 + 2 * 16.5) / 1e6)
