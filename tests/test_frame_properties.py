"""Hypothesis: any JSON-like record either normalises to the schema or raises SchemaError."""

from __future__ import annotations

import re
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aihubmix_frame as ahf
from aihubmix_frame import schema
from aihubmix_frame.errors import SchemaError

json_scalars = (
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | st.text(max_size=12)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)

token = st.sampled_from(
    [
        "llm",
        "t2t",
        "Thinking",
        "tool",
        " web ",
        "",
        "ocr",
        "text",
        "IMAGE",
        "pdf",
        "tool_calling",
        "reasoning",
        "search",
        "x-new",
    ]
)
token_text = st.lists(token, max_size=5).map(lambda parts: st_join(parts))


def st_join(parts):
    return "".join(p + (", " if i % 2 else "，") for i, p in enumerate(parts))


list_field = token_text | st.lists(token, max_size=4) | json_values
number = st.integers(0, 10**7) | st.floats(0, 1e4, allow_nan=False) | st.integers(0, 10**6).map(str) | json_values
pricing = (
    st.fixed_dictionaries(
        {},
        optional={
            "input": number,
            "output": number,
            "cache_read": number,
            "cache_write": number,
            "tiers": st.lists(
                st.fixed_dictionaries(
                    {
                        "input": number,
                        "tier": st.fixed_dictionaries({"size": number, "type": st.just("context")}),
                    }
                ),
                max_size=2,
            )
            | json_values,
            "per_image": json_values,
        },
    )
    | json_values
)

records = st.fixed_dictionaries(
    {"model_id": st.text(min_size=1, max_size=20) | json_values},
    optional={
        "desc": st.text(max_size=10) | json_values,
        "model_name": st.text(max_size=10) | json_values,
        "types": list_field,
        "features": list_field,
        "input_modalities": list_field,
        "max_output": number,
        "context_length": number,
        "pricing": pricing,
        "vendor": json_values,
        "release_date": json_values,
    },
)


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, max_size=4))
def test_any_json_like_record_normalises_or_raises_schema_error(data):
    ids = [r.get("model_id") for r in data]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ahf.DuplicateModelWarning)  # drawn ids may repeat
            warnings.simplefilter("ignore", ahf.errors.FieldValueWarning)  # drawn dates may not parse
            frame = ahf.catalog_to_frame({"data": data, "success": True, "message": ""})
    except SchemaError as exc:
        assert re.search(r"record \d+", str(exc)) or "payload" in str(exc)
        return
    assert len(frame) == len(data)
    assert list(frame.columns[: len(schema.COLUMNS)]) == list(schema.COLUMNS)
    assert frame["model_id"].tolist() == ids
    for column in schema.LIST_COLUMNS:
        for cell in frame[column]:
            assert all(t == t.strip().lower() and t and "," not in t and "，" not in t for t in cell)
            assert len(set(cell)) == len(cell)
            assert not set(cell) & set(schema.FEATURE_ALIASES if column == "features" else {})
    for feature in schema.FEATURES:
        assert frame[f"has_{feature}"].tolist() == [feature in cell for cell in frame["features"]]
    for column in schema.PRICE_COLUMNS:
        values = frame[column].dropna()
        assert (values >= 0).all()
    for column in schema.LIMIT_FIELDS:
        assert not (frame[column].fillna(1) == 0).any(), "0 limits must become NA"


@given(st.lists(st.sampled_from(["a", "A", " b", "c ", "", "tool", "tools", "，", ","]), max_size=8))
def test_split_tokens_is_idempotent_and_canonical(parts):
    from aihubmix_frame.schema import split_tokens

    once = split_tokens(",".join(parts), "features")
    assert split_tokens(list(once), "features") == once
    assert split_tokens("，".join(once), "features") == once
    assert len(once) == len(set(once))
