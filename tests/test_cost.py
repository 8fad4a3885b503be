"""estimate_cost: every billing rule on hand-computed cases, real price anchors, bad input, and a
property test against the plain-Python reference in tests/helpers_cost.py."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from helpers_cost import reference_prices, reference_row_cost
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aihubmix_frame as ahf
from aihubmix_frame.errors import (
    CachePriceWarning,
    DuplicateModelWarning,
    NotACatalogError,
    PlaceholderPriceWarning,
    PriceWarning,
    UnknownModelWarning,
)
from aihubmix_frame.pricing import kernel

# These logs use round 1,000,000-token prompts (easy arithmetic), longer than gpt-4o's 128,000-token
# context: the ContextLengthWarning they raise is tested in tests/test_cost_logs.py.
pytestmark = pytest.mark.filterwarnings("ignore::aihubmix_frame.errors.ContextLengthWarning")


ROOT = Path(__file__).resolve().parents[1]
COSTS = list(kernel.COST_COLUMNS)

#: A synthetic model with two context tiers; the first tier lacks output and cache prices.
TIERED = {
    "model_id": "tiered-x",
    "types": "llm",
    "pricing": {
        "input": 1,
        "output": 2,
        "cache_read": 0.1,
        "tiers": [
            {"input": 3, "tier": {"size": 100, "type": "context"}},
            {"input": 5, "output": 6, "cache_write": 7, "tier": {"size": 1000, "type": "context"}},
        ],
    },
}


@pytest.fixture(scope="module")
def excerpts():
    import json

    data = json.loads((ROOT / "tests/data/modelsdev_pr_excerpts_api_v1_models_2026-09.json").read_text())
    return [entry["record"] for entry in data["records"]]


@pytest.fixture(scope="module")
def catalog():
    return ahf.load_snapshot()


@pytest.fixture(scope="module")
def tier_records(excerpts):
    return [*excerpts, TIERED]


@pytest.fixture(scope="module")
def tier_catalog(tier_records):
    return ahf.catalog_to_frame(tier_records)


def one(catalog, **row):
    """Price a one-row log, with warnings turned into errors by pytest's config unless expected."""
    options = {k: row.pop(k) for k in ("input_includes_cache",) if k in row}
    log = pd.DataFrame({k: [v] for k, v in row.items()})
    result = ahf.estimate_cost(catalog, log, **options)
    return [None if pd.isna(v) else float(v) for v in result.loc[result.index[0], COSTS]]


# --- real anchors ----------------------------------------------------------------------------------


def test_gpt_4o_anchor_with_cache_read(catalog):
    # 1M prompt tokens of which 500k cached, 1M output: 500k x 2.5 + 500k x 1.25 + 1M x 10 per 1M.
    got = one(catalog, model_id="gpt-4o", input_tokens=1_000_000, output_tokens=1_000_000, cache_read_tokens=500_000)
    assert got == pytest.approx([1.25, 0.625, 0.0, 10.0, 11.875])


def test_gpt_5_anchor(catalog):
    got = one(catalog, model_id="gpt-5", input_tokens=1_000_000, output_tokens=1_000_000)
    assert got == pytest.approx([1.25, 0.0, 0.0, 10.0, 11.25])


def test_claude_opus_4_6_anchor_anthropic_convention(catalog):
    # Anthropic's usage: input excludes cache reads and writes. 5 / 25 / read 0.5 / write 6.25.
    got = one(
        catalog,
        model_id="claude-opus-4-6",
        input_tokens=1_000,
        output_tokens=100,
        cache_read_tokens=2_000,
        cache_write_tokens=4_000,
        input_includes_cache=False,
    )
    assert got == pytest.approx([0.005, 0.001, 0.025, 0.0025, 0.0335])


def test_claude_opus_4_6_openai_convention_same_request(catalog):
    # The same request counted OpenAI's way: prompt = 1000 + 2000 + 4000 = 7000 tokens.
    got = one(
        catalog,
        model_id="claude-opus-4-6",
        input_tokens=7_000,
        output_tokens=100,
        cache_read_tokens=2_000,
        cache_write_tokens=4_000,
    )
    assert got == pytest.approx([0.005, 0.001, 0.025, 0.0025, 0.0335])


def test_ids_match_exactly_and_case_sensitively(catalog):
    log = pd.DataFrame(
        {
            "model_id": ["Qwen2.5-VL-72B-Instruct", "qwen2.5-vl-72b-instruct"],
            "input_tokens": [1_000_000, 1_000_000],
            "output_tokens": [1_000_000, 1_000_000],
        }
    )
    result = ahf.estimate_cost(catalog, log)
    assert result["input_cost_usd"].tolist() == pytest.approx([0.62, 2.4])
    assert result["output_cost_usd"].tolist() == pytest.approx([0.62, 7.2])
    assert result["total_cost_usd"].tolist() == pytest.approx([1.24, 9.6])


# --- rules -----------------------------------------------------------------------------------------


def test_requests_multiply_per_request_counts(catalog):
    single = one(catalog, model_id="gpt-4o", input_tokens=2_000, output_tokens=500, cache_read_tokens=1_000)
    triple = one(catalog, model_id="gpt-4o", input_tokens=2_000, output_tokens=500, cache_read_tokens=1_000, requests=3)
    assert single == pytest.approx([0.0025, 0.00125, 0.0, 0.005, 0.00875])
    assert triple == pytest.approx([3 * x for x in single])


def test_zero_requests_cost_zero(catalog):
    assert one(catalog, model_id="gpt-4o", input_tokens=2_000, output_tokens=500, requests=0) == [0.0] * 5


def test_missing_cache_price_bills_at_input_price_and_warns(catalog):
    # gpt-3.5-turbo has no cache price at all: reads and writes bill at its input price 0.5.
    log = pd.DataFrame(
        {
            "model_id": ["gpt-3.5-turbo"],
            "input_tokens": [10_000],
            "output_tokens": [0],
            "cache_read_tokens": [4_000],
            "cache_write_tokens": [2_000],
        }
    )
    with pytest.warns(CachePriceWarning) as record:
        result = ahf.estimate_cost(catalog, log)
    messages = [str(w.message) for w in record]
    assert any("cache_read" in m and "gpt-3.5-turbo" in m for m in messages)
    assert any("cache_write" in m and "gpt-3.5-turbo" in m for m in messages)
    assert result.loc[0, COSTS].astype(float).tolist() == pytest.approx([0.002, 0.002, 0.001, 0.0, 0.005])


def test_no_cache_warning_when_no_cache_tokens(catalog):
    log = pd.DataFrame(
        {
            "model_id": ["gpt-3.5-turbo"],
            "input_tokens": [10_000],
            "output_tokens": [0],
            "cache_read_tokens": [0],
        }
    )
    ahf.estimate_cost(catalog, log)  # any AihubmixWarning would fail the test (pyproject filter)


def test_real_gpt_6_astra_tier_bills_whole_request(tier_catalog):
    # Base 10 / 50 / read 1 / write 12.5; above 272,000 prompt tokens 20 / 75 / read 2 / write 25.
    above = one(
        tier_catalog,
        model_id="gpt-6-astra",
        input_tokens=300_000,
        output_tokens=10_000,
        cache_read_tokens=100_000,
        cache_write_tokens=50_000,
    )
    assert above == pytest.approx([150_000 * 20e-6, 100_000 * 2e-6, 50_000 * 25e-6, 10_000 * 75e-6, 5.2])
    below = one(
        tier_catalog,
        model_id="gpt-6-astra",
        input_tokens=200_000,
        output_tokens=10_000,
        cache_read_tokens=100_000,
        cache_write_tokens=50_000,
    )
    assert below == pytest.approx([0.5, 0.1, 0.625, 0.5, 1.725])


def test_tier_needs_the_prompt_to_exceed_its_size(tier_catalog):
    at = one(tier_catalog, model_id="gpt-6-astra", input_tokens=272_000, output_tokens=0)
    over = one(tier_catalog, model_id="gpt-6-astra", input_tokens=272_001, output_tokens=0)
    assert at[0] == pytest.approx(272_000 * 10e-6)
    assert over[0] == pytest.approx(272_001 * 20e-6)


def test_tier_prompt_counts_cached_tokens_in_exclusive_mode(tier_catalog):
    # Anthropic's convention: prompt = 200,000 + 50,000 + 30,000 = 280,000 > 272,000 -> tier prices.
    got = one(
        tier_catalog,
        model_id="gpt-6-astra",
        input_tokens=200_000,
        output_tokens=0,
        cache_read_tokens=50_000,
        cache_write_tokens=30_000,
        input_includes_cache=False,
    )
    assert got == pytest.approx([4.0, 0.1, 0.75, 0.0, 4.85])
    # Counted OpenAI's way, 200,000 prompt tokens stay under the tier.
    inclusive = one(
        tier_catalog,
        model_id="gpt-6-astra",
        input_tokens=200_000,
        output_tokens=0,
        cache_read_tokens=50_000,
        cache_write_tokens=30_000,
    )
    assert inclusive == pytest.approx([1.2, 0.05, 0.375, 0.0, 1.625])


def test_highest_tier_wins_and_absent_tier_prices_fall_back(tier_catalog):
    # tiered-x: base 1 / 2 / read 0.1 / no write; tier >100: input 3 only; tier >1000: 5 / 6 / write 7.
    base = one(tier_catalog, model_id="tiered-x", input_tokens=50, output_tokens=10, cache_read_tokens=10)
    assert base == pytest.approx([40e-6, 1e-6, 0.0, 20e-6, 61e-6])
    with pytest.warns(CachePriceWarning, match="cache_write.*tiered-x"):
        first = one(
            tier_catalog,
            model_id="tiered-x",
            input_tokens=500,
            output_tokens=10,
            cache_read_tokens=100,
            cache_write_tokens=100,
        )
    # input 3 (tier), output 2 (base), read 0.1 (base), write: nowhere -> the tier's input price 3.
    assert first == pytest.approx([300 * 3e-6, 100 * 0.1e-6, 100 * 3e-6, 10 * 2e-6, 1.23e-3])
    second = one(
        tier_catalog,
        model_id="tiered-x",
        input_tokens=2_000,
        output_tokens=10,
        cache_read_tokens=100,
        cache_write_tokens=100,
    )
    assert second == pytest.approx([1_800 * 5e-6, 100 * 0.1e-6, 100 * 7e-6, 10 * 6e-6, 9.77e-3])


def test_free_model_costs_zero_not_na(catalog):
    got = one(catalog, model_id="gpt-5.5-free", input_tokens=10_000, output_tokens=10_000)
    assert got == [0.0] * 5


def test_unknown_ids_cost_na_and_warn_once_naming_them(catalog):
    log = pd.DataFrame(
        {
            "model_id": ["gpt-4o", "GPT-4o", "no-such-model", "GPT-4o", None],
            "input_tokens": [1_000] * 5,
            "output_tokens": [100] * 5,
        }
    )
    with pytest.warns(UnknownModelWarning) as record:
        result = ahf.estimate_cost(catalog, log)
    assert len(record) == 1
    message = str(record[0].message)
    assert "'GPT-4o'" in message and "'no-such-model'" in message and "<NA>" in message
    assert "4 row(s)" in message and "did you mean 'gpt-4o'" in message
    totals = result["total_cost_usd"]
    assert totals.isna().tolist() == [False, True, True, True, True]
    assert totals.iloc[0] == pytest.approx(1_000 * 2.5e-6 + 100 * 10e-6)
    for column in COSTS:
        assert result[column].isna().sum() == 4  # NA in every cost column, never $0


def test_placeholder_price_warns(catalog):
    # Changed on purpose (issue 11): a model not priced per token costs NA unless the caller opts in.
    log = pd.DataFrame({"model_id": ["happyhorse-1.1-i2v"], "input_tokens": [1_000], "output_tokens": [0]})
    with pytest.warns(ahf.errors.NotPerTokenWarning, match="happyhorse-1.1-i2v"):
        assert ahf.estimate_cost(catalog, log)["total_cost_usd"].isna().all()
    with pytest.warns(PlaceholderPriceWarning, match="happyhorse-1.1-i2v"):
        assert ahf.estimate_cost(catalog, log, token_rate_estimates=True)["total_cost_usd"].tolist() == [0.002]


def test_duplicate_catalog_ids_price_on_the_first(catalog):
    records = [
        {"model_id": "m", "pricing": {"input": 1, "output": 1}},
        {"model_id": "m", "pricing": {"input": 9, "output": 9}},
        {"model_id": "n", "pricing": {"input": 2, "output": 2}},
    ]
    with pytest.warns(DuplicateModelWarning):
        dup = ahf.catalog_to_frame(records)
    got = ahf.estimate_cost(
        dup, pd.DataFrame({"model_id": ["n", "m"], "input_tokens": [1_000_000] * 2, "output_tokens": [0, 0]})
    )
    assert got["total_cost_usd"].tolist() == [2.0, 1.0]


def test_unknown_tier_type_is_ignored_with_a_warning():
    records = [
        {
            "model_id": "t",
            "pricing": {
                "input": 1,
                "output": 1,
                "tiers": [{"input": 9, "tier": {"size": 10, "type": "batch"}}],
            },
        }
    ]
    odd = ahf.catalog_to_frame(records)
    log = pd.DataFrame({"model_id": ["t"], "input_tokens": [1_000_000], "output_tokens": [0]})
    with pytest.warns(PriceWarning, match="type 'batch'"):
        result = ahf.estimate_cost(odd, log)
    assert result["total_cost_usd"].tolist() == [1.0]


# --- the result frame ------------------------------------------------------------------------------


def test_result_keeps_rows_index_and_columns_and_leaves_the_input_alone(catalog):
    log = pd.DataFrame(
        {
            "model_id": ["gpt-4o", "gpt-5", "gpt-4o"],
            "input_tokens": [10, 20, 30],
            "output_tokens": [1, 2, 3],
            "user": ["a", "b", "c"],
        },
        index=[7, 7, 3],
    )
    before = log.copy()
    result = ahf.estimate_cost(catalog, log)
    pd.testing.assert_frame_equal(log, before)
    assert list(result.columns) == [*log.columns, *COSTS, "exceeds_context", "priced_as", "id_match"]
    assert result.index.tolist() == [7, 7, 3]
    pd.testing.assert_frame_equal(result[log.columns], log)
    assert all(str(result[c].dtype) == "Float64" for c in COSTS)
    result.loc[3, "total_cost_usd"] = 0.0  # editing the result never reaches the caller's frame
    pd.testing.assert_frame_equal(log, before)


def test_existing_cost_columns_are_replaced(catalog):
    log = pd.DataFrame(
        {"model_id": ["gpt-5"], "input_tokens": [1_000_000], "output_tokens": [0], "total_cost_usd": [123.0]}
    )
    result = ahf.estimate_cost(catalog, log)
    assert list(result.columns).count("total_cost_usd") == 1
    assert result["total_cost_usd"].tolist() == [1.25]


def test_empty_log(catalog):
    log = pd.DataFrame(
        {
            "model_id": pd.Series([], dtype="string"),
            "input_tokens": pd.Series([], dtype=int),
            "output_tokens": pd.Series([], dtype=int),
        }
    )
    result = ahf.estimate_cost(catalog, log)
    assert len(result) == 0 and list(result.columns)[-8:] == [*COSTS, "exceeds_context", "priced_as", "id_match"]


def test_custom_column_names_openai_usage(catalog):
    log = pd.DataFrame(
        {
            "model": ["gpt-4o"],
            "prompt_tokens": [2_000],
            "completion_tokens": [500],
            "cached_tokens": [1_000],
            "n": [2],
        }
    )
    result = ahf.estimate_cost(
        catalog,
        log,
        model_id="model",
        input_tokens="prompt_tokens",
        output_tokens="completion_tokens",
        cache_read_tokens="cached_tokens",
        requests="n",
    )
    assert result["total_cost_usd"].tolist() == pytest.approx([2 * 0.00875])


@pytest.mark.parametrize("kind", ["str", "object", "category", "arrow_dictionary", "string_python"])
def test_id_column_dtypes_give_the_same_costs(catalog, kind):
    ids = ["gpt-4o", "nope", "gpt-5", "gpt-4o"]
    column = {
        "str": pd.Series(ids, dtype="str"),
        "object": pd.Series(ids, dtype=object),
        "category": pd.Series(ids, dtype="category"),
        "arrow_dictionary": pd.Series(pd.arrays.ArrowExtensionArray(pa.array(ids).dictionary_encode())),
        "string_python": pd.Series(ids, dtype=pd.StringDtype("python")),
    }[kind]
    log = pd.DataFrame({"model_id": column, "input_tokens": [1_000_000] * 4, "output_tokens": [0] * 4})
    with pytest.warns(UnknownModelWarning, match="'nope'"):
        result = ahf.estimate_cost(catalog, log)
    assert result["total_cost_usd"].tolist()[0] == 2.5
    assert result["total_cost_usd"].isna().tolist() == [False, True, False, False]
    assert result["total_cost_usd"].tolist()[2:] == [1.25, 2.5]


def test_nullable_and_float_token_dtypes(catalog):
    log = pd.DataFrame(
        {
            "model_id": ["gpt-5", "gpt-5"],
            "input_tokens": pd.array([1_000_000, 0], dtype="Int64"),
            "output_tokens": pd.array([0.5e6, 1e6], dtype="float32"),
            "cache_read_tokens": pd.array([0, 0], dtype="uint16"),
            "requests": pd.array([1, 2], dtype="int64[pyarrow]"),
        }
    )
    result = ahf.estimate_cost(catalog, log)
    assert result["total_cost_usd"].tolist() == pytest.approx([1.25 + 5.0, 20.0])


def test_many_blocks_on_threads_match_single_rows(catalog, monkeypatch):
    monkeypatch.setattr(kernel, "BLOCK_ROWS", 64)  # ~30 blocks: the threaded path, cross-block merging
    rng = np.random.default_rng(3)
    ids = [*catalog["model_id"].tolist()[:300], "unknown-1"]
    log = pd.DataFrame(
        {
            "model_id": rng.choice(ids, 2_000),
            "input_tokens": rng.integers(0, 10**6, 2_000),
            "output_tokens": rng.integers(0, 10**4, 2_000),
        }
    )
    log["cache_read_tokens"] = log["input_tokens"] // 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ahf.AihubmixWarning)
        result = ahf.estimate_cost(catalog, log, token_rate_estimates=True)  # the reference bills token rates
    prices = reference_prices(ahf.loader.snapshot_payload()["data"])
    for row in log.sample(200, random_state=1).itertuples():
        want = reference_row_cost(prices, row.model_id, row.input_tokens, row.output_tokens, row.cache_read_tokens)
        got = result.loc[row.Index, COSTS]
        if want is None:
            assert got.isna().all()
        else:
            assert got.astype(float).tolist() == pytest.approx(list(want), rel=1e-12)


# --- bad input -------------------------------------------------------------------------------------


def test_negative_tokens_name_the_rows(catalog):
    log = pd.DataFrame(
        {"model_id": ["gpt-4o"] * 3, "input_tokens": [10, -5, 10], "output_tokens": [1, 1, -1]},
        index=["a", "b", "c"],
    )
    with pytest.raises(
        ValueError,
        match=r"'input_tokens' is negative in rows \['b'\].*'output_tokens' is "
        r"negative in rows \['c'\]",
    ):
        ahf.estimate_cost(catalog, log)


def test_cache_above_input_in_inclusive_mode_names_rows_and_the_fix(catalog):
    log = pd.DataFrame(
        {
            "model_id": ["gpt-4o"] * 3,
            "input_tokens": [100, 100, 100],
            "output_tokens": [0] * 3,
            "cache_read_tokens": [50, 80, 0],
            "cache_write_tokens": [0, 30, 0],
        }
    )
    with pytest.raises(ValueError, match=r"exceed 'input_tokens' in rows \[1\].*input_includes_cache=False"):
        ahf.estimate_cost(catalog, log)
    with pytest.warns(CachePriceWarning, match="gpt-4o"):  # fine in Anthropic's convention
        ahf.estimate_cost(catalog, log, input_includes_cache=False)


def test_non_numeric_column_names_rows(catalog):
    log = pd.DataFrame({"model_id": ["gpt-4o"] * 3, "input_tokens": ["10", "ten", "3"], "output_tokens": [0] * 3})
    with pytest.raises(ValueError, match=r"column 'input_tokens' has dtype .*rows \[1\].*'ten'.*pd.to_numeric"):
        ahf.estimate_cost(catalog, log)


def test_boolean_column_is_not_a_count(catalog):
    log = pd.DataFrame({"model_id": ["gpt-4o"], "input_tokens": [True], "output_tokens": [0]})
    with pytest.raises(ValueError, match="'input_tokens' has dtype bool"):
        ahf.estimate_cost(catalog, log)


def test_missing_values_name_the_rows(catalog):
    nullable = pd.DataFrame(
        {
            "model_id": ["gpt-4o"] * 2,
            "input_tokens": pd.array([1, None], dtype="Int64"),
            "output_tokens": [0, 0],
        }
    )
    with pytest.raises(ValueError, match=r"'input_tokens' is missing values in rows \[1\].*fillna"):
        ahf.estimate_cost(catalog, nullable)
    floats = pd.DataFrame({"model_id": ["gpt-4o"] * 2, "input_tokens": [1.0, np.nan], "output_tokens": [0, 0]})
    with pytest.raises(ValueError, match=r"'input_tokens' is NaN or infinite in rows \[1\]"):
        ahf.estimate_cost(catalog, floats)
    infinite = floats.assign(input_tokens=[1.0, np.inf])
    with pytest.raises(ValueError, match=r"NaN or infinite in rows \[1\]"):
        ahf.estimate_cost(catalog, infinite)


def test_missing_columns_are_named_with_the_option_to_use(catalog):
    # Names no rule recognises ("model" and "prompt_tokens" now are: tests/test_cost_logs.py).
    log = pd.DataFrame({"llm": ["gpt-4o"], "prompt": [1], "output_tokens": [0]})
    with pytest.raises(ValueError, match=r"model_id \(option model_id=\).*input_tokens \(option input_tokens=\)"):
        ahf.estimate_cost(catalog, log)
    with pytest.raises(ValueError, match=r"cached \(option cache_read_tokens=\)"):
        ahf.estimate_cost(catalog, log, model_id="llm", input_tokens="prompt", cache_read_tokens="cached")


def test_non_string_ids_are_refused(catalog):
    log = pd.DataFrame({"model_id": [1, 2], "input_tokens": [1, 1], "output_tokens": [0, 0]})
    with pytest.raises(ValueError, match="must hold model ids as strings"):
        ahf.estimate_cost(catalog, log)


def test_bad_arguments(catalog):
    log = pd.DataFrame({"model_id": ["gpt-4o"], "input_tokens": [1], "output_tokens": [0]})
    with pytest.raises(TypeError, match="workload must be a pandas or dask DataFrame"):
        ahf.estimate_cost(catalog, log.to_dict())
    with pytest.raises(NotACatalogError, match=r"estimate_cost needs a catalog frame .*got list"):
        ahf.estimate_cost([], log)
    with pytest.raises(
        NotACatalogError, match=r"estimate_cost needs a catalog frame; this one lacks \['input_usd_per_1m'"
    ):
        ahf.estimate_cost(catalog[["model_id"]], log)
    with pytest.raises(TypeError, match="input_includes_cache"):
        ahf.estimate_cost(catalog, log, input_includes_cache="yes")


def test_import_stays_light_and_dask_is_not_imported_for_pandas():
    code = (
        "import sys, pandas as pd, aihubmix_frame as ahf; assert 'dask' not in sys.modules; "
        "log = pd.DataFrame({'model_id': ['gpt-4o'], 'input_tokens': [1], 'output_tokens': [1]}); "
        "ahf.estimate_cost(ahf.load_snapshot(), log); print('dask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- property test: vectorised == plain-Python reference -------------------------------------------


@pytest.fixture(scope="module")
def property_catalog(catalog, tier_records):
    snapshot = ahf.loader.snapshot_payload()["data"]
    # A spread of real models (with and without cache prices, case twins, free) plus the tiered ones.
    wanted = {
        "gpt-4o",
        "gpt-5",
        "claude-opus-4-6",
        "gpt-3.5-turbo",
        "gpt-5.5-free",
        "Qwen2.5-VL-72B-Instruct",
        "qwen2.5-vl-72b-instruct",
        "gemini-3.5-flash",
    }
    records = [r for r in snapshot if r["model_id"] in wanted] + tier_records
    return ahf.catalog_to_frame(records), reference_prices(records), [r["model_id"] for r in records]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_vectorised_equals_plain_python_reference(property_catalog, data):
    frame, prices, ids = property_catalog
    inclusive = data.draw(st.booleans(), label="input_includes_cache")
    n = data.draw(st.integers(0, 40), label="rows")
    big = st.integers(0, 600_000)
    rows = []
    for _ in range(n):
        model_id = data.draw(st.sampled_from([*ids, "unknown-model", "GPT-4O"]))
        read, write = data.draw(big), data.draw(big)
        extra = data.draw(big)
        input_tokens = read + write + extra if inclusive else extra
        rows.append((model_id, input_tokens, data.draw(big), read, write, data.draw(st.integers(0, 5))))
    log = pd.DataFrame(
        rows,
        columns=[
            "model_id",
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "requests",
        ],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ahf.AihubmixWarning)
        result = ahf.estimate_cost(frame, log, input_includes_cache=inclusive)
    for position, row in enumerate(rows):
        want = reference_row_cost(prices, *row, input_includes_cache=inclusive)
        got = result[COSTS].iloc[position]
        if want is None:
            assert got.isna().all()
        else:
            assert got.astype(float).tolist() == pytest.approx(list(want), rel=1e-12, abs=1e-15)
            assert math.isclose(float(got["total_cost_usd"]), want[4], rel_tol=1e-12, abs_tol=1e-15)


def test_mapped_result_columns_behave_like_any_column(catalog, monkeypatch):
    import pickle

    monkeypatch.setattr(kernel, "POPULATE_BYTES", 0)  # map every result column, as for big logs
    log = pd.DataFrame(
        {"model_id": ["gpt-4o", "gpt-5"] * 50, "input_tokens": [1_000_000] * 100, "output_tokens": [0] * 100}
    )
    result = ahf.estimate_cost(catalog, log)
    assert result["total_cost_usd"].tolist() == [2.5, 1.25] * 50
    again = pickle.loads(pickle.dumps(result))
    pd.testing.assert_frame_equal(again, result)
    result.loc[0, "total_cost_usd"] = pd.NA  # writable, and the copy is independent
    assert again.loc[0, "total_cost_usd"] == 2.5 and result["total_cost_usd"].isna().sum() == 1
    del result, again  # unmapping happens when the last reference goes
