"""Widgets headless: set .value on the controls, assert the result, the outputs and the observers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

import aihubmix_frame as ahf
from aihubmix_frame.filters import apply_query


def _picker(frame, plot=False, **kwargs):
    """A picker; without the price map unless the test looks at it (drawing is the slow part)."""
    return ahf.widgets.ModelPicker(frame, plot=plot, plot_delay=None, **kwargs)


def _explorer(frame, plot=False, **kwargs):
    return ahf.widgets.CostExplorer(frame, plot=plot, plot_delay=None, **kwargs)


def test_model_picker_follows_every_control(snapshot):
    picker = _picker(snapshot)
    assert len(picker.result) == len(snapshot) and picker.value == "auto"
    seen = []
    picker.on_change(lambda result: seen.append(len(result)))

    picker.type.value = "llm"
    picker.features.value = ("thinking", "tools")
    picker.modalities.value = ("image",)
    picker.model.value = "gpt"
    expected = snapshot.aihub.filter(type="llm", features="thinking,tools", modalities="image", model="gpt")
    assert picker.result["model_id"].tolist() == expected["model_id"].tolist()
    assert seen == [
        len(snapshot.aihub.filter(type="llm")),
        len(snapshot.aihub.filter(type="llm", features="thinking,tools")),
        len(snapshot.aihub.filter(type="llm", features="thinking,tools", modalities="image")),
        len(expected),
    ]

    picker.sort_by.value = "model_ratio"
    ranked = expected.aihub.sort("model_ratio")
    assert picker.value == ranked["model_id"].iloc[0]
    assert f"<b>{len(expected)}</b>" in picker.summary.value and "USD per 1M" in picker.summary.value
    assert ranked["model_id"].iloc[0] in picker.table.value and "input price" in picker.table.value

    picker.max_input_price.value = 1.0
    assert (picker.result["input_usd_per_1m"] <= 1.0).all()
    picker.min_context.value = 200_000
    assert (picker.result["context_length"] >= 200_000).all() and len(picker.result) > 0
    picker.picked.value = picker.picked.options[-1]
    assert picker.value == picker.result["model_id"].iloc[len(picker.picked.options) - 1]


def test_model_picker_takes_initial_values_and_recomputes_once(snapshot):
    picker = _picker(
        snapshot,
        type="llm",
        features="thinking",
        modalities=["image"],
        model="claude",
        min_context=100_000,
        max_input_price=10.0,
        include_free=False,
        sort_by="context_length",
        sort_order="desc",
        rows=5,
    )
    assert picker.recomputes == 1
    expected = snapshot.aihub.filter(
        type="llm",
        features="thinking",
        modalities="image",
        model="claude",
        min_context=100_000,
        max_input_price=10.0,
        include_free=False,
    ).aihub.sort("context_length", order="desc")
    assert picker.result["model_id"].tolist() == expected["model_id"].tolist() and len(expected) > 0
    assert (picker.type.value, picker.features.value, picker.sort_order.value) == (
        "llm",
        ("thinking",),
        "desc",
    )
    seen = []
    picker.on_change(seen.append)
    with picker.hold():
        picker.type.value = None
        picker.model.value = "gpt"
        picker.features.value = ()
    assert picker.recomputes == 2 and len(seen) == 1 and seen[0] is picker.result
    assert _picker(snapshot).recomputes == 1


def test_model_picker_refuses_initial_values_the_catalog_lacks(snapshot):
    with pytest.raises(ValueError, match="'music' is not in this catalog"):
        _picker(snapshot, type="music")
    with pytest.raises(ValueError, match="one value"):
        _picker(snapshot, type="llm,video")
    with pytest.raises(ValueError, match="rows"):
        _picker(snapshot, rows=0)


def test_model_picker_code_and_query_reproduce_the_result(snapshot):
    picker = _picker(
        snapshot, type="llm", features="tools", max_input_price=2.0, min_context=64_000, include_free=False
    )
    df = snapshot  # noqa: F841 - the name .code refers to
    assert eval(picker.code, {"df": snapshot})["model_id"].tolist() == picker.result["model_id"].tolist()
    assert apply_query(snapshot, picker.query)["model_id"].tolist() == picker.result["model_id"].tolist()
    assert picker.query.max_input_price == 2.0 and picker.query.include_free is False
    picker.search.value = "qwen"  # searching sorts by match score, one recompute
    before = picker.recomputes
    assert ".aihub.search('qwen', limit=None).aihub.sort('score', order='desc')" in picker.code
    hits = eval(picker.code, {"df": snapshot})
    assert hits["model_id"].tolist() == picker.result["model_id"].tolist() and len(hits) > 0
    assert picker.result["score"].is_monotonic_decreasing and "match" in picker.table.value
    picker.search.value = ""
    assert picker.recomputes == before + 1 and picker.sort_by.value == "order"
    assert ".aihub.search" not in picker.code
    assert eval(picker.code, {"df": snapshot})["model_id"].tolist() == picker.result["model_id"].tolist()
    picker.sort_by.value = "model_ratio"  # a sort the user chose stays when a search is typed
    picker.search.value = "qwen"
    assert picker.code.endswith(".aihub.search('qwen', limit=None).aihub.sort('model_ratio', order='asc')")
    assert eval(picker.code, {"df": snapshot})["model_id"].tolist() == picker.result["model_id"].tolist()


def test_model_picker_formats_units_and_lists_and_shows_one_page(snapshot):
    picker = _picker(snapshot, rows=7)
    table = picker.table.value
    assert table.count("<tr>") == 1 + 7 and "page 1 of" in table
    row = snapshot[snapshot["model_id"] == "gpt-4o"]
    picker.value = "gpt-4o"
    shown = picker.table.value
    assert "gpt-4o" in shown and "$2.50 / 1M" in shown and "$10.00 / 1M" in shown
    assert f"{int(row['context_length'].iloc[0]):,} tokens" in shown
    assert "[" not in re.sub(r"<[^>]+>", "", shown)  # lists as text, never ['llm']
    assert ("llm" in shown and "thinking, tools" in picker.table.value) or "tools" in picker.table.value
    assert picker.picked.value == "gpt-4o" and len(picker.picked.options) == 7
    position = picker.result["model_id"].tolist().index("gpt-4o")
    assert picker.page.value == position // 7 + 1


def test_model_picker_value_refuses_ids_outside_the_result(snapshot):
    picker = _picker(snapshot, type="llm")
    with pytest.raises(ValueError, match="'no-such-model'"):
        picker.value = "no-such-model"
    image_only = snapshot.aihub.filter(type="image_generation")
    outside = next(i for i in image_only["model_id"] if i not in set(picker.result["model_id"]))
    with pytest.raises(ValueError, match=re.escape(repr(outside))):
        picker.value = outside
    picker.value = picker.result["model_id"].iloc[-1]
    assert picker.value == picker.result["model_id"].iloc[-1] and picker.picked.value == picker.value


def test_model_picker_with_no_match_has_no_pick(snapshot):
    picker = _picker(snapshot)
    picker.model.value = "no-such-model-anywhere"
    assert picker.result.empty and picker.value is None
    assert list(picker.result.columns) == list(snapshot.columns)


def test_model_picker_refuses_non_catalogs():
    with pytest.raises(ahf.NotACatalogError, match="catalog frame"):
        ahf.widgets.ModelPicker(pd.DataFrame({"x": [1]}))
    with pytest.raises(ahf.NotACatalogError, match="got list"):
        ahf.widgets.ModelPicker([1, 2])
    with pytest.raises(ahf.NotACatalogError, match="lacks"):
        ahf.widgets.CostExplorer(pd.DataFrame({"model_id": ["a"]}))


def test_model_picker_shows_an_error_in_the_widget_and_an_empty_result(snapshot):
    picker = _picker(snapshot, plot=True)
    picker.sort_by.options = [*picker.sort_by.options, ("no such column", "no_such_column")]
    picker.sort_by.value = "no_such_column"
    assert "no_such_column" in picker.summary.value and picker.result.empty
    assert picker.value is None and picker.picked.options == ()
    assert "no models match" in [t.get_text() for t in picker.plot_figure.axes[0].texts]
    picker.sort_by.value = "order"
    assert len(picker.result) == len(snapshot)


def _with_deprecated(snapshot):
    frame = snapshot.copy()
    stage = pd.array([pd.NA] * len(frame), dtype=frame["retire_stage"].dtype)
    frame["retire_stage"] = stage
    frame.loc[frame["model_id"].isin(["gpt-4o", "gpt-5"]), "retire_stage"] = "deprecated"
    return frame


def test_both_pickers_leave_deprecated_models_out_by_default(snapshot):
    frame = _with_deprecated(snapshot)
    picker = _picker(frame)
    assert len(picker.result) == len(frame) - 2 and "gpt-4o" not in set(picker.result["model_id"])
    assert "include_deprecated=False" in picker.code
    picker.include_deprecated.value = True
    assert len(picker.result) == len(frame)
    explorer = _explorer(frame, rows=100)
    explorer.model = None
    explorer.type.value = "llm"
    assert not {"gpt-4o", "gpt-5"} & set(explorer.result["model_id"])
    explorer.include_deprecated.value = True
    explorer.rows.value = 100
    assert {"gpt-4o", "gpt-5"} <= set(frame.aihub.cheapest(1000, type="llm", include_deprecated=True)["model_id"])


def test_model_picker_badge_counts_quality_warnings_among_the_matches(snapshot):
    report = ahf.quality_report(snapshot)
    serious = report[report["severity"].isin(["error", "warning"])]
    picker = _picker(snapshot)
    assert f"{len(serious):,} quality warnings" in picker.badge.value
    picker.type.value = "video"
    in_result = serious[serious["model_id"].isin(picker.result["model_id"])]
    assert f"{len(in_result):,} quality warning" in picker.badge.value and len(in_result) > 0
    picker.model.value = "claude-opus-4-6"
    picker.type.value = None
    count = int(serious["model_id"].isin(picker.result["model_id"]).sum())
    assert (f"{count:,} quality warning" if count else "no quality warnings") in picker.badge.value


def test_model_picker_price_map_follows_the_filters(snapshot):
    picker = _picker(snapshot, plot=True, type="llm", features="thinking")
    first = picker.plot.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    drawn = np.concatenate(
        [c.get_offsets() for c in picker.plot_figure.axes[0].collections if (c.get_gid() or "").startswith("models:")]
    )
    priced = picker.result.dropna(subset=["input_usd_per_1m", "output_usd_per_1m"])
    assert len(drawn) == len(priced)
    assert sorted(drawn[:, 0][drawn[:, 0] > 1e-3]) == sorted(
        priced["input_usd_per_1m"][priced["input_usd_per_1m"] > 1e-3].astype(float)
    )
    picker.model.value = "claude"
    assert picker.plot.value != first and picker.plotted["model_id"].tolist() == picker.result["model_id"].tolist()


def test_model_picker_plot_is_debounced_off_the_change_path(snapshot):
    picker = ahf.widgets.ModelPicker(snapshot, plot_delay=0.2)
    assert picker.wait_for_plot(30)
    draws = picker._plot.draws
    with picker.hold():
        picker.type.value = "llm"
    picker.model.value = "gpt"
    picker.features.value = ("thinking",)
    assert picker.wait_for_plot(30)
    assert picker.plotted["model_id"].tolist() == picker.result["model_id"].tolist()
    assert picker._plot.draws - draws <= 2  # three changes, at most two drawings (one is the usual)


def test_cost_explorer_matches_cheapest_and_follows_controls(snapshot):
    explorer = _explorer(snapshot, rows=10, type=None, include_free=True)
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
    assert (
        explorer.result["total_cost_usd"].round(9).tolist() == (per_request["total_cost_usd"] * 1000).round(9).tolist()
    )

    explorer.modalities.value = ("image",)
    explorer.min_context.value = 200_000
    narrowed = snapshot.aihub.cheapest(
        10,
        50_000,
        2_000,
        40_000,
        0,
        1000,
        type="llm",
        include_free=False,
        modalities="image",
        min_context=200_000,
    )
    assert explorer.result["model_id"].tolist() == narrowed["model_id"].tolist() and len(narrowed) > 0


def test_cost_explorer_opens_on_paid_llms_at_plausible_prices(snapshot: pd.DataFrame) -> None:
    """Issue 21: the first screen shows paid LLMs at plausible prices and a real monthly projection."""
    from aihubmix_frame.placeholders import implausible_price_mask

    explorer = _explorer(snapshot)
    result = explorer.result
    assert len(result) == 15 and (result["total_cost_usd"] > 0).all()
    llm = set(snapshot.loc[snapshot["types"].apply(lambda t: "llm" in list(t)), "model_id"])
    assert set(result["model_id"]) <= llm
    implausible = set(snapshot.loc[implausible_price_mask(snapshot), "model_id"])
    assert not set(result["model_id"]) & implausible
    assert explorer.monthly_cost_usd > 0 and result["model_id"].iloc[0] in explorer.projection.value
    assert "not the same quality" in explorer.summary.value

    explorer.type.value = ""  # any type: the three unit slips are the cheapest paid models, left out and counted
    assert explorer.left_out == {"implausible_price": 3}
    assert "3 models with an implausible" in explorer.summary.value
    assert "llama3-groq-8b-8192-tool-use-preview" not in set(explorer.result["model_id"])
    explorer.include_implausible.value = True
    assert explorer.result["model_id"].iloc[0] == "llama3-groq-8b-8192-tool-use-preview"


def test_cost_explorer_one_row_per_family(snapshot: pd.DataFrame) -> None:
    explorer = _explorer(snapshot, rows=30, per_family=True)
    families = explorer.result["family"]
    assert families.is_unique and "qwen-turbo" in set(families)
    assert explorer.left_out["same_family"] > 0
    assert "cheapest families" in explorer.summary.value


def test_cost_explorer_bars_show_the_result(snapshot):
    explorer = _explorer(snapshot, plot=True, rows=6)
    explorer.include_free.value = False
    ax = explorer.plot_figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == explorer.result["model_id"].tolist()
    widths = sum(
        np.array([p.get_width() for p in ax.patches if p.get_gid() == f"cost:{part}"])
        for part in ("input", "cache", "output")
    )
    assert np.allclose(widths, explorer.result["total_cost_usd"].to_numpy(dtype=float))
    assert explorer.plot.value[:4] == b"\x89PNG"


def test_cost_explorer_projects_the_monthly_cost_of_the_cheapest_model(snapshot):
    explorer = _explorer(snapshot, requests_per_day=2_500)
    with explorer.hold():
        explorer.type.value = "llm"
        explorer.include_free.value = False
        explorer.input_tokens.value = 10_000
        explorer.output_tokens.value = 1_000
        explorer.requests.value = 4
    cheapest = explorer.result["model_id"].iloc[0]
    row = snapshot[snapshot["model_id"] == cheapest].iloc[0]
    by_hand = (10_000 * row["input_usd_per_1m"] + 1_000 * row["output_usd_per_1m"]) / 1e6 * 2_500 * 30.4375
    assert explorer.monthly_cost_usd == pytest.approx(by_hand, rel=1e-9)
    assert cheapest in explorer.projection.value and "2,500 requests/day" in explorer.projection.value
    before = explorer.recomputes
    explorer.requests_per_day.value = 100
    assert explorer.monthly_cost_usd == pytest.approx(by_hand / 25, rel=1e-9) and explorer.recomputes == before


def test_cost_explorer_reports_bad_token_counts_instead_of_raising(snapshot):
    explorer = _explorer(snapshot)
    seen = []
    explorer.on_change(seen.append)
    explorer.cache_read_tokens.value = 10_000  # above the 2,000 input tokens (inclusive convention)
    # The error shows in the widget, and .result is what the widget shows: nothing.
    assert "cache" in explorer.summary.value.lower() and explorer.table.value == ""
    assert explorer.result.empty and seen[-1] is explorer.result and explorer.monthly_cost_usd is None
    explorer.input_includes_cache.value = False  # Anthropic's convention: now valid
    assert len(explorer.result) > 0 and explorer.result["model_id"].iloc[0] in explorer.table.value


def test_cost_explorer_leaves_placeholder_prices_out_by_default(snapshot):
    from aihubmix_frame.placeholders import placeholder_price_mask

    placeholders = set(snapshot.loc[placeholder_price_mask(snapshot), "model_id"])
    explorer = _explorer(snapshot, rows=100)
    explorer.type.value = "video"
    assert not set(explorer.result["model_id"]) & placeholders
    explorer.include_placeholder.value = True
    assert set(explorer.result["model_id"]) & placeholders
