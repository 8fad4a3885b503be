"""df.aihub.explode and the long (model_id, value) tables agree with the wide flags."""

from __future__ import annotations

import pandas as pd
import pytest

from aihubmix_frame import schema


def test_features_table_counts_agree_with_has_columns(snapshot):
    long = snapshot.aihub.features
    assert list(long.columns) == ["model_id", "feature"]
    assert str(long["model_id"].dtype) == "string" and str(long["feature"].dtype) == "string"
    counts = long["feature"].value_counts()
    for feature in schema.FEATURES:
        assert int(counts.get(feature, 0)) == int(snapshot[f"has_{feature}"].sum()), feature
    assert len(long) == int(snapshot["features"].list.len().sum())
    assert not long.duplicated().any()


def test_modalities_table_counts_agree_with_accepts_columns(snapshot):
    long = snapshot.aihub.modalities
    assert list(long.columns) == ["model_id", "modality"]
    counts = long["modality"].value_counts()
    for modality in schema.MODALITIES:
        assert int(counts.get(modality, 0)) == int(snapshot[f"accepts_{modality}"].sum()), modality
    assert set(long["model_id"]) == set(snapshot.loc[snapshot["input_modalities"].list.len() > 0, "model_id"])


@pytest.mark.parametrize("column", ["types", "features", "input_modalities"])
def test_explode_gives_one_row_per_model_and_value(snapshot, column):
    exploded = snapshot.aihub.explode(column)
    assert len(exploded) == int(snapshot[column].list.len().sum())
    assert str(exploded[column].dtype) == "string"
    for other in snapshot.columns:
        if other != column:
            assert exploded[other].dtype == snapshot[other].dtype, other
    pairs = {(m, v) for m, values in zip(snapshot["model_id"], snapshot[column]) for v in values}
    assert set(zip(exploded["model_id"], exploded[column])) == pairs
    assert exploded.attrs["aihubmix"]["operations"][-1] == {"op": "explode", "column": column}


def test_explode_keep_empty_keeps_models_without_values(snapshot):
    exploded = snapshot.aihub.explode("types", keep_empty=True)
    empty = int((snapshot["types"].list.len() == 0).sum())
    assert int(exploded["types"].isna().sum()) == empty == 322
    assert exploded["model_id"].nunique() == len(snapshot)


def test_explode_rejects_scalar_columns(snapshot):
    with pytest.raises(ValueError, match="list columns are"):
        snapshot.aihub.explode("model_id")


def test_accessor_refuses_frames_that_are_not_catalogs():
    with pytest.raises(AttributeError, match="catalog frame"):
        _ = pd.DataFrame({"a": [1]}).aihub


def test_accessor_never_mutates_its_input(snapshot):
    before = snapshot.copy(deep=True)
    attrs_before = {k: dict(v) for k, v in snapshot.attrs.items()}
    snapshot.aihub.explode("features")
    snapshot.aihub.filter(type="llm").aihub.sort("context_length", order="desc")
    _ = snapshot.aihub.features
    pd.testing.assert_frame_equal(snapshot, before)
    assert snapshot.attrs == attrs_before
