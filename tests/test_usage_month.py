"""Acceptance of issue 18: a month of usage in every form a team really has, priced end to end.

Each form (built in tests/helpers_month.py, in the providers' documented shapes) is written to files
the way it is saved in practice (JSON Lines, gzip, pretty JSON pages), read with ``ahf.read_usage``,
priced with ``ahf.estimate_cost`` against the bundled snapshot and summed with ``ahf.summarize_cost``.
Every row must be priced (and say how its id matched) or be counted as unpriced (NA, named in a
warning, counted in ``unpriced_rows``); every total equals a hand computation from the records with
the per-1M prices of the raw snapshot JSON, to 1e-9.
"""

from __future__ import annotations

import gzip
import json
import random
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from helpers_month import JULY_1, RESOLVES, Record, anthropic_messages, gemini, openai_chat, openai_responses, xai
from helpers_month_logs import anthropic_usage_report, litellm, openai_usage_pages, openrouter, otlp

import aihubmix_frame as ahf
from aihubmix_frame.errors import (
    BatchPriceWarning,
    CacheWriteDurationWarning,
    ModelIdResolvedWarning,
    UnknownModelWarning,
    UsageColumnsWarning,
)

# ---------------------------------------------------------------------------------------------------
# Writing the files, pricing them, and the checks every form shares.
# ---------------------------------------------------------------------------------------------------


def _jsonl(path: Path, records: list[Record]) -> Path:
    text = "".join(json.dumps(r) + "\n" for r in records)
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


@pytest.fixture(scope="module")
def catalog() -> pd.DataFrame:
    return ahf.load_snapshot()


def _price(
    catalog: pd.DataFrame, read: Callable[[], pd.DataFrame], expected: set[type[Warning]]
) -> tuple[pd.DataFrame, list[warnings.WarningMessage]]:
    """Read and price; the warnings raised must be exactly ``expected`` (anything else is a false alarm)."""
    with pytest.warns(Warning) as caught:
        costed = ahf.estimate_cost(catalog, read())
    got = {w.category for w in caught}
    assert got == expected, [f"{w.category.__name__}: {w.message}" for w in caught]
    return costed, list(caught)


def _messages(caught: list[warnings.WarningMessage], category: type[Warning]) -> str:
    return " ".join(str(w.message) for w in caught if w.category is category)


def _check(
    costed: pd.DataFrame,
    caught: list[warnings.WarningMessage],
    costs: list[float],
    *,
    timestamp: str,
) -> pd.DataFrame:
    """Every row priced (how its id matched said) or counted as unpriced; totals equal the hand ones."""
    assert len(costed) == len(costs)
    logged = costed["model_id"].astype("string")
    priced_as = costed["priced_as"].astype("string")
    id_match = costed["id_match"].astype("string")
    resolved_said = _messages(caught, ModelIdResolvedWarning)
    unknown_said = _messages(caught, UnknownModelWarning)
    for model in logged.unique():
        rows = logged == model
        target = RESOLVES[model]
        if target is None:  # unpriced: NA cost, NA priced_as, named in a warning
            assert costed.loc[rows, "total_cost_usd"].isna().all(), model
            assert priced_as[rows].isna().all() and id_match[rows].isna().all(), model
            assert repr(model) in unknown_said, (model, unknown_said)
        else:
            assert costed.loc[rows, "total_cost_usd"].notna().all(), model
            assert (priced_as[rows] == target[0]).all() and (id_match[rows] == target[1]).all(), (
                model,
                priced_as[rows].unique(),
                id_match[rows].unique(),
            )
            if target[1] != "exact":
                assert f"{model!r} -> {target[0]!r} ({target[1]}, {int(rows.sum())} row" in resolved_said, model
    # Row by row, then the month: the hand cost of each record (NA rows: 0 by hand, NA here).
    got = costed["total_cost_usd"].astype("float64").fillna(0.0).tolist()
    assert got == pytest.approx(costs, rel=0, abs=1e-9)
    unpriced = int(costed["total_cost_usd"].isna().sum())
    month = ahf.summarize_cost(costed, by=None, freq="MS", timestamp=timestamp, skipna=True)
    assert len(month) == 1 and str(month["period"].iloc[0])[:10] == "2026-07-01"
    assert int(month["rows"].iloc[0]) == len(costs) and int(month["unpriced_rows"].iloc[0]) == unpriced
    assert abs(float(month["total_cost_usd"].iloc[0]) - sum(costs)) < 1e-9
    strict = ahf.summarize_cost(costed, by=None)  # skipna=False: an unpriced row never shrinks a total
    assert pd.isna(strict["total_cost_usd"].iloc[0]) == (unpriced > 0)
    per_model = ahf.summarize_cost(costed, by="priced_as", skipna=True)
    for _, row in per_model.dropna(subset=["priced_as"]).iterrows():
        mask = (priced_as == row["priced_as"]).fillna(False).to_numpy()
        assert abs(float(row["total_cost_usd"]) - sum(c for c, m in zip(costs, mask, strict=True) if m)) < 1e-9
    # The unpriced rows are a group of their own (priced_as NA), counted, with no cost.
    orphans = per_model[per_model["priced_as"].isna()]
    assert int(orphans["unpriced_rows"].sum()) == unpriced and orphans["total_cost_usd"].isna().all()
    return month


# ---------------------------------------------------------------------------------------------------
# The forms
# ---------------------------------------------------------------------------------------------------


def test_openai_chat_completions_month(tmp_path: Path, catalog: pd.DataFrame) -> None:
    records, costs = openai_chat(random.Random(1))
    path = _jsonl(tmp_path / "chat.jsonl", records)
    costed, caught = _price(
        catalog,
        lambda: ahf.read_usage(path, timestamp="created"),
        {ModelIdResolvedWarning, UnknownModelWarning},
    )
    assert costed.attrs["aihubmix"]["usage"]["flavors"] == {"openai_chat": 62}
    _check(costed, caught, costs, timestamp="created")
    # A fine-tune is never offered its base model's price, nor another model's.
    assert "ft:gpt-4o-mini-2024-07-18:acme::9aBcDeF1" in _messages(caught, UnknownModelWarning)


def test_openai_responses_month_gzip(tmp_path: Path, catalog: pd.DataFrame) -> None:
    records, costs = openai_responses(random.Random(2))
    path = _jsonl(tmp_path / "responses.jsonl.gz", records)
    costed, caught = _price(catalog, lambda: ahf.read_usage(path, timestamp="created_at"), {ModelIdResolvedWarning})
    assert costed.attrs["aihubmix"]["usage"]["flavors"] == {"openai_responses": 31}
    _check(costed, caught, costs, timestamp="created_at")


def test_anthropic_messages_month(tmp_path: Path, catalog: pd.DataFrame) -> None:
    records, costs = anthropic_messages(random.Random(3))
    path = _jsonl(tmp_path / "messages.jsonl", records)
    costed, caught = _price(
        catalog,
        lambda: ahf.read_usage(path, timestamp="logged_at"),
        {ModelIdResolvedWarning, CacheWriteDurationWarning},
    )
    # Day 10 wrote 2,048 tokens to the 1-hour cache: billed at the single (5-minute) cache_write price, said.
    assert "2,048 tokens to the 1-hour cache" in _messages(caught, CacheWriteDurationWarning)
    assert not costed["input_includes_cache"].any()
    _check(costed, caught, costs, timestamp="logged_at")


def test_gemini_month(tmp_path: Path, catalog: pd.DataFrame) -> None:
    records, costs = gemini(random.Random(4))
    path = _jsonl(tmp_path / "gemini.jsonl", records)
    # The *TokensDetails breakdowns and trafficType are not unpriced counts: no warning about them.
    costed, caught = _price(catalog, lambda: ahf.read_usage(path, timestamp="createTime"), {UnknownModelWarning})
    assert costed.attrs["aihubmix"]["usage"]["flavors"] == {"gemini": 31}
    _check(costed, caught, costs, timestamp="createTime")


def test_xai_month_detected_and_forced(tmp_path: Path, catalog: pd.DataFrame) -> None:
    records, costs, billed = xai(random.Random(5))
    path = _jsonl(tmp_path / "xai.jsonl", records)
    costed, caught = _price(catalog, lambda: ahf.read_usage(path, timestamp="created"), {UnknownModelWarning})
    assert costed.attrs["aihubmix"]["usage"]["flavors"] == {"xai": 31}  # from xAI's own usage fields
    _check(costed, caught, costs, timestamp="created")
    assert costed["billed_usd"].tolist() == pytest.approx(billed, rel=0, abs=1e-15)
    summary = ahf.summarize_cost(costed, by="priced_as", skipna=True)
    mini = summary[summary["priced_as"] == "grok-3-mini"].iloc[0]
    keep = [m == "grok-3-mini" for m in costed["model_id"]]
    assert abs(mini["billed_usd"] - sum(b for b, k in zip(billed, keep, strict=True) if k)) < 1e-9
    assert abs(mini["billed_minus_estimate_usd"] - (mini["billed_usd"] - mini["total_cost_usd"])) < 1e-12

    # The same responses logged without xAI's own fields (through a proxy that drops them): flavor="xai".
    bare, _, _ = xai(random.Random(5), with_xai_fields=False)
    bare_path = _jsonl(tmp_path / "xai_bare.jsonl", bare)
    forced, caught = _price(
        catalog, lambda: ahf.read_usage(bare_path, flavor="xai", timestamp="created"), {UnknownModelWarning}
    )
    _check(forced, caught, costs, timestamp="created")


def test_openai_usage_api_pages_month(tmp_path: Path, catalog: pd.DataFrame) -> None:
    pages, costs = openai_usage_pages(random.Random(6))
    path = _jsonl(tmp_path / "usage_completions.jsonl", pages)
    costed, caught = _price(catalog, lambda: ahf.read_usage(path), {ModelIdResolvedWarning, BatchPriceWarning})
    assert costed["request_count"].sum() == sum(
        r["num_model_requests"] for p in pages for b in p["data"] for r in b["results"]
    )
    _check(costed, caught, costs, timestamp="bucket_start")


def test_anthropic_usage_report_month(tmp_path: Path, catalog: pd.DataFrame) -> None:
    pages, costs = anthropic_usage_report(random.Random(7))
    path = tmp_path / "usage_report.json"
    path.write_text(json.dumps(pages, indent=2))  # a JSON list of the pages, pretty-printed
    costed, caught = _price(catalog, lambda: ahf.read_usage(path), {ModelIdResolvedWarning, CacheWriteDurationWarning})
    assert costed["request_count"].isna().all()
    _check(costed, caught, costs, timestamp="bucket_start")


def test_otlp_genai_spans_month(tmp_path: Path, catalog: pd.DataFrame) -> None:
    lines, costs, other = otlp(random.Random(8))
    path = _jsonl(tmp_path / "traces.jsonl.gz", lines)
    usage = None

    def read() -> pd.DataFrame:
        nonlocal usage
        usage = ahf.read_usage(path)
        return usage

    costed, caught = _price(catalog, read, {ModelIdResolvedWarning})
    assert usage is not None and usage.attrs["aihubmix"]["usage"]["skipped_spans"] == other
    _check(costed, caught, costs, timestamp="start_time")


def test_litellm_spend_logs_month_billed_against_estimate(tmp_path: Path, catalog: pd.DataFrame) -> None:
    rows, costs, billed = litellm(random.Random(9))
    path = tmp_path / "spend_logs.json"
    path.write_text(json.dumps(rows))
    costed, caught = _price(catalog, lambda: ahf.read_usage(path, timestamp="startTime"), {ModelIdResolvedWarning})
    month = _check(costed, caught, costs, timestamp="startTime")
    assert abs(float(month["billed_usd"].iloc[0]) - sum(billed)) < 1e-9
    gap = float(month["billed_minus_estimate_usd"].iloc[0])
    assert abs(gap - (sum(billed) - sum(costs))) < 1e-9
    daily = ahf.summarize_cost(costed, by="priced_as", freq="D", timestamp="startTime")
    assert len(daily) == len(set(zip(costed["priced_as"], costed["startTime"].dt.floor("D"), strict=True)))
    assert abs(daily["billed_minus_estimate_usd"].sum() - gap) < 1e-9


def test_openrouter_month_billed_against_estimate(tmp_path: Path, catalog: pd.DataFrame) -> None:
    records, costs, billed = openrouter(random.Random(10))
    path = _jsonl(tmp_path / "openrouter.jsonl", records)
    costed, caught = _price(catalog, lambda: ahf.read_usage(path, timestamp="created"), {ModelIdResolvedWarning})
    month = _check(costed, caught, costs, timestamp="created")
    assert abs(float(month["billed_usd"].iloc[0]) - sum(billed)) < 1e-9
    assert abs(float(month["billed_minus_estimate_usd"].iloc[0]) - (sum(billed) - sum(costs))) < 1e-9


def test_the_whole_month_in_one_log(catalog: pd.DataFrame) -> None:
    """Every form concatenated into one frame: per-request rows keep their per-request checks, the
    usage-export buckets are priced at base prices, each resolved id is said once with all its rows."""
    forms = [
        (ahf.read_usage(openai_chat(random.Random(1))[0], timestamp="created"), openai_chat(random.Random(1))[1]),
        (ahf.read_usage(gemini(random.Random(4))[0], timestamp="createTime"), gemini(random.Random(4))[1]),
        (ahf.read_usage(openai_usage_pages(random.Random(6))[0]), openai_usage_pages(random.Random(6))[1]),
        (ahf.read_usage(otlp(random.Random(8))[0]), otlp(random.Random(8))[1]),
    ]
    log = pd.concat([usage for usage, _ in forms], ignore_index=True)
    costs = [c for _, form_costs in forms for c in form_costs]
    with pytest.warns(Warning) as caught:
        costed = ahf.estimate_cost(catalog, log)
    assert {w.category for w in caught} == {ModelIdResolvedWarning, UnknownModelWarning, BatchPriceWarning}
    resolved = [str(w.message) for w in caught if w.category is ModelIdResolvedWarning]
    assert len(resolved) == 1  # once, though the buckets and the requests are priced apart
    # gpt-4.1-2025-04-14: 15 Chat responses + 31 Usage API buckets, in one entry.
    assert "'gpt-4.1-2025-04-14' -> 'gpt-4.1' (dated_snapshot, 46 rows)" in resolved[0]
    entries = costed.attrs["aihubmix"]["cost"]["ids"]["resolved"]
    assert {"logged": "gpt-4.1-2025-04-14", "priced_as": "gpt-4.1", "id_match": "dated_snapshot", "rows": 46} in entries
    assert sum(e["rows"] for e in entries) == int((costed["id_match"].astype("string") != "exact").fillna(False).sum())
    buckets = log["bucket_start"].notna().to_numpy()
    assert costed["aggregate_base_price"].to_numpy().tolist() == buckets.tolist()
    assert costed.attrs["aihubmix"]["cost"]["aggregates"]["rows"] == int(buckets.sum())
    assert costed["total_cost_usd"].astype("float64").fillna(0.0).tolist() == pytest.approx(costs, rel=0, abs=1e-9)
    # Requests: the buckets' num_model_requests, and one for each per-request row (no count of its own).
    whole = ahf.summarize_cost(costed, by=None)
    assert int(whole["request_count"].iloc[0]) == int(log["request_count"].sum()) + int((~buckets).sum())


def test_a_request_row_in_a_mixed_log_is_checked_against_its_context(catalog: pd.DataFrame) -> None:
    """A request concatenated with usage-export rows has request_count NA: it is still one request."""
    request = ahf.read_usage(
        [
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": JULY_1,
                "model": "gpt-4o",
                "usage": {"prompt_tokens": 130_000, "completion_tokens": 10, "total_tokens": 130_010},
            }
        ]
    )
    buckets = ahf.read_usage(openai_usage_pages(random.Random(6))[0][:1])
    log = pd.concat([request, buckets], ignore_index=True)
    with pytest.warns(Warning) as caught:
        costed = ahf.estimate_cost(catalog, log)
    categories = {w.category.__name__ for w in caught}
    assert "ContextLengthWarning" in categories  # gpt-4o's context is 128,000 tokens
    assert costed["exceeds_context"].tolist()[0] and not costed["aggregate_base_price"].iloc[0]
    assert costed["aggregate_base_price"].iloc[1:].all()


def test_the_resolved_id_warning_names_the_dated_snapshot_caveat_only_where_a_date_was_dropped(
    catalog: pd.DataFrame,
) -> None:
    log = pd.DataFrame({"model_id": ["openai/gpt-4o"], "input_tokens": [1000], "output_tokens": [10]})
    with pytest.warns(ModelIdResolvedWarning) as caught:
        ahf.estimate_cost(catalog, log)
    assert "dated snapshot" not in str(caught[0].message)
    log = pd.DataFrame(
        {"model_id": ["openai/gpt-4o-2024-05-13x", "gpt-5-2025-08-07"], "input_tokens": 1, "output_tokens": 1}
    )
    with pytest.warns(Warning) as caught:
        ahf.estimate_cost(catalog, log)
    assert "A dated snapshot can be priced differently" in _messages(list(caught), ModelIdResolvedWarning)


def test_a_usage_export_not_grouped_by_model_is_unpriced_and_says_why(catalog: pd.DataFrame) -> None:
    """A Usage API page read without group_by=model has ``"model": null``: unpriced, and the warning
    says how to get the model, instead of calling <NA> an unknown catalog id."""
    page = openai_usage_pages(random.Random(6))[0][0]
    for bucket in page["data"]:
        for result in bucket["results"]:
            result["model"] = None
    usage = ahf.read_usage(page)
    with pytest.warns(Warning) as caught:
        costed = ahf.estimate_cost(catalog, usage)
    said = _messages(list(caught), UnknownModelWarning)
    assert "<NA> stands for rows without a model id" in said and "group_by=model" in said
    assert costed["total_cost_usd"].isna().all()
    summary = ahf.summarize_cost(costed, by=None, skipna=True)
    assert int(summary["unpriced_rows"].iloc[0]) == len(costed)


def test_billed_items_the_catalog_cannot_price_are_said_once(catalog: pd.DataFrame) -> None:
    """Anthropic's web searches, xAI's Live Search sources and OpenAI's audio tokens cost more than the
    token estimate: non-zero counts are said at read time (once), zeros never."""
    records = [r for r in anthropic_messages(random.Random(3))[0] if "opus" not in r["model"]][:2]
    records[0]["usage"]["server_tool_use"] = {"web_search_requests": 3, "web_fetch_requests": 0}
    records[1]["usage"]["server_tool_use"] = {"web_search_requests": 0, "web_fetch_requests": 1}
    with pytest.warns(UsageColumnsWarning, match=r"usage\.server_tool_use\.web_search_requests=3 \(Anthropic"):
        usage = ahf.read_usage(records)
    assert usage.attrs["aihubmix"]["usage"]["unpriced_columns"] == ["usage.server_tool_use.web_search_requests"]

    grok = xai(random.Random(5))[0][:2]
    grok[0]["usage"]["num_sources_used"] = 12  # https://docs.x.ai/docs/guides/live-search: billed per source
    with pytest.warns(UsageColumnsWarning, match=r"usage\.num_sources_used=12 \(xAI Live Search"):
        ahf.read_usage(grok)

    chat = openai_chat(random.Random(1))[0][:3]
    chat[2]["model"] = "gpt-4o-audio-preview"
    chat[2]["usage"]["prompt_tokens_details"].update(audio_tokens=40, cached_tokens=0)
    chat[2]["usage"]["completion_tokens_details"]["audio_tokens"] = 7
    with pytest.warns(UsageColumnsWarning) as caught:
        usage = ahf.read_usage(chat)
    assert len(caught) == 1
    assert "prompt_tokens_details.audio_tokens=40" in str(caught[0].message)
    assert "completion_tokens_details.audio_tokens=7" in str(caught[0].message)
    with warnings.catch_warnings():  # priced: the audio columns are not named a second time
        warnings.simplefilter("error", UsageColumnsWarning)
        warnings.simplefilter("ignore", ModelIdResolvedWarning)
        costed = ahf.estimate_cost(catalog, usage)
    assert costed["total_cost_usd"].notna().all()


def test_usage_export_audio_tokens_are_said_once(catalog: pd.DataFrame) -> None:
    page = openai_usage_pages(random.Random(6))[0][0]
    page["data"][0]["results"][0]["input_audio_tokens"] = 500
    with pytest.warns(UsageColumnsWarning, match="input_audio_tokens=500"):
        usage = ahf.read_usage(page)
    with pytest.warns(Warning) as caught:
        ahf.estimate_cost(catalog, usage)
    assert UsageColumnsWarning not in {w.category for w in caught}, [str(w.message) for w in caught]


def test_repricing_the_month_names_the_unknown_id_once(catalog: pd.DataFrame) -> None:
    """reprice prices the log twice (as logged, then as repriced): the unknown fine-tune is named once
    per pricing it appears in, never as an empty list of ids."""
    usage = ahf.read_usage(openai_chat(random.Random(1))[0], timestamp="created")
    with pytest.warns(Warning) as caught:
        repriced = ahf.reprice(catalog, usage, to={"gpt-4.1": "gpt-4.1-mini"})
    unknown = [str(w.message) for w in caught if w.category is UnknownModelWarning]
    assert unknown and all("'ft:gpt-4o-mini-2024-07-18:acme::9aBcDeF1'" in m for m in unknown), unknown
    moved = (repriced["priced_as"] == "gpt-4.1").fillna(False).to_numpy()
    assert (repriced.loc[moved, "repriced_model_id"] == "gpt-4.1-mini").all()
    assert (repriced.loc[moved, "cost_difference_usd"] < 0).all()


@pytest.mark.skipif(
    "on_bad_lines" not in __import__("inspect").signature(ahf.read_usage).parameters,
    reason="read_usage(on_bad_lines=) is not on this branch yet (issue 18, item 3)",
)
@pytest.mark.parametrize("name", ["chat.jsonl", "responses.jsonl.gz"])
def test_a_log_cut_short_by_a_crash_is_still_priced(tmp_path: Path, catalog: pd.DataFrame, name: str) -> None:
    """The last line half-written (a crash): 'error' names it, 'warn' and 'skip' price the rest and record it."""
    build, stamp = (openai_chat, "created") if name.startswith("chat") else (openai_responses, "created_at")
    records, costs = build(random.Random(11))
    text = "".join(json.dumps(r) + "\n" for r in records) + json.dumps(records[0])[:57]
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    last = len(records) + 1
    with pytest.raises(ValueError, match=str(last)):
        ahf.read_usage(path, timestamp=stamp)
    bad_lines_warning = ahf.errors.BadLinesWarning  # type: ignore[attr-defined]
    with pytest.warns(bad_lines_warning, match=str(last)):
        usage = ahf.read_usage(path, timestamp=stamp, on_bad_lines="warn")
    assert usage.attrs["aihubmix"]["usage"]["bad_lines"] == [last]
    skipped = ahf.read_usage(path, timestamp=stamp, on_bad_lines="skip")
    assert skipped.attrs["aihubmix"]["usage"]["bad_lines"] == [last] and len(skipped) == len(records)
    with pytest.warns(Warning):
        costed = ahf.estimate_cost(catalog, usage)
    assert costed["total_cost_usd"].astype("float64").fillna(0.0).tolist() == pytest.approx(costs, rel=0, abs=1e-9)
