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

    with pytest.raises(AttributeError, match="catalog frame"):
        ahf.widgets.ModelPicker(pd.DataFrame({"x": [1]}))
    with pytest.raises(TypeError):
        ahf.widgets.ModelPicker([1, 2])
