"""What was billed (LiteLLM spend logs, OpenRouter usage.cost) kept as billed_usd and set beside the estimate."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import aihubmix_frame as ahf


def _spend_row(request_id: str, model: str, prompt: int, completion: int, spend: float, start: str) -> dict:
    """A LiteLLM_SpendLogs row as the proxy's /spend/logs returns it."""
    return {
        "request_id": request_id,
        "call_type": "acompletion",
        "api_key": "88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b",
        "spend": spend,
        "total_tokens": prompt + completion,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "startTime": start,
        "endTime": start.replace(":00.000Z", ":02.100Z"),
        "model": model,
        "model_id": "b3b1f7b0c5e2c9a1",
        "model_group": model,
        "custom_llm_provider": "openai",
        "api_base": "https://api.openai.com/v1",
        "user": "",
        "metadata": {"user_api_key_alias": "team-a", "user_api_key_team_id": None},
        "cache_hit": "False",
        "cache_key": "Cache OFF",
        "request_tags": ["jobID:214590dsff09fds"],
        "team_id": None,
        "end_user": "",
    }


SPEND_LOGS = [
    _spend_row("chatcmpl-1", "gpt-4o", 2000, 500, 0.0105, "2026-07-01T10:00:00.000Z"),
    _spend_row("chatcmpl-2", "gpt-4o", 4000, 1000, 0.0210, "2026-07-01T18:00:00.000Z"),
    _spend_row("chatcmpl-3", "gpt-4o-mini", 10000, 2000, 0.0028, "2026-07-02T09:00:00.000Z"),
]
# Estimates (per 1M: gpt-4o 2.5 / 10; gpt-4o-mini 0.15 / 0.6): 0.01, 0.02 and 0.0027.


def _openrouter(n: int, prompt: int, completion: int, cost: float) -> dict:
    return {
        "id": f"gen-17513604{n:02d}-x",
        "object": "chat.completion",
        "created": 1782907200 + n * 60,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
            "cost": cost,
            "is_byok": False,
            "cost_details": {"upstream_inference_cost": None},
        },
    }


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return ahf.load_snapshot()


def test_litellm_spend_logs_billed_against_the_estimate(tmp_path: Path, catalog: pd.DataFrame) -> None:
    path = tmp_path / "spend_logs.json"  # the /spend/logs answer saved as it came: a JSON list
    path.write_text(json.dumps(SPEND_LOGS))
    usage = ahf.read_usage(path, timestamp="startTime")
    assert str(usage["billed_usd"].dtype) == "Float64" and usage.columns[7] == "billed_usd"
    assert usage["billed_usd"].tolist() == [0.0105, 0.0210, 0.0028]
    assert usage.attrs["aihubmix"]["usage"]["billed"]["fields"] == {"spend (LiteLLM)": 3}
    costed = ahf.estimate_cost(catalog, usage)
    assert "billed_usd" in costed.columns
    by_model = ahf.summarize_cost(costed).set_index("model_id")
    assert by_model.loc["gpt-4o", "billed_usd"] == pytest.approx(0.0315)
    assert by_model.loc["gpt-4o", "total_cost_usd"] == pytest.approx(0.03)
    assert by_model.loc["gpt-4o", "billed_minus_estimate_usd"] == pytest.approx(0.0015)
    assert by_model.loc["gpt-4o-mini", "billed_minus_estimate_usd"] == pytest.approx(0.0001)
    daily = ahf.summarize_cost(costed, by=None, freq="D", timestamp="startTime")
    assert daily["billed_usd"].tolist() == pytest.approx([0.0315, 0.0028])
    assert daily["billed_minus_estimate_usd"].tolist() == pytest.approx([0.0015, 0.0001])


def test_openrouter_usage_cost_summed(catalog: pd.DataFrame) -> None:
    usage = ahf.read_usage([_openrouter(1, 1000, 100, 0.00021), _openrouter(2, 3000, 500, 0.00075)])
    assert usage["billed_usd"].tolist() == [0.00021, 0.00075]
    total = ahf.summarize_cost(ahf.estimate_cost(catalog, usage), by=None)
    # estimate: (4,000 x 0.15 + 600 x 0.6) / 1M = 0.00096; billed 0.00096 too
    assert total["total_cost_usd"].iloc[0] == pytest.approx(0.00096)
    assert total["billed_usd"].iloc[0] == pytest.approx(0.00096)
    assert total["billed_minus_estimate_usd"].iloc[0] == pytest.approx(0.0, abs=1e-15)


def test_openrouter_byok_adds_the_upstream_cost() -> None:
    record = _openrouter(1, 1000, 100, 0.00001)
    record["usage"]["is_byok"] = True
    record["usage"]["cost_details"]["upstream_inference_cost"] = 0.0002
    usage = ahf.read_usage([record, _openrouter(2, 1000, 100, 0.00021)])
    assert usage["billed_usd"].tolist() == pytest.approx([0.00021, 0.00021])


def test_a_row_without_billed_spend_makes_the_group_na_unless_skipna(catalog: pd.DataFrame) -> None:
    rows = [dict(SPEND_LOGS[0]), dict(SPEND_LOGS[1], spend=None)]
    costed = ahf.estimate_cost(catalog, ahf.read_usage(rows))
    assert pd.isna(ahf.summarize_cost(costed)["billed_usd"].iloc[0])
    assert ahf.summarize_cost(costed, skipna=True)["billed_usd"].iloc[0] == pytest.approx(0.0105)


def test_negative_or_text_spend_is_refused() -> None:
    with pytest.raises(ValueError, match="'spend' is negative"):
        ahf.read_usage([dict(SPEND_LOGS[0], spend=-1.0)])
    with pytest.raises(ValueError, match="'spend' holds"):
        ahf.read_usage([dict(SPEND_LOGS[0], spend="0.01")])
