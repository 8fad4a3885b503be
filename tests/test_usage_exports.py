"""Providers' usage exports read by read_usage (one page, a JSON list of pages, JSON Lines of pages) and
priced against hand totals; aggregates at base prices (said where a model has tiers); batch rows said."""

from __future__ import annotations

import copy
import gzip
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import (
    AggregateUsageWarning,
    BatchPriceWarning,
    CacheWriteDurationWarning,
    UsageColumnsWarning,
)
from aihubmix_frame.usage import USAGE_COLUMNS


def _result(model: str, inp: int, cached: int, out: int, requests: int, batch: bool = False) -> dict:
    """One ``organization.usage.completions.result`` (group_by=model,batch), as the API reference shows it."""
    return {
        "object": "organization.usage.completions.result",
        "input_tokens": inp,
        "output_tokens": out,
        "input_cached_tokens": cached,
        "input_audio_tokens": 0,
        "output_audio_tokens": 0,
        "num_model_requests": requests,
        "project_id": None,
        "user_id": None,
        "api_key_id": None,
        "model": model,
        "batch": batch,
        "service_tier": None,
    }


def _page(start: int, results: list[dict], has_more: bool) -> dict:
    return {
        "object": "page",
        "data": [{"object": "bucket", "start_time": start, "end_time": start + 86400, "results": results}],
        "has_more": has_more,
        "next_page": "page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=" if has_more else None,
    }


DAY1, DAY2 = 1782864000, 1782950400  # 2026-07-01 and 2026-07-02 00:00 UTC
OPENAI_PAGES = [
    _page(
        DAY1, [_result("gpt-4o", 1_000_000, 800_000, 500_000, 40), _result("gpt-4o-mini", 200_000, 0, 50_000, 7)], True
    ),
    _page(
        DAY2,
        [_result("gpt-4o", 400_000, 0, 100_000, 12), _result("gpt-4o-mini", 10_000, 0, 1_000, 1, batch=True)],
        False,
    ),
]
# Hand totals (USD per 1M tokens: gpt-4o 2.5 / cached 1.25 / out 10; gpt-4o-mini 0.15 / 0.075 / 0.6):
GPT4O = (200_000 * 2.5 + 800_000 * 1.25 + 500_000 * 10 + 400_000 * 2.5 + 100_000 * 10) / 1e6  # 8.5
MINI = (200_000 * 0.15 + 50_000 * 0.6 + 10_000 * 0.15 + 1_000 * 0.6) / 1e6  # 0.0621

ANTHROPIC_REPORT = {
    "data": [
        {
            "starting_at": "2026-07-01T00:00:00Z",
            "ending_at": "2026-07-02T00:00:00Z",
            "results": [
                {
                    "uncached_input_tokens": 1500,
                    "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 500},
                    "cache_read_input_tokens": 200,
                    "output_tokens": 500,
                    "server_tool_use": {"web_search_requests": 0},
                    "api_key_id": "apikey_01Rj2N8SVvo6BePZj99NhmiT",
                    "workspace_id": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
                    "model": "claude-sonnet-4-5",
                    "service_tier": "standard",
                    "context_window": "0-200k",
                },
                {
                    "uncached_input_tokens": 100_000,
                    "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
                    "cache_read_input_tokens": 0,
                    "output_tokens": 20_000,
                    "server_tool_use": {"web_search_requests": 0},
                    "api_key_id": "apikey_01Rj2N8SVvo6BePZj99NhmiT",
                    "workspace_id": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
                    "model": "claude-opus-4-6",
                    "service_tier": "batch",
                    "context_window": "0-200k",
                },
            ],
        }
    ],
    "has_more": False,
    "next_page": None,
}
# claude-sonnet-4-5 (3.3 / read 0.33 / write 4.125 / out 16.5); claude-opus-4-6 (5 / out 25):
SONNET = (1500 * 3.3 + 200 * 0.33 + 500 * 4.125 + 500 * 16.5) / 1e6  # 0.0153285
OPUS = (100_000 * 5 + 20_000 * 25) / 1e6  # 1.0


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return ahf.load_snapshot()


def _check_openai(usage: pd.DataFrame) -> None:
    assert list(usage.columns[: len(USAGE_COLUMNS)]) == list(USAGE_COLUMNS)
    assert usage["model_id"].tolist() == ["gpt-4o", "gpt-4o-mini", "gpt-4o", "gpt-4o-mini"]
    assert usage["input_tokens"].tolist() == [1_000_000, 200_000, 400_000, 10_000]
    assert usage["cache_read_tokens"].tolist() == [800_000, 0, 0, 0]
    assert str(usage["request_count"].dtype) == "Int64" and usage["request_count"].tolist() == [40, 7, 12, 1]
    assert str(usage["bucket_start"].iloc[2]) == "2026-07-02 00:00:00+00:00"
    assert str(usage["bucket_end"].dtype) == "datetime64[ns, UTC]"
    assert usage["batch"].tolist() == [False, False, False, True]
    assert {"project_id", "user_id", "api_key_id", "service_tier"} <= set(usage.columns)
    assert usage["input_includes_cache"].all()


def test_openai_usage_page_list_and_jsonl_read_alike(tmp_path: Path) -> None:
    single = ahf.read_usage(OPENAI_PAGES[0])
    assert len(single) == 2 and single.attrs["aihubmix"]["usage"]["format"] == "openai_usage"
    (tmp_path / "page.json").write_text(json.dumps(OPENAI_PAGES[0], indent=2))  # pretty-printed, as saved
    assert ahf.read_usage(tmp_path / "page.json").equals(single)
    (tmp_path / "pages.json").write_text(json.dumps(OPENAI_PAGES))
    with gzip.open(tmp_path / "pages.jsonl.gz", "wt") as handle:
        handle.write("\n".join(json.dumps(page) for page in OPENAI_PAGES) + "\n")
    for source in (OPENAI_PAGES, tmp_path / "pages.json", tmp_path / "pages.jsonl.gz"):
        _check_openai(ahf.read_usage(source))


def test_openai_usage_priced_against_hand_totals(catalog: pd.DataFrame) -> None:
    usage = ahf.read_usage(OPENAI_PAGES)
    with pytest.warns(BatchPriceWarning, match="1 row.*no batch discount"):
        costed = ahf.estimate_cost(catalog, usage)
    # request_count never multiplies: the token columns are bucket totals already.
    summary = ahf.summarize_cost(costed).set_index("model_id")
    assert summary.loc["gpt-4o", "total_cost_usd"] == pytest.approx(GPT4O, rel=1e-12)
    assert summary.loc["gpt-4o-mini", "total_cost_usd"] == pytest.approx(MINI, rel=1e-12)
    assert summary.loc["gpt-4o", "request_count"] == 52
    # 1,000,000-token buckets are far over gpt-4o's context, but a total is no request: nothing exceeds.
    assert not costed["exceeds_context"].any() and costed["aggregate_base_price"].tolist() == [True, True, True, False]
    assert costed.attrs["aihubmix"]["cost"]["batch"]["rows"] == 1


def test_anthropic_usage_report_priced_against_hand_totals(catalog: pd.DataFrame) -> None:
    usage = ahf.read_usage(ANTHROPIC_REPORT)
    assert usage["input_tokens"].tolist() == [1500, 100_000]
    assert usage["cache_write_tokens"].tolist() == [500, 0]
    assert not usage["input_includes_cache"].any()
    assert usage["request_count"].isna().all()  # the report counts tokens, not requests
    assert usage["batch"].tolist() == [False, True]
    assert str(usage["bucket_start"].iloc[0]) == "2026-07-01 00:00:00+00:00"
    assert {"workspace_id", "api_key_id", "service_tier", "context_window"} <= set(usage.columns)
    with pytest.warns(BatchPriceWarning):
        costed = ahf.estimate_cost(catalog, usage)
    assert costed["total_cost_usd"].tolist() == pytest.approx([SONNET, OPUS], rel=1e-12)


def test_anthropic_one_hour_writes_web_searches_and_long_context_are_said() -> None:
    report = copy.deepcopy(ANTHROPIC_REPORT)
    first = report["data"][0]["results"][0]
    first["cache_creation"]["ephemeral_1h_input_tokens"] = 1000
    first["server_tool_use"]["web_search_requests"] = 10
    first["context_window"] = "200k-1M"
    with (
        pytest.warns(CacheWriteDurationWarning, match="1-hour"),
        pytest.warns(UsageColumnsWarning, match="web_search_requests=10"),
        pytest.warns(UsageColumnsWarning, match="200k-1M"),
    ):
        usage = ahf.read_usage(report)
    assert usage["cache_write_tokens"].iloc[0] == 1500
    assert usage.attrs["aihubmix"]["usage"]["long_context_rows"] == 1


def test_aggregates_on_a_tiered_model_are_priced_at_base_and_said_once() -> None:
    tiered = ahf.catalog_to_frame(
        [
            {
                "model_id": "tiered-x",
                "types": "llm",
                "pricing": {
                    "input": 1,
                    "output": 2,
                    "tiers": [{"input": 3, "output": 4, "tier": {"size": 1000, "type": "context"}}],
                },
            }
        ]
    )
    usage = ahf.read_usage(
        _page(DAY1, [_result("tiered-x", 5_000, 0, 100, 3), _result("tiered-x", 5_000, 0, 100, 1)], False)
    )
    with pytest.warns(AggregateUsageWarning, match="'tiered-x' \\(1 row\\)") as caught:
        costed = ahf.estimate_cost(tiered, usage)
    assert len([w for w in caught if w.category is AggregateUsageWarning]) == 1
    # Row 0 (3 requests): base 5,000 x 1 + 100 x 2; row 1 is one request: its tier applies, 5,000 x 3 + 100 x 4.
    assert costed["total_cost_usd"].tolist() == pytest.approx([5200 / 1e6, 15400 / 1e6])
    assert costed["aggregate_base_price"].tolist() == [True, False]
    assert costed.attrs["aihubmix"]["cost"]["aggregates"]["models_with_tiers"] == {"tiered-x": 1}


def test_nonzero_audio_tokens_are_kept_and_said(catalog: pd.DataFrame) -> None:
    page = copy.deepcopy(OPENAI_PAGES[0])
    page["data"][0]["results"][0]["input_audio_tokens"] = 3000
    with pytest.warns(UsageColumnsWarning, match="input_audio_tokens=3,000"):
        usage = ahf.read_usage(page)
    assert "output_audio_tokens" not in usage.columns  # zero everywhere: dropped, and attrs says so
    assert usage.attrs["aihubmix"]["usage"]["dropped_zero_columns"] == ["output_audio_tokens"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once, by read_usage; estimate_cost records it
        costed = ahf.estimate_cost(catalog, usage)
    assert costed.attrs["aihubmix"]["cost"]["unused_token_columns"] == ["input_audio_tokens"]


def test_damaged_exports_are_refused_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps(OPENAI_PAGES[0]) + "\n" + json.dumps(OPENAI_PAGES[1])[:80] + "\n")
    with pytest.raises(ValueError, match=r"pages\.jsonl line 2 is not valid JSON"):
        ahf.read_usage(path)
    path.write_text(json.dumps(OPENAI_PAGES[0]) + "\n" + json.dumps(ANTHROPIC_REPORT) + "\n")
    with pytest.raises(ValueError, match="line 2 is not a OpenAI organization Usage API"):
        ahf.read_usage(path)
    bad = copy.deepcopy(OPENAI_PAGES[0])
    bad["data"][0]["results"][0]["input_cached_tokens"] = 2_000_000
    with pytest.raises(ValueError, match="more input_cached_tokens than input_tokens"):
        ahf.read_usage(bad)
    bad["data"][0]["results"][0]["input_cached_tokens"] = -1
    with pytest.raises(ValueError, match="negative"):
        ahf.read_usage(bad)


def test_empty_page_gives_an_empty_frame() -> None:
    usage = ahf.read_usage(_page(DAY1, [], False))
    assert len(usage) == 0 and list(usage.columns[:7]) == list(USAGE_COLUMNS)
    assert np.asarray(usage["request_count"]).size == 0


@pytest.mark.slow
def test_dask_log_of_usage_pages_is_priced_like_pandas(catalog: pd.DataFrame) -> None:
    dd = pytest.importorskip("dask.dataframe")
    usage = ahf.read_usage(OPENAI_PAGES)
    with pytest.warns(BatchPriceWarning):
        expected = ahf.estimate_cost(catalog, usage)
    lazy = ahf.estimate_cost(catalog, dd.from_pandas(usage, npartitions=2)).compute()
    assert lazy["total_cost_usd"].tolist() == pytest.approx(expected["total_cost_usd"].tolist())
    assert lazy["aggregate_base_price"].tolist() == expected["aggregate_base_price"].tolist()


def test_request_counts_sum_and_stay_na_where_the_report_has_none(catalog: pd.DataFrame) -> None:
    with pytest.warns(BatchPriceWarning):
        costed = ahf.estimate_cost(catalog, ahf.read_usage(ANTHROPIC_REPORT))
    summary = ahf.summarize_cost(costed, by=None)
    assert pd.isna(summary["request_count"].iloc[0])  # not 0: Anthropic's report counts no requests
    assert summary["total_cost_usd"].iloc[0] == pytest.approx(SONNET + OPUS)


def test_pages_longer_than_any_read_ahead_are_recognised(tmp_path: Path) -> None:
    many = [_result("gpt-4o-mini", 1000, 0, 10, 1) for _ in range(600)]  # one ~200 kB line
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(_page(DAY1, many, True)) + "\n" + json.dumps(_page(DAY2, many, False)) + "\n")
    usage = ahf.read_usage(path)
    assert len(usage) == 1200 and usage["input_tokens"].sum() == 1_200_000
