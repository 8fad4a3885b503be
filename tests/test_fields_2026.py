"""The fields served since 2026 through catalog_to_frame: real quoted records and generated ones."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aihubmix_frame as ahf
from aihubmix_frame import schema
from aihubmix_frame.errors import FieldValueWarning, SchemaError

NEW_COLUMNS = list(schema.COLUMNS)[list(schema.COLUMNS).index("price_tiers") + 1 :]


def test_schema_declares_the_2026_columns_after_price_tiers_with_meanings():
    assert schema.SCHEMA_VERSION == 2
    assert NEW_COLUMNS[:4] == ["vendor", "variant_of", "family_id", "output_modalities"]
    assert NEW_COLUMNS[-2:] == ["retire_stage", "pricing_source"]
    for column in (
        "vendor",
        "variant_of",
        "family_id",
        "output_modalities",
        *schema.FLAG_FIELDS,
        "reasoning_options",
        *schema.DATE_FIELDS,
        "retire_stage",
        "pricing_source",
    ):
        assert column in NEW_COLUMNS and column in schema.MEANINGS
    assert schema.REASONING_VALUE_MEANINGS == {"no_think": "none", "instant": "minimal"}
    assert all(schema.UNITS[c] == "date" for c in schema.DATE_FIELDS)


def test_the_bundled_snapshot_has_every_2026_column_all_missing(snapshot):
    assert list(snapshot.columns[: len(schema.COLUMNS)]) == list(schema.COLUMNS)
    for column in (
        "vendor",
        "variant_of",
        *schema.FLAG_FIELDS,
        "reasoning_options",
        *schema.DATE_FIELDS,
        "retire_stage",
        "pricing_source",
    ):
        assert snapshot[column].isna().all(), column
    assert (snapshot["output_modalities"].list.len() == 0).all()
    assert not snapshot[list(schema.PRODUCES_COLUMNS)].to_numpy().any()
    assert snapshot["family_id"].tolist() == snapshot["model_id"].tolist()
    assert str(snapshot["release_date"].dtype) == "datetime64[s]" and str(snapshot["reasoning"].dtype) == "boolean"


def test_the_2026_11_record_reads_every_served_field(load_json):
    (quoted,) = load_json("aihubmix_records_2026-11.json")["records"]
    frame = ahf.catalog_to_frame([quoted["record"]])
    row = frame.iloc[0]
    assert row["model_id"] == "deepseek-v4-pro-0813" and row["model_name"] == "DeepSeek V4 Pro"
    assert row["vendor"] == "deepseek" and row["pricing_source"] == "billing_config"
    assert row["reasoning"] == True  # noqa: E712 - a numpy/pandas bool
    assert row["reasoning_options"] == [
        {"type": "toggle", "values": None, "default": None},
        {"type": "effort", "values": ["low", "high", "max"], "default": None},
    ]
    assert float(row["cache_read_usd_per_1m"]) == 0.023058
    assert pd.isna(row["tool_call"]) and pd.isna(row["release_date"]) and pd.isna(row["variant_of"])
    assert row["family_id"] == "deepseek-v4-pro-0813"
    assert list(frame.columns) == list(schema.COLUMNS)  # nothing left over as an extra column


def test_the_2026_09_excerpts_read_reasoning_interleaved_and_options(load_json):
    records = [item["record"] for item in load_json("modelsdev_pr_excerpts_api_v1_models_2026-09.json")["records"]]
    frame = ahf.catalog_to_frame(records).set_index("model_id")
    assert frame["reasoning"].astype(object).where(frame["reasoning"].notna(), None).to_dict() == {
        "hy4-preview": True,
        "ox-alpha": True,
        "gpt-6-astra": True,
        "qwen3.8-flash": True,
        "claude-fable-5-1": None,
        "gemini-3.6-flash": True,
        "deepseek-v4-flash-vision-exp": True,
    }
    assert frame.loc["claude-fable-5-1", "interleaved"] == True  # noqa: E712 - {"anthropic.messages": true}
    assert frame["interleaved"].isna().sum() == 6
    assert frame.loc["claude-fable-5-1", "reasoning_options"][1]["values"] == [
        "low",
        "medium",
        "high",
        "xhigh",
        "max",
    ]


def test_every_2026_field_in_every_documented_shape():
    frame = ahf.catalog_to_frame(
        [
            {
                "model_id": "coding-glm-5",
                "vendor": "zhipu",
                "variant_of": "glm-5",
                "output_modalities": "Text， image",
                "reasoning": False,
                "tool_call": "true",
                "open_weights": 1,
                "interleaved": {"field": "reasoning_content"},
                "reasoning_options": [
                    {"type": "effort", "values": ["no_think", "instant", "high"], "default": "instant"},
                    {"type": "budget_tokens", "min": 1024, "default": 4096},
                ],
                "release_date": "2026-03-27",
                "last_updated": "2026-04-01",
                "knowledge": "2025-05",
                "retire_stage": "deprecated",
                "pricing_source": "billing_config",
            },
            {
                "model_id": "glm-5",
                "output_modalities": ["audio", "video"],
                "reasoning": None,
                "tool_call": False,
                "open_weights": "false",
                "interleaved": False,
                "reasoning_options": [],
                "release_date": None,
                "knowledge": "2025-05-31",
                "vendor": "",
            },
        ]
    )
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["vendor"] == "zhipu" and pd.isna(second["vendor"])
    assert first["variant_of"] == "glm-5" and first["family_id"] == "glm-5" and second["family_id"] == "glm-5"
    assert first["output_modalities"] == ["text", "image"] and second["output_modalities"] == [
        "audio",
        "video",
    ]
    assert frame[list(schema.PRODUCES_COLUMNS)].to_numpy().tolist() == [
        [True, True, False, False],
        [False, False, True, True],
    ]
    assert frame["reasoning"].tolist() == [False, pd.NA]
    assert frame["tool_call"].tolist() == [True, False]
    assert frame["open_weights"].tolist() == [True, False]
    assert frame["interleaved"].tolist() == [True, False]
    assert first["reasoning_options"] == [
        {"type": "effort", "values": ["no_think", "instant", "high"], "default": "instant"},
        {"type": "budget_tokens", "values": None, "default": "4096", "min": 1024},
    ]
    assert second["reasoning_options"] == []  # "no controls", not missing
    assert first["release_date"] == pd.Timestamp("2026-03-27") and pd.isna(second["release_date"])
    assert first["knowledge"] == pd.Timestamp("2025-05-01") and second["knowledge"] == pd.Timestamp("2025-05-31")
    assert first["retire_stage"] == "deprecated" and first["pricing_source"] == "billing_config"


def test_unreadable_dates_and_flags_are_missing_with_one_warning_naming_the_models():
    records = [
        {"model_id": "a", "release_date": "2026-02-30"},
        {"model_id": "b", "release_date": "soon"},
        {"model_id": "c", "reasoning": "maybe", "release_date": "2026-01-02"},
    ]
    with pytest.warns(FieldValueWarning) as caught:
        frame = ahf.catalog_to_frame(records)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "release_date of ['a', 'b']" in message and "reasoning of ['c']" in message
    assert frame["release_date"].isna().tolist() == [True, True, False]
    assert frame.attrs["aihubmix"][schema.UNREADABLE_KEY] == {"release_date": ["a", "b"], "reasoning": ["c"]}


def test_a_malformed_reasoning_options_value_names_the_record():
    with pytest.raises(SchemaError, match=r"record 1 \(model_id='b'\) field 'reasoning_options'"):
        ahf.catalog_to_frame([{"model_id": "a"}, {"model_id": "b", "reasoning_options": "toggle"}])


def test_an_unknown_2026_field_still_lands_as_an_extra_column():
    frame = ahf.catalog_to_frame([{"model_id": "a", "vendor": "x", "region": "sg"}])
    assert list(frame.columns) == [*schema.COLUMNS, "region"] and frame.loc[0, "region"] == "sg"


def test_pyarrow_accepts_a_frame_with_every_2026_field(load_json):
    (quoted,) = load_json("aihubmix_records_2026-11.json")["records"]
    frame = ahf.catalog_to_frame(
        [
            quoted["record"],
            {
                "model_id": "x",
                "release_date": "2026-01-01",
                "interleaved": True,
                "variant_of": "deepseek-v4-pro-0813",
            },
        ]
    )
    table = pa.Table.from_pandas(frame)
    assert table.schema.field("release_date").type == pa.timestamp("s")
    assert table.schema.field("reasoning").type == pa.bool_()
    assert table.column("reasoning_options").to_pylist()[0][1]["values"] == ["low", "high", "max"]
    assert table.column("family_id").to_pylist() == ["deepseek-v4-pro-0813"] * 2


# --- generated records in the documented shapes ---------------------------------------------------

flags = st.sampled_from([True, False, None, "true", "false", 0, 1, {"anthropic.messages": True}, {}])
good_dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)).map(str)
bad_dates = st.sampled_from(["2026-13-01", "2026-02-30", "yesterday", "2026/01/01"])
options = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(list(schema.REASONING_OPTION_TYPES))},
        optional={
            "values": st.lists(st.sampled_from(["low", "high", "max", "no_think", "instant"]), max_size=3),
            "default": st.sampled_from(["low", "instant", "no_think"]),
        },
    ),
    max_size=3,
)
records = st.fixed_dictionaries(
    {},
    optional={
        "vendor": st.sampled_from(["deepseek", "zhipu", "", None]),
        "output_modalities": st.sampled_from(["text", "text,image", "", "Audio， video", None]),
        "reasoning": flags,
        "tool_call": flags,
        "open_weights": flags,
        "interleaved": flags,
        "reasoning_options": options | st.none(),
        "release_date": good_dates | bad_dates | st.none(),
        "knowledge": good_dates | st.none(),
        "retire_stage": st.sampled_from(["deprecated", None]),
        "pricing_source": st.sampled_from(["billing_config", None]),
    },
)


def expected_flag(value):
    if isinstance(value, dict):
        return any(value.values()) if value else None
    return {True: True, False: False, None: None, "true": True, "false": False}[value]


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, min_size=1, max_size=5))
def test_generated_2026_records_normalise_as_documented(drawn):
    data = [{"model_id": f"m{i}", **record} for i, record in enumerate(drawn)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FieldValueWarning)
        frame = ahf.catalog_to_frame(data)
    bad = [
        r["model_id"] for r in data if r.get("release_date") in ("2026-13-01", "2026-02-30", "yesterday", "2026/01/01")
    ]
    assert len([w for w in caught if issubclass(w.category, FieldValueWarning)]) == (1 if bad else 0)
    for i, record in enumerate(data):
        row = frame.iloc[i]
        for field in schema.FLAG_FIELDS:
            want = expected_flag(record.get(field))
            assert pd.isna(row[field]) if want is None else row[field] == want, (field, record.get(field))
        date = record.get("release_date")
        if date is None or record["model_id"] in bad:
            assert pd.isna(row["release_date"])
        else:
            assert row["release_date"] == pd.Timestamp(date)
        if record.get("reasoning_options") is None:
            assert row["reasoning_options"] is pd.NA
        else:
            got = row["reasoning_options"]
            assert [o["type"] for o in got] == [o["type"] for o in record["reasoning_options"]]
            assert [o["values"] for o in got] == [o.get("values") for o in record["reasoning_options"]]
            assert [o["default"] for o in got] == [o.get("default") for o in record["reasoning_options"]]
        vendor = record.get("vendor")
        assert pd.isna(row["vendor"]) if not vendor else row["vendor"] == vendor
        expected_outputs = schema.split_tokens(record.get("output_modalities"), "output_modalities")
        assert row["output_modalities"] == list(expected_outputs)
        assert [row[f"produces_{m}"] for m in schema.OUTPUT_MODALITIES] == [
            m in expected_outputs for m in schema.OUTPUT_MODALITIES
        ]
    assert np.all(frame["family_id"].to_numpy() == frame["model_id"].to_numpy())
    pa.Table.from_pandas(frame)


def test_upgrade_frame_gives_a_version_1_frame_the_2026_columns(snapshot, tmp_path):
    from aihubmix_frame.upgrade import ADDED_IN, upgrade_frame

    version_1 = snapshot.drop(columns=list(ADDED_IN[2])).iloc[::-1]
    version_1["extra"] = 1
    upgraded = upgrade_frame(version_1)
    assert list(upgraded.columns) == [*schema.COLUMNS, "extra"]
    expected = snapshot.iloc[::-1].assign(extra=1)
    pd.testing.assert_frame_equal(upgraded, expected, check_exact=True)
    assert upgraded.attrs == version_1.attrs
    assert upgrade_frame(snapshot).equals(snapshot)
    assert list(upgrade_frame(version_1.iloc[:0]).columns) == [*schema.COLUMNS, "extra"]
