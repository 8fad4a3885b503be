"""What every pricing entry point raises for a frame that is not a catalog or for malformed price tiers."""

from __future__ import annotations

import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame import schema
from aihubmix_frame.errors import NotACatalogError, SchemaError
from aihubmix_frame.pricing import cheapest_models, price_table, scenario_cost

LOG = pd.DataFrame({"model_id": ["good"], "input_tokens": [1_000], "output_tokens": [10]})

#: Each entry point that takes a catalog, called on ``catalog`` -> the name its message uses.
ENTRY_POINTS = {
    "estimate_cost": lambda catalog: ahf.estimate_cost(catalog, LOG),
    "reprice": lambda catalog: ahf.reprice(catalog, LOG, to="good"),
    "cache_break_even": lambda catalog: ahf.cache_break_even(catalog, "good", prompt_tokens=1_000),
    "the cost table": lambda catalog: scenario_cost(catalog, 1_000, 10),
    "cheapest": lambda catalog: cheapest_models(catalog, 3),
    "pricing": lambda catalog: price_table(catalog),
}


def good_catalog() -> pd.DataFrame:
    return ahf.catalog_to_frame(
        [
            {"model_id": "good", "types": "llm", "pricing": {"input": 1, "output": 2}},
            {"model_id": "other", "types": "llm", "pricing": {"input": 3, "output": 4}},
        ]
    )


def with_tiers(cell) -> pd.DataFrame:
    catalog = good_catalog()
    catalog["price_tiers"] = pd.Series([cell, None], index=catalog.index, dtype=object)
    return catalog


@pytest.mark.parametrize("needed_for", list(ENTRY_POINTS))
def test_a_frame_without_price_columns_is_not_a_catalog(needed_for):
    call = ENTRY_POINTS[needed_for]
    assert call(good_catalog()) is not None  # the well-formed catalog passes
    not_a_catalog = good_catalog().drop(columns=list(schema.PRICE_COLUMNS))
    with pytest.raises(
        NotACatalogError,
        match=rf"^{needed_for} needs a catalog frame; this one lacks "
        r"\['input_usd_per_1m'.*load_catalog\(\)",
    ):
        call(not_a_catalog)


@pytest.mark.parametrize("needed_for", list(ENTRY_POINTS))
@pytest.mark.parametrize("not_a_frame", [None, [], {"model_id": ["good"]}])
def test_something_that_is_not_a_frame_is_not_a_catalog(needed_for, not_a_frame):
    with pytest.raises(NotACatalogError, match=rf"^{needed_for} needs a catalog frame"):
        ENTRY_POINTS[needed_for](not_a_frame)


def test_the_accessor_reports_the_missing_price_columns():
    catalog = good_catalog().drop(columns=["output_usd_per_1m"])
    with pytest.raises(NotACatalogError, match=r"lacks \['output_usd_per_1m'\]"):
        catalog.aihub.cost(input_tokens=10, output_tokens=1)
    with pytest.raises(NotACatalogError, match=r"lacks \['output_usd_per_1m'\]"):
        catalog.aihub.cheapest(3)


BAD_TIERS = {
    "text price": [{"input": "cheap", "tier": {"size": 100, "type": "context"}}],
    "negative price": [{"input": -1, "tier": {"size": 100, "type": "context"}}],
    "no tier object": [{"input": 1}],
    "zero size": [{"input": 1, "tier": {"size": 0, "type": "context"}}],
    "text size": [{"input": 1, "tier": {"size": "big", "type": "context"}}],
    "a string cell": "input=1 above 100",
    "a dict cell": {"input": 1, "tier": {"size": 100}},
}


@pytest.mark.parametrize("needed_for", list(ENTRY_POINTS))
@pytest.mark.parametrize("bad", list(BAD_TIERS))
def test_bad_price_tiers_raise_schema_error_everywhere(needed_for, bad):
    with pytest.raises(SchemaError, match=r"(?i)model 'good': price.tier.*fix|model 'good': price_tiers is"):
        ENTRY_POINTS[needed_for](with_tiers(BAD_TIERS[bad]))


def test_bad_price_tiers_through_the_accessor():
    catalog = with_tiers(BAD_TIERS["text price"])
    with pytest.raises(SchemaError, match="price tier 'input' is 'cheap'"):
        catalog.aihub.cost(input_tokens=10, output_tokens=1)
    with pytest.raises(SchemaError, match="price tier 'input' is 'cheap'"):
        catalog.aihub.cheapest(3)


def test_a_price_column_that_is_not_numeric_is_a_schema_error():
    catalog = good_catalog().astype({"input_usd_per_1m": object})
    catalog.loc[0, "input_usd_per_1m"] = "one dollar"
    with pytest.raises(SchemaError, match="'input_usd_per_1m' column is not numeric"):
        ahf.estimate_cost(catalog, LOG)


def test_a_catalog_row_without_model_id_is_a_schema_error():
    catalog = good_catalog()
    catalog.loc[1, "model_id"] = pd.NA
    with pytest.raises(SchemaError, match="rows without a model_id"):
        ahf.estimate_cost(catalog, LOG)


def test_a_dask_catalog_is_refused():
    dd = pytest.importorskip("dask.dataframe")
    with pytest.raises(NotACatalogError, match="as a pandas DataFrame, got"):
        ahf.estimate_cost(dd.from_pandas(good_catalog(), npartitions=1), LOG)
