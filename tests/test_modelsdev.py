"""models.dev beside the catalog: loading, comparing (the 10 input-price differences), enriching."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame import schema
from aihubmix_frame.sources.compare import compare_sources, enrich
from aihubmix_frame.sources.modelsdev import load_modelsdev

#: tests/data/README.md and the shared realdata README: the 10 of the 47 shared models whose input
#: price differs on 2026-07-02, as (catalog, models.dev) USD per 1M tokens.
INPUT_DIFFERENCES = {
    "doubao-seed-2-0-code-preview": (0.4822, 0.48),
    "doubao-seed-2-0-lite-260428": (0.09041, 0.08),
    "doubao-seed-2-0-mini-260428": (0.0282, 0.03),
    "doubao-seed-2-0-pro": (0.4822, 0.48),
    "minimax-m2.7": (0.2958, 0.3),
    "qwen3.6-flash": (0.169, 0.17),
    "qwen3.6-max-preview": (1.268, 1.27),
    "qwen3.6-plus": (0.282, 0.28),
    "xiaomi-mimo-v2.5-pro": (0.48, 1.1),
    "xiaomi-mimo-v2.5": (0.155, 0.44),
}


@pytest.fixture
def modelsdev():
    return load_modelsdev()


def test_the_bundled_copy_equals_the_test_data_file(data_path, modelsdev):
    from_file = load_modelsdev(data_path("modelsdev_aihubmix_2026-07-02.json"))
    pd.testing.assert_frame_equal(from_file, modelsdev)
    payload = json.loads(data_path("modelsdev_aihubmix_2026-07-02.json").read_text(encoding="utf-8"))
    assert load_modelsdev(payload)["model_id"].tolist() == list(payload["models"])
    assert modelsdev.attrs["aihubmix"]["source"] == "models.dev"


def test_load_modelsdev_types_every_field_like_the_catalog(modelsdev, load_json):
    raw = load_json("modelsdev_aihubmix_2026-07-02.json")["models"]
    assert len(modelsdev) == 53 and modelsdev["model_id"].is_unique
    for column in modelsdev.columns:
        if column in schema.COLUMNS and schema.COLUMNS[column] not in ("list", "string"):
            assert str(modelsdev[column].dtype) == schema.COLUMNS[column], column
    assert modelsdev["price_tiers"].notna().sum() == sum("tiers" in m["cost"] for m in raw.values()) == 24
    row = modelsdev.set_index("model_id").loc["alicloud-deepseek-v4-flash"]
    assert (row["input_usd_per_1m"], row["output_usd_per_1m"], row["cache_read_usd_per_1m"]) == (
        0.14,
        0.28,
        0.028,
    )
    assert (row["context_length"], row["max_output"]) == (1_000_000, 384_000)
    assert row["input_modalities"] == ["text"] and row["output_modalities"] == ["text"]
    assert row["reasoning"] == True and row["tool_call"] == True  # noqa: E712
    assert row["interleaved"] == True  # noqa: E712 - {"field": "reasoning_content"}
    assert row["release_date"] == pd.Timestamp("2026-04-24") and row["knowledge"] == pd.Timestamp("2025-05-01")
    assert row["family"] == "deepseek-flash"
    with pytest.raises(ahf.SchemaError, match="models"):
        load_modelsdev({"data": []})


def test_compare_gives_exactly_the_ten_input_price_differences(snapshot, modelsdev):
    diff = compare_sources(snapshot, modelsdev)
    assert diff["model_id"].nunique() == 47
    inputs = diff[diff["field"] == "input_usd_per_1m"]
    assert len(inputs) == 47
    differs = inputs[inputs["status"] == "differs"]
    assert {
        m: (v, o) for m, v, o in differs[["model_id", "value", "other_value"]].itertuples(index=False)
    } == INPUT_DIFFERENCES
    expected_rel = [(o - v) / v for v, o in (INPUT_DIFFERENCES[m] for m in differs["model_id"])]
    assert np.allclose(differs["rel_diff"].to_numpy(dtype=float), expected_rel)
    assert (inputs.loc[inputs["status"] == "same", "rel_diff"] == 0).all()
    # the tiers: none served that day, 24 at models.dev
    tiers = compare_sources(snapshot, modelsdev, fields="price_tiers")
    assert (tiers["status"] == "catalog_missing").sum() == 24


def test_enrich_fills_gaps_and_never_changes_a_catalog_value(snapshot, modelsdev):
    with pytest.warns(ahf.PriceWarning, match="not copied onto 11 model"):
        rich = enrich(snapshot, modelsdev)
    assert snapshot.equals(ahf.load_snapshot())  # the input is not mutated
    shared = snapshot["model_id"].isin(modelsdev["model_id"]).to_numpy()
    for column in snapshot.columns:
        before, after = snapshot[column], rich[column]
        assert after.dtype == before.dtype, column
        had = before.list.len().to_numpy() > 0 if isinstance(before.dtype, pd.ArrowDtype) else before.notna().to_numpy()
        derived_from = {"accepts": "input_modalities", "produces": "output_modalities"}.get(column.split("_")[0])
        if derived_from:  # a flag of a filled list follows the list; False there meant "not stated"
            had = had & (rich[f"{derived_from}_source"] != "models.dev").to_numpy(dtype=bool, na_value=True)
        for i in np.flatnonzero(had | ~shared):  # what the catalog had, and every model not in models.dev
            a, b = before.iloc[i], after.iloc[i]
            assert (pd.isna(a) and pd.isna(b)) if not isinstance(a, (list, dict)) and pd.isna(a) else a == b, (
                column,
                i,
            )
    provenance = rich.attrs["aihubmix"]["enriched"]
    # 24 models have tiers at models.dev; 11 of them have other base prices there (issue 18)
    assert provenance["source"] == "models.dev" and provenance["fields"]["price_tiers"] == 13
    assert len(provenance["withheld"]["price_tiers"]) == 11
    source = rich["price_tiers_source"]
    assert (source == "models.dev").sum() == 13 and source[~shared].isna().all()
    filled = rich["output_modalities_source"] == "models.dev"
    assert filled.sum() == 41 and rich.loc[filled.to_numpy(dtype=bool, na_value=False), "produces_text"].all()


def test_enriched_context_tiers_are_billed_by_estimate_cost(snapshot, modelsdev):
    with pytest.warns(ahf.PriceWarning, match="base prices differ"):
        rich = enrich(snapshot, modelsdev, fields=["price_tiers"])
    log = pd.DataFrame(
        {
            "model_id": ["claude-opus-4-6-think"] * 2,
            "input_tokens": [250_000, 150_000],
            "output_tokens": [1_000, 1_000],
        }
    )
    # The 250,000-token prompt is longer than the catalog's 200,000-token context: priced and warned about.
    with pytest.warns(ahf.errors.ContextLengthWarning, match="claude-opus-4-6-think"):
        costed = ahf.estimate_cost(rich, log)
    # above 200,000 prompt tokens models.dev's tier bills 10 / 37.5 per 1M for the whole request
    assert costed["input_cost_usd"].tolist() == pytest.approx([250_000 * 10 / 1e6, 150_000 * 5 / 1e6])
    assert costed["output_cost_usd"].tolist() == pytest.approx([1_000 * 37.5 / 1e6, 1_000 * 25 / 1e6])
    with pytest.warns(ahf.errors.ContextLengthWarning):
        plain = ahf.estimate_cost(snapshot, log)
    assert plain["input_cost_usd"].iloc[0] == pytest.approx(250_000 * 5 / 1e6)


def test_lazy_exports():
    assert ahf.load_modelsdev is load_modelsdev
    assert ahf.compare_sources is compare_sources and ahf.enrich is enrich
