"""df.aihub.cost / df.aihub.cheapest and cache_break_even, on the snapshot and the real tier record."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers_cost import reference_prices, reference_row_cost

import aihubmix_frame as ahf
from aihubmix_frame.frame import placeholder_price_mask
from aihubmix_frame.placeholders import not_per_token_mask
from aihubmix_frame.pricing import COST_COLUMNS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def catalog():
    return ahf.load_snapshot()


@pytest.fixture(scope="module")
def excerpt_records():
    data = json.loads((ROOT / "tests/data/modelsdev_pr_excerpts_api_v1_models_2026-09.json").read_text())
    return [entry["record"] for entry in data["records"]]


@pytest.fixture(scope="module")
def excerpts(excerpt_records):
    return ahf.catalog_to_frame(excerpt_records)


def by_id(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("model_id")


# --- df.aihub.cost ----------------------------------------------------------------------------------


def test_cost_table_shape_and_columns(catalog):
    table = catalog.aihub.cost(input_tokens=2_000, output_tokens=500)
    assert list(table.columns) == [
        "model_id",
        *COST_COLUMNS,
        "input_usd_per_1m",
        "output_usd_per_1m",
        "cache_read_usd_per_1m",
        "cache_write_usd_per_1m",
        "context_length",
        "note",
    ]
    gpt4o = by_id(table).loc["gpt-4o"]
    assert (gpt4o["input_usd_per_1m"], gpt4o["output_usd_per_1m"], gpt4o["context_length"]) == (
        2.5,
        10,
        128_000,
    )
    assert len(table) == len(catalog) and table.index.equals(catalog.index)
    assert table["model_id"].tolist() == catalog["model_id"].tolist()
    assert all(str(table[c].dtype) == "Float64" for c in COST_COLUMNS)
    assert table.attrs["aihubmix"]["operations"][-1]["op"] == "cost"


def test_cost_table_matches_the_reference_for_every_priced_model(catalog):
    prices = reference_prices(ahf.loader.snapshot_payload()["data"])
    table = catalog.aihub.cost(
        input_tokens=30_000,
        output_tokens=2_000,
        cache_read_tokens=10_000,
        cache_write_tokens=5_000,
        requests=4,
        token_rate_estimates=True,
    )
    for row in table.itertuples():
        want = reference_row_cost(prices, row.model_id, 30_000, 2_000, 10_000, 5_000, 4)
        got = [getattr(row, c) for c in COST_COLUMNS]
        assert got == pytest.approx(list(want), rel=1e-12), row.model_id


def test_cost_anchor_values(catalog):
    table = by_id(catalog.aihub.cost(input_tokens=1_000_000, output_tokens=1_000_000, cache_read_tokens=500_000))
    assert table.loc["gpt-4o", "total_cost_usd"] == pytest.approx(1.25 + 0.625 + 10)
    assert table.loc["gpt-5", "total_cost_usd"] == pytest.approx(0.625 + 0.0625 + 10)
    assert table.loc["claude-opus-4-6", "total_cost_usd"] == pytest.approx(2.5 + 0.25 + 25)


def test_notes_say_what_the_user_must_know(catalog):
    table = by_id(catalog.aihub.cost(input_tokens=200_000, output_tokens=100, cache_read_tokens=1_000))
    assert "no cache_read price: billed at the input price" in table.loc["gpt-3.5-turbo", "note"]
    assert table.loc["gpt-4o", "note"] == "prompt exceeds the 128,000-token context"
    assert table.loc["gpt-5.5-free", "note"] == "free model"
    assert table.loc["gpt-5.5-free", "total_cost_usd"] == 0
    placeholder = catalog.loc[not_per_token_mask(catalog), "model_id"]
    assert placeholder.size > 0
    for model_id in placeholder:  # changed on purpose (issue 11): no number that looks real
        assert "not priced per token (image/video model): cost NA" in table.loc[model_id, "note"]
        assert pd.isna(table.loc[model_id, "total_cost_usd"])
    quiet = by_id(catalog.aihub.cost(input_tokens=1_000, output_tokens=100))
    assert quiet.loc["gpt-4o", "note"] == "" and quiet.loc["gpt-3.5-turbo", "note"] == ""


def test_tier_note_and_prices_on_the_real_tier_record(excerpts):
    above = by_id(excerpts.aihub.cost(input_tokens=300_000, output_tokens=10_000))
    assert above.loc["gpt-6-astra", "note"] == "tier above 272,000 prompt tokens applied"
    assert above.loc["gpt-6-astra", "total_cost_usd"] == pytest.approx(300_000 * 20e-6 + 10_000 * 75e-6)
    below = by_id(excerpts.aihub.cost(input_tokens=272_000, output_tokens=10_000))
    assert below.loc["gpt-6-astra", "note"] == ""
    assert below.loc["gpt-6-astra", "total_cost_usd"] == pytest.approx(272_000 * 10e-6 + 10_000 * 50e-6)


def test_cost_table_agrees_with_estimate_cost(catalog):
    table = catalog.aihub.cost(
        input_tokens=5_000, output_tokens=700, cache_read_tokens=1_000, input_includes_cache=False
    )
    first = ~catalog["model_id"].duplicated().to_numpy()
    log = pd.DataFrame(
        {
            "model_id": catalog["model_id"][first],
            "input_tokens": 5_000,
            "output_tokens": 700,
            "cache_read_tokens": 1_000,
        }
    )
    with pytest.warns(ahf.PriceWarning):
        costed = ahf.estimate_cost(catalog, log, input_includes_cache=False)
    pd.testing.assert_frame_equal(costed[list(COST_COLUMNS)], table.loc[first, list(COST_COLUMNS)])


@pytest.mark.parametrize(
    "bad, error",
    [
        (dict(input_tokens=-1, output_tokens=0), ValueError),
        (dict(input_tokens=float("nan"), output_tokens=0), ValueError),
        (dict(input_tokens="10", output_tokens=0), TypeError),
        (dict(input_tokens=10, output_tokens=0, cache_read_tokens=11), ValueError),
        (dict(input_tokens=10, output_tokens=0, requests=-2), ValueError),
    ],
)
def test_cost_rejects_bad_scenarios(catalog, bad, error):
    with pytest.raises(error):
        catalog.aihub.cost(**bad)


def test_cache_above_input_is_fine_in_exclusive_mode(catalog):
    table = by_id(
        catalog.aihub.cost(input_tokens=10, output_tokens=0, cache_read_tokens=1_000_000, input_includes_cache=False)
    )
    assert table.loc["gpt-4o", "total_cost_usd"] == pytest.approx(10 * 2.5e-6 + 1.25)


# --- df.aihub.cheapest ------------------------------------------------------------------------------


def test_cheapest_is_the_sorted_cost_table_without_placeholders(catalog):
    args = dict(input_tokens=20_000, output_tokens=1_000, cache_read_tokens=5_000)
    top = catalog.aihub.cheapest(15, **args)
    table = catalog.aihub.cost(**args)
    fits = ~(table["context_length"] < 20_000).fillna(False).to_numpy()  # the prompt is 20,000 tokens
    eligible = table[~not_per_token_mask(catalog) & table["total_cost_usd"].notna().to_numpy() & fits]
    expected = eligible.sort_values("total_cost_usd", kind="stable").head(15)
    pd.testing.assert_frame_equal(top.drop(columns=[]), expected, check_like=False, check_exact=True)
    assert not top["note"].str.contains("per token").any()


def test_cheapest_can_include_placeholders_and_drop_free_models(catalog):
    with_placeholders = catalog.aihub.cheapest(len(catalog), 1_000, 1_000, include_placeholder=True)
    assert with_placeholders["note"].str.contains("listed token rates, not a real price").any()
    paid = catalog.aihub.cheapest(20, 1_000, 1_000, include_free=False)
    assert (paid["total_cost_usd"] > 0).all() and not paid["note"].str.contains("free").any()


def test_cheapest_drops_free_and_placeholder_models_by_their_price_table_flags():
    catalog = ahf.catalog_to_frame(
        [
            {"model_id": "free", "types": "llm", "pricing": {"input": 0, "output": 0}},
            {"model_id": "free-input", "types": "llm", "pricing": {"input": 0, "output": 1}},
            {
                "model_id": "free-cache-priced",
                "types": "llm",
                "pricing": {"input": 0, "output": 0, "cache_read": 0.1},
            },
            {"model_id": "video", "types": "video", "pricing": {"input": 2, "output": 0}},
            {"model_id": "llm-2-0", "types": "llm", "pricing": {"input": 2, "output": 0}},
            {"model_id": "paid", "types": "llm", "pricing": {"input": 3, "output": 4}},
            {"model_id": "unpriced", "types": "llm", "pricing": {"input": 0}},
        ]
    )
    everything = set(catalog["model_id"]) - {"unpriced"}
    kept = set(ahf.pricing.cheapest_models(catalog, 10, include_placeholder=True)["model_id"])
    assert kept == everything
    assert set(catalog.aihub.cheapest(10)["model_id"]) == everything - {"video"}
    assert set(catalog.aihub.cheapest(10, include_free=False, include_placeholder=True)["model_id"]) == (
        everything - {"free"}
    )
    # A cache price makes a model not free, even when the request reads nothing from the cache.
    table = ahf.pricing.price_table(catalog)
    assert table.free[:-1].tolist() == [True, False, False, False, False, False, False]
    assert table.placeholder[:-1].tolist() == [False, False, False, True, False, False, False]


def test_price_table_flags_agree_with_the_notes_and_the_placeholder_mask(catalog):
    table = ahf.pricing.price_table(catalog)
    assert table.placeholder[:-1].tolist() == not_per_token_mask(catalog).tolist()
    assert (placeholder_price_mask(catalog) <= not_per_token_mask(catalog)).all()  # one signal of the rule
    assert not table.free[-1] and not table.placeholder[-1]  # the unknown-model row
    notes = catalog.aihub.cost(input_tokens=1_000, output_tokens=100)["note"]
    assert table.free[:-1].tolist() == notes.str.contains("free model").tolist()
    assert table.free.sum() > 0


def test_cheapest_takes_the_filters(catalog):
    top = catalog.aihub.cheapest(
        5,
        50_000,
        2_000,
        type="llm",
        features="thinking,tools",
        modalities="image",
        min_context=200_000,
        include_free=False,
    )
    assert len(top) == 5 and top["total_cost_usd"].is_monotonic_increasing
    chosen = catalog.set_index("model_id").loc[top["model_id"]]
    assert chosen["has_thinking"].all() and chosen["has_tools"].all() and chosen["accepts_image"].all()
    assert (chosen["context_length"] >= 200_000).all()
    assert all("llm" in types for types in chosen["types"])
    with pytest.warns(ahf.UnknownValueWarning, match="unknown features 'telepathy'"):
        assert catalog.aihub.cheapest(5, features="telepathy").empty
    query = ahf.CatalogQuery.parse(
        type="llm", features="thinking,tools", modalities="image", min_context=200_000, include_free=False
    )
    assert catalog.aihub.cheapest(5, 50_000, 2_000, query=query).equals(top)


def test_cheapest_n(catalog):
    assert len(catalog.aihub.cheapest(0)) == 0
    with pytest.raises(ValueError, match="n must be"):
        catalog.aihub.cheapest(-1)


# --- cache_break_even ------------------------------------------------------------------------------


def test_break_even_anthropic_write_premium(catalog):
    result = ahf.cache_break_even(catalog, "claude-opus-4-6", prompt_tokens=10_000)
    # write 6.25 vs input 5: premium 1.25/1M; each read saves 5 - 0.5 = 4.5/1M -> one reuse pays off.
    assert result.write_premium_usd == pytest.approx(0.0125)
    assert result.saving_per_reuse_usd == pytest.approx(0.045)
    assert result.reuses == 1 and result.pays_off
    assert (result.input_usd_per_1m, result.cache_read_usd_per_1m, result.cache_write_usd_per_1m) == (
        5,
        0.5,
        6.25,
    )
    assert "reused 1 time" in str(result)


def test_break_even_openai_no_write_price(catalog):
    result = ahf.cache_break_even(catalog, "gpt-4o", prompt_tokens=10_000)
    assert result.cache_write_usd_per_1m is None and result.write_premium_usd == 0
    assert result.saving_per_reuse_usd == pytest.approx(0.0125)
    assert result.reuses == 1
    assert "no cache write price" in result.explanation


def test_break_even_without_cache_price_never_pays_off(catalog):
    result = ahf.cache_break_even(catalog, "gpt-3.5-turbo", prompt_tokens=10_000)
    assert result.reuses is None and not result.pays_off
    assert "no cache read price" in result.explanation and "never saves money" in result.explanation
    assert result.to_dict()["pays_off"] is False


def test_break_even_read_price_equal_to_input(catalog):
    same = catalog[
        (catalog["cache_read_usd_per_1m"] == catalog["input_usd_per_1m"]).fillna(False)
        & (catalog["input_usd_per_1m"] > 0).fillna(False)
    ]["model_id"].iloc[0]
    result = ahf.cache_break_even(catalog, same, prompt_tokens=1_000)
    assert result.reuses is None and "no less than its input price" in result.explanation


def test_break_even_free_model(catalog):
    result = ahf.cache_break_even(catalog, "gpt-5.5-free", prompt_tokens=1_000)
    assert result.reuses is None and "free" in result.explanation


def test_break_even_counts_strictly_cheaper_reuses():
    records = [
        {"model_id": "one-hour", "pricing": {"input": 5, "output": 25, "cache_read": 0.5, "cache_write": 10}},
        {"model_id": "exact", "pricing": {"input": 2, "output": 2, "cache_read": 1, "cache_write": 3}},
        {
            "model_id": "cheap-write",
            "pricing": {"input": 2, "output": 2, "cache_read": 1, "cache_write": 1.5},
        },
    ]
    catalog = ahf.catalog_to_frame(records)
    # (10 - 5) / (5 - 0.5) = 1.11 reads to recover the premium -> 2 reuses.
    assert ahf.cache_break_even(catalog, "one-hour", prompt_tokens=1_000).reuses == 2
    # (3 - 2) / (2 - 1) = 1 exactly: one reuse only breaks even, two are cheaper.
    assert ahf.cache_break_even(catalog, "exact", prompt_tokens=1_000).reuses == 2
    # A write cheaper than input pays off with no reuse at all.
    assert ahf.cache_break_even(catalog, "cheap-write", prompt_tokens=1_000).reuses == 0


def test_break_even_uses_the_tier_of_the_prompt(excerpts):
    above = ahf.cache_break_even(excerpts, "gpt-6-astra", prompt_tokens=300_000)
    assert (above.input_usd_per_1m, above.cache_read_usd_per_1m, above.cache_write_usd_per_1m) == (20, 2, 25)
    assert above.write_premium_usd == pytest.approx(1.5) and above.saving_per_reuse_usd == pytest.approx(5.4)
    assert "tier above 272,000" in above.explanation
    below = ahf.cache_break_even(excerpts, "gpt-6-astra", prompt_tokens=100_000)
    assert (below.input_usd_per_1m, below.cache_read_usd_per_1m) == (10, 1)


def test_break_even_unknown_model_suggests(catalog):
    with pytest.raises(ValueError, match="did you mean 'gpt-4o'"):
        ahf.cache_break_even(catalog, "GPT-4o", prompt_tokens=1_000)
    with pytest.raises(ValueError):
        ahf.cache_break_even(catalog, "gpt-4o", prompt_tokens=-1)


def test_break_even_placeholder_says_so(catalog):
    model_id = catalog.loc[placeholder_price_mask(catalog), "model_id"].iloc[0]
    assert "placeholders" in ahf.cache_break_even(catalog, model_id, prompt_tokens=1_000).explanation


def test_scenario_tokens_accept_numpy_numbers(catalog):
    table = catalog.aihub.cost(input_tokens=np.int64(1_000), output_tokens=np.float64(10.5))
    assert by_id(table).loc["gpt-5", "total_cost_usd"] == pytest.approx(1_000 * 1.25e-6 + 10.5 * 10e-6)
