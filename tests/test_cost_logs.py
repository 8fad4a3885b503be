"""Real request logs priced without silent wrong totals (issue 11): provider column names, conventions,
unused token columns, context overflow, models not priced per token, and the count checks of issue 10."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers_cost import reference_prices, reference_row_cost

import aihubmix_frame as ahf
from aihubmix_frame.errors import (
    ContextLengthWarning,
    NotPerTokenWarning,
    PlaceholderPriceWarning,
    SchemaError,
    UsageColumnsWarning,
)

pytestmark = pytest.mark.filterwarnings("ignore::aihubmix_frame.errors.CachePriceWarning")


@pytest.fixture(scope="module")
def catalog():
    return ahf.load_snapshot()


@pytest.fixture(scope="module")
def prices():
    return reference_prices(ahf.loader.snapshot_payload()["data"])


CHAT = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1751360400,
    "model": "gpt-4o",
    "usage": {
        "prompt_tokens": 2000,
        "completion_tokens": 300,
        "total_tokens": 2300,
        "prompt_tokens_details": {"cached_tokens": 1500},
        "completion_tokens_details": {"reasoning_tokens": 0},
    },
}
RESPONSES = {
    "id": "resp_2",
    "object": "response",
    "created_at": 1751360460,
    "model": "gpt-5",
    "usage": {
        "input_tokens": 1200,
        "input_tokens_details": {"cached_tokens": 1024},
        "output_tokens": 900,
        "output_tokens_details": {"reasoning_tokens": 640},
        "total_tokens": 2100,
    },
}
ANTHROPIC = {
    "id": "msg_3",
    "type": "message",
    "model": "claude-opus-4-6",
    "usage": {
        "input_tokens": 1000,
        "cache_creation_input_tokens": 4000,
        "cache_read_input_tokens": 2000,
        "output_tokens": 100,
    },
}
GEMINI = {
    "responseId": "r4",
    "modelVersion": "gemini-2.5-flash",
    "usageMetadata": {
        "promptTokenCount": 5000,
        "cachedContentTokenCount": 4096,
        "candidatesTokenCount": 200,
        "thoughtsTokenCount": 800,
        "totalTokenCount": 6000,
    },
}


# --- each flavour, by hand --------------------------------------------------------------------------


def test_each_flavour_priced_by_hand_in_one_call(catalog):
    usage = ahf.read_usage([CHAT, RESPONSES, ANTHROPIC, GEMINI])
    costed = ahf.estimate_cost(catalog, usage)  # per-row convention from the input_includes_cache column
    want = [
        (500 * 2.5 + 1500 * 1.25 + 300 * 10) / 1e6,  # gpt-4o: 500 uncached, 1,500 cached
        (176 * 1.25 + 1024 * 0.125 + 900 * 10) / 1e6,  # gpt-5: 640 reasoning inside the 900
        (1000 * 5 + 2000 * 0.5 + 4000 * 6.25 + 100 * 25) / 1e6,  # claude-opus-4-6: cache outside input
        (904 * 0.3 + 4096 * 0.03 + 1000 * 2.499) / 1e6,  # gemini: 200 + 800 thoughts as output
    ]
    assert costed["total_cost_usd"].astype(float).tolist() == pytest.approx(want, rel=1e-12)
    assert costed.attrs["aihubmix"]["cost"]["input_includes_cache"] == "per row, column 'input_includes_cache'"


def test_a_row_with_cached_cache_write_and_reasoning_tokens(catalog):
    log = pd.DataFrame(
        {
            "model_id": ["claude-opus-4-6"],
            "input_tokens": [10_000],
            "cache_read_tokens": [3_000],
            "cache_write_tokens": [2_000],
            "output_tokens": [1_500],
            "reasoning_tokens": [1_200],
        }
    )
    got = ahf.estimate_cost(catalog, log).iloc[0]
    # 5,000 uncached x 5 + 3,000 x 0.5 + 2,000 x 6.25 + 1,500 output (reasoning inside) x 25, per 1M
    assert got["input_cost_usd"] == pytest.approx(0.025) and got["cache_read_cost_usd"] == pytest.approx(0.0015)
    assert got["cache_write_cost_usd"] == pytest.approx(0.0125) and got["output_cost_usd"] == pytest.approx(0.0375)
    assert got["total_cost_usd"] == pytest.approx(0.0765)


def test_nested_and_flat_forms_of_one_log_cost_the_same(catalog):
    nested = ahf.read_usage([CHAT, CHAT | {"model": "gpt-5"}])
    flat_frame = pd.json_normalize([CHAT, CHAT | {"model": "gpt-5"}])
    flat = ahf.read_usage(flat_frame)
    columns = list(ahf.pricing.COST_COLUMNS)
    pd.testing.assert_frame_equal(
        ahf.estimate_cost(catalog, nested)[columns], ahf.estimate_cost(catalog, flat)[columns]
    )
    export = pd.DataFrame(
        {
            "model": ["gpt-4o", "gpt-5"],
            "prompt_tokens": [2000, 2000],
            "completion_tokens": [300, 300],
            "cached_tokens": [1500, 1500],
        }
    )
    with pytest.warns(UsageColumnsWarning, match="OpenAI names"):
        direct = ahf.estimate_cost(catalog, export)  # the CSV export, straight in
    pd.testing.assert_frame_equal(direct[columns], ahf.estimate_cost(catalog, nested)[columns])


# --- provider names, stated once; unused token columns named ------------------------------------------


def test_the_22_percent_case_is_now_exact(catalog, prices):
    """A 100,000-row log with OpenAI's cached_tokens: it used to be ignored (a total ~22% too high)."""
    rng = np.random.default_rng(22)
    ids = ["gpt-4o", "gpt-5", "gpt-4o-mini", "claude-opus-4-6", "gemini-2.5-flash"]
    n = 100_000
    prompt = rng.integers(1_000, 60_000, n)
    log = pd.DataFrame(
        {
            "model_id": rng.choice(ids, n),
            "input_tokens": prompt,
            "output_tokens": rng.integers(10, 3_000, n),
            "cached_tokens": (prompt * rng.uniform(0, 0.9, n)).astype(np.int64),
        }
    )
    with pytest.warns(UsageColumnsWarning, match=r"'cached_tokens' as cache_read_tokens") as caught:
        costed = ahf.estimate_cost(catalog, log)
    assert len([w for w in caught if w.category is UsageColumnsWarning]) == 1  # stated once
    assert costed.attrs["aihubmix"]["cost"]["mapped_by_name"] == {"cache_read_tokens": "cached_tokens"}
    want = sum(
        reference_row_cost(prices, m, i, o, c)[4]
        for m, i, o, c in zip(log["model_id"], log["input_tokens"], log["output_tokens"], log["cached_tokens"])
    )
    got = float(costed["total_cost_usd"].sum())
    assert got == pytest.approx(want, rel=1e-9)
    ignored = float(ahf.estimate_cost(catalog, log.drop(columns="cached_tokens"))["total_cost_usd"].sum())
    assert ignored / got > 1.15  # what ignoring the column overstated


def test_anthropic_names_take_anthropic_convention(catalog):
    log = pd.DataFrame(
        {
            "model": ["claude-opus-4-6"],
            "input_tokens": [1000],
            "cache_read_input_tokens": [2000],
            "cache_creation_input_tokens": [4000],
            "output_tokens": [100],
        }
    )
    with pytest.warns(UsageColumnsWarning, match=r"Anthropic.*input_includes_cache=False"):
        costed = ahf.estimate_cost(catalog, log)
    assert costed["total_cost_usd"].iloc[0] == pytest.approx(0.0335)
    assert costed.attrs["aihubmix"]["cost"]["input_includes_cache"] is False


def test_mixed_provider_names_are_refused():
    log = pd.DataFrame(
        {
            "model_id": ["gpt-4o"],
            "prompt_tokens": [10],
            "completion_tokens": [1],
            "cache_creation_input_tokens": [1],
        }
    )
    with pytest.raises(ValueError, match="mixes OpenAI and Anthropic"):
        ahf.estimate_cost(ahf.load_snapshot(), log)


def test_an_unused_token_column_is_named(catalog):
    log = pd.DataFrame(
        {
            "model_id": ["gpt-4o"],
            "input_tokens": [100],
            "output_tokens": [10],
            "audio_tokens": [50],
            "usage.total_tokens": [110],
        }
    )
    with pytest.warns(UsageColumnsWarning, match=r"\['audio_tokens'\] look like token counts") as caught:
        ahf.estimate_cost(catalog, log)
    assert "total_tokens" not in str(caught[0].message)  # a sum of priced counts: not warned about


# --- context overflow ---------------------------------------------------------------------------------


def test_prompts_over_the_context_are_priced_counted_and_marked(catalog):
    log = pd.DataFrame(
        {
            "model_id": ["gpt-4o", "gpt-4o", "gpt-5"],
            "input_tokens": [200_000, 100_000, 10_000],
            "output_tokens": [1, 1, 1],
        }
    )
    with pytest.warns(ContextLengthWarning, match=r"1 row\(s\).*'gpt-4o \(128,000\)'"):
        costed = ahf.estimate_cost(catalog, log)
    assert costed["exceeds_context"].tolist() == [True, False, False]
    assert costed["total_cost_usd"].notna().all()
    anthropic = pd.DataFrame(
        {
            "model_id": ["gpt-4o"],
            "input_tokens": [100_000],
            "cache_read_tokens": [30_000],
            "output_tokens": [1],
        }
    )
    with pytest.warns(ContextLengthWarning):  # the prompt is 130,000 when input excludes the cache
        assert ahf.estimate_cost(catalog, anthropic, input_includes_cache=False)["exceeds_context"].all()


# --- models not priced per token ---------------------------------------------------------------------


def test_models_not_priced_per_token_cost_na_unless_asked(catalog):
    ids = ["dall-e-3", "dall-e-2", "cogview-3", "flux-kontext-max", "sora-2", "gpt-4o"]
    log = pd.DataFrame({"model_id": ids, "input_tokens": [1_000] * 6, "output_tokens": [1_000] * 6})
    with pytest.warns(NotPerTokenWarning, match=r"5 row\(s\).*'dall-e-3'.*'dall-e-2'") as caught:
        costed = ahf.estimate_cost(catalog, log)
    assert len([w for w in caught if w.category is NotPerTokenWarning]) == 1
    assert costed["total_cost_usd"].isna().tolist() == [True] * 5 + [False]
    with pytest.warns(PlaceholderPriceWarning, match="dall-e-3"):
        estimated = ahf.estimate_cost(catalog, log, token_rate_estimates=True)
    assert estimated["total_cost_usd"].iloc[0] == pytest.approx((1000 * 40 + 1000 * 40) / 1e6)


def test_the_not_per_token_rule_on_the_real_snapshot(catalog):
    mask = ahf.placeholders.not_per_token_mask(catalog)
    flagged = set(catalog.loc[mask, "model_id"])
    assert mask.sum() == 80  # documented in placeholders.not_per_token_mask
    assert {"dall-e-3", "dall-e-2", "cogview-3", "cogview-3-plus", "flux-kontext-max"} <= flagged
    assert not {"gpt-4o", "gemini-3-pro-image", "gemini-2.5-flash-image"} & flagged  # llm-typed image models


# --- count checks (issue 10, item 9) -----------------------------------------------------------------


def one_row(**columns):
    base = {"model_id": ["gpt-4o"], "input_tokens": [1_000], "output_tokens": [10]}
    return pd.DataFrame(base | columns)


def test_int64_wrap_around_never_skips_the_checks(catalog):
    big = 2**63 - 1
    log = one_row(input_tokens=[0], cache_read_tokens=[big], cache_write_tokens=[big])  # 0 - big - big wraps to 2
    with pytest.raises(ValueError, match=r"'cache_read_tokens' is beyond 2\*\*53 in rows \[0\]"):
        ahf.estimate_cost(catalog, log)


@pytest.mark.parametrize("value", [2**53 + 1, float(2**60), np.uint64(2**63 + 5)])
def test_counts_beyond_2_53_are_refused(catalog, value):
    log = one_row(output_tokens=pd.array([value], dtype=np.asarray([value]).dtype))
    with pytest.raises(ValueError, match=r"beyond 2\*\*53"):
        ahf.estimate_cost(catalog, log)


def test_a_negative_catalog_price_is_a_schema_error(catalog):
    edited = catalog.copy()
    edited.loc[edited["model_id"].isin(["gpt-4o", "gpt-5"]), "output_usd_per_1m"] = -1.0
    with pytest.raises(SchemaError, match=r"'output_usd_per_1m' is negative.*'gpt-4o'"):
        ahf.estimate_cost(edited, one_row())


def test_duplicate_column_names_are_refused(catalog):
    log = pd.concat([one_row(), one_row()[["input_tokens"]]], axis=1)
    with pytest.raises(ValueError, match=r"several columns named \['input_tokens'\]"):
        ahf.estimate_cost(catalog, log)


def test_object_columns_of_python_ints_are_accepted(catalog):
    plain = ahf.estimate_cost(catalog, one_row())
    objects = one_row(input_tokens=pd.Series([1_000], dtype=object), output_tokens=pd.Series([10], dtype=object))
    assert objects["input_tokens"].dtype == object
    assert ahf.estimate_cost(catalog, objects)["total_cost_usd"].tolist() == plain["total_cost_usd"].tolist()
    huge = one_row(input_tokens=pd.Series([2**70], dtype=object))
    with pytest.raises(ValueError, match=r"'input_tokens' holds counts beyond 2\*\*53 in rows \[0\]"):
        ahf.estimate_cost(catalog, huge)


def test_an_empty_log_with_a_float_id_column_gives_an_empty_result(catalog):
    empty = pd.DataFrame(
        {
            "model_id": pd.Series([], dtype="float64"),
            "input_tokens": pd.Series([], dtype="float64"),
            "output_tokens": pd.Series([], dtype="float64"),
        }
    )
    result = ahf.estimate_cost(catalog, empty)
    assert len(result) == 0 and "total_cost_usd" in result.columns


@pytest.mark.parametrize("values", [np.array([1 + 2j]), pd.Series([1 + 0j], dtype=object)])
def test_complex_counts_are_refused_naming_the_column(catalog, values):
    with pytest.raises(ValueError, match=r"column 'output_tokens' holds complex numbers in rows \[0\]"):
        ahf.estimate_cost(catalog, one_row(output_tokens=values))
