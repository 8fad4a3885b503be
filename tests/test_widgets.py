"""Widgets headless: set .value on the controls, assert the result, the pick and the observers."""

from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

import aihubmix_frame as ahf  # noqa: E402


def test_model_picker_follows_every_control(snapshot):
    picker = ahf.widgets.ModelPicker(snapshot)
    assert len(picker.result) == len(snapshot) and picker.value == "auto"
    seen = []
    picker.on_change(lambda result: seen.append(len(result)))

    picker.type.value = "llm"
    picker.features.value = ("thinking", "tools")
    picker.modalities.value = ("image",)
    picker.model.value = "gpt"
    expected = snapshot.aihub.filter(type="llm", features="thinking,tools", modalities="image", model="gpt")
    assert picker.result["model_id"].tolist() == expected["model_id"].tolist()
    assert seen == [len(snapshot.aihub.filter(type="llm")),
                    len(snapshot.aihub.filter(type="llm", features="thinking,tools")),
                    len(snapshot.aihub.filter(type="llm", features="thinking,tools", modalities="image")),
                    len(expected)]

    picker.sort_by.value = "model_ratio"
    ranked = expected.aihub.sort("model_ratio")
    assert picker.value == ranked["model_id"].iloc[0]
    assert f"<b>{len(expected)}</b>" in picker.summary.value and "USD per 1M" in picker.summary.value

    assert ranked["model_id"].iloc[0] in picker.table.value and "input_usd_per_1m" in picker.table.value
    picker.max_input_price.value = 1.0
    assert (picker.result["input_usd_per_1m"] <= 1.0).all()
    picker.picked.value = picker.picked.options[-1]
    assert picker.value == picker.result["model_id"].iloc[-1]


def test_model_picker_with_no_match_has_no_pick(snapshot):
    picker = ahf.widgets.ModelPicker(snapshot)
    picker.model.value = "no-such-model-anywhere"
    assert picker.result.empty and picker.value is None
    assert list(picker.result.columns) == list(snapshot.columns)


def test_model_picker_refuses_non_catalogs():
    import pandas as pd

    with pytest.raises(ahf.NotACatalogError, match="catalog frame"):
        ahf.widgets.ModelPicker(pd.DataFrame({"x": [1]}))
    with pytest.raises(ahf.NotACatalogError, match="got list"):
        ahf.widgets.ModelPicker([1, 2])
    with pytest.raises(ahf.NotACatalogError, match="lacks"):
        ahf.widgets.CostExplorer(pd.DataFrame({"model_id": ["a"]}))


def test_cost_explorer_matches_cheapest_and_follows_controls(snapshot):
    explorer = ahf.widgets.CostExplorer(snapshot, rows=10)
    seen = []
    explorer.on_change(seen.append)
    explorer.type.value = "llm"
    explorer.input_tokens.value = 50_000
    explorer.output_tokens.value = 2_000
    explorer.cache_read_tokens.value = 40_000
    expected = snapshot.aihub.cheapest(10, 50_000, 2_000, 40_000, type="llm")
    assert explorer.result["model_id"].tolist() == expected["model_id"].tolist()
    assert explorer.result["total_cost_usd"].tolist() == expected["total_cost_usd"].tolist()
    assert len(seen) == 4 and seen[-1] is explorer.result
    assert expected["model_id"].iloc[0] in explorer.table.value and "USD per 1M" in explorer.summary.value

    explorer.include_free.value = False
    assert (explorer.result["total_cost_usd"] > 0).all()
    explorer.requests.value = 1000
    per_request = snapshot.aihub.cheapest(10, 50_000, 2_000, 40_000, type="llm", include_free=False)
    assert explorer.result["total_cost_usd"].round(9).tolist() == (per_request["total_cost_usd"] * 1000).round(9).tolist()


def test_cost_explorer_reports_bad_token_counts_instead_of_raising(snapshot):
    explorer = ahf.widgets.CostExplorer(snapshot)
    seen = []
    explorer.on_change(seen.append)
    explorer.cache_read_tokens.value = 10_000  # above the 2,000 input tokens (inclusive convention)
    # The error shows in the widget, and .result is what the widget shows: nothing.
    assert "cache" in explorer.summary.value.lower() and explorer.table.value == ""
    assert explorer.result.empty and seen[-1] is explorer.result
    explorer.input_includes_cache.value = False  # Anthropic's convention: now valid
    assert len(explorer.result) > 0 and explorer.result["model_id"].iloc[0] in explorer.table.value


def test_model_picker_shows_an_error_in_the_widget_and_an_empty_result(snapshot):
    picker = ahf.widgets.ModelPicker(snapshot)
    picker.sort_by.options = [*picker.sort_by.options, ("no such column", "no_such_column")]
    picker.sort_by.value = "no_such_column"
    assert "no_such_column" in picker.summary.value and picker.result.empty
    assert picker.value is None and picker.picked.options == ()
    picker.sort_by.value = "order"
    assert len(picker.result) == len(snapshot)


def test_cost_explorer_leaves_placeholder_prices_out_by_default(snapshot):
    from aihubmix_frame.frame import placeholder_price_mask

    placeholders = set(snapshot.loc[placeholder_price_mask(snapshot), "model_id"])
    explorer = ahf.widgets.CostExplorer(snapshot, rows=100)
    explorer.type.value = "video"
    assert not set(explorer.result["model_id"]) & placeholders
    explorer.include_placeholder.value = True
    assert set(explorer.result["model_id"]) & placeholders
