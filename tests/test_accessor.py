"""The .aihub accessor: validation, statelessness, provenance, new frames, documented examples."""

from __future__ import annotations

import copy
import doctest
import inspect
import json

import numpy as np
import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.accessor import AihubAccessor

PUBLIC = [name for name, _ in inspect.getmembers(AihubAccessor) if not name.startswith("_")]


def test_non_catalog_frame_has_no_accessor():
    plain = pd.DataFrame({"a": [1, 2]})
    assert not hasattr(plain, "aihub")
    with pytest.raises(AttributeError, match=r"lacks \['model_id', 'types'.*load_catalog"):
        plain.aihub  # noqa: B018


def test_frame_missing_one_required_column_is_rejected(snapshot):
    with pytest.raises(AttributeError, match="features"):
        snapshot.drop(columns=["features"]).aihub  # noqa: B018


def test_accessor_holds_nothing_but_the_frame(snapshot):
    accessor = snapshot.aihub
    assert vars(accessor) == {"_frame": accessor._frame}
    assert accessor._frame is snapshot
    snapshot.aihub.filter(type="llm")
    assert vars(snapshot.aihub).keys() == {"_frame"}


@pytest.mark.parametrize(
    "call",
    [
        lambda df: df.aihub.filter(type="llm", features="thinking", min_context=np.int64(100_000)),
        lambda df: df.aihub.sort("context_length", order="desc"),
        lambda df: df.aihub.search("gpt5", limit=np.int64(3)),
        lambda df: df.aihub.explode("features"),
    ],
)
def test_methods_return_new_frames_with_provenance(snapshot, call):
    before = copy.deepcopy(snapshot)
    result = call(snapshot)
    assert result is not snapshot
    pd.testing.assert_frame_equal(snapshot, before)
    assert snapshot.attrs == before.attrs
    assert "operations" not in snapshot.attrs["aihubmix"]
    provenance = result.attrs["aihubmix"]
    assert provenance["source"] == "snapshot"
    assert len(provenance["operations"]) == 1
    json.dumps(result.attrs)  # stays JSON-serialisable (Parquet metadata needs it)


def test_filter_records_its_arguments(snapshot):
    result = snapshot.aihub.filter(type=["t2t"], model="gpt", max_input_price=np.float64(2.5))
    assert result.attrs["aihubmix"]["operations"] == [
        {"op": "filter", "type": ["llm"], "model": "gpt", "max_input_price": 2.5}  # as normalised
    ]


def test_chained_operations_accumulate(snapshot):
    result = snapshot.aihub.filter(type="llm").aihub.sort("model_ratio").aihub.search("claude")
    assert [op["op"] for op in result.attrs["aihubmix"]["operations"]] == ["filter", "sort", "search"]


def test_editing_a_result_leaves_the_input_alone(snapshot):
    before = snapshot["input_usd_per_1m"].copy()
    result = snapshot.aihub.filter(type="llm")
    result.loc[result.index[0], "input_usd_per_1m"] = 999.0
    result.attrs["aihubmix"]["source"] = "edited"
    pd.testing.assert_series_equal(snapshot["input_usd_per_1m"], before)
    assert snapshot.attrs["aihubmix"]["source"] == "snapshot"


def test_long_views_agree_with_flags(snapshot):
    assert list(snapshot.aihub.features.columns) == ["model_id", "feature"]
    assert list(snapshot.aihub.modalities.columns) == ["model_id", "modality"]
    types = snapshot.aihub.types
    assert int((types["type"] == "llm").sum()) == sum("llm" in t for t in snapshot["types"])


def test_explode_rejects_scalar_columns(snapshot):
    with pytest.raises(ValueError, match="list columns are"):
        snapshot.aihub.explode("model_id")


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_member_has_a_running_example(name):
    member = inspect.getattr_static(AihubAccessor, name)
    function = member.fget if isinstance(member, property) else member
    docstring = inspect.getdoc(function) or ""
    assert ">>>" in docstring, f"AihubAccessor.{name} needs a docstring example"
    test = doctest.DocTestParser().get_doctest(docstring, {}, name, None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries > 0


def test_public_members_are_the_documented_ones():
    assert set(PUBLIC) >= {"filter", "sort", "search", "explode", "features", "modalities", "types"}


def test_works_on_a_frame_from_catalog_to_frame(load_json):
    frame = ahf.catalog_to_frame(load_json("docs_aihubmix_cn_Models-API_example_response.json"))
    codex = frame.aihub.sort("coding")["model_id"].iloc[0]
    assert "codex" in codex
    assert frame.aihub.search("gpt5 codex", limit=1)["model_id"].iloc[0] == "gpt-5-codex"
