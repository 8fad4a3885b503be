"""catalog_to_frame on real payloads and on every documented edge case."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame import schema
from aihubmix_frame.errors import APIError, DuplicateModelWarning, SchemaError

EXPECTED_COLUMNS = list(schema.COLUMNS)


def row(frame: pd.DataFrame, model_id: str) -> pd.Series:
    hits = frame[frame["model_id"] == model_id]
    assert len(hits) == 1, f"expected exactly one row for {model_id!r}, got {len(hits)}"
    return hits.iloc[0]


def assert_schema(frame: pd.DataFrame) -> None:
    assert list(frame.columns[: len(EXPECTED_COLUMNS)]) == EXPECTED_COLUMNS
    for column, kind in schema.COLUMNS.items():
        dtype = frame[column].dtype
        if kind == "list":
            assert isinstance(dtype, pd.ArrowDtype) and str(dtype.pyarrow_dtype) == "list<item: string>", column
        elif kind == "string":
            assert isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA, column
        else:
            assert str(dtype) == kind, (column, dtype)


# --- the worked example of DESIGN.md section 3 ----------------------------------------------------

WORKED = {
    "model_id": "doubao-x",
    "desc": "",
    "types": "t2t",
    "features": "Thinking，tools,tool",
    "input_modalities": "text, image",
    "max_output": 0,
    "context_length": "256000",
    "pricing": {"input": 0.8, "output": 2},
    "vendor": "ByteDance",
}


def test_worked_example_row_by_row():
    frame = ahf.catalog_to_frame({"data": [WORKED], "message": "", "success": True})
    assert_schema(frame)
    r = frame.iloc[0]
    assert r["model_id"] == "doubao-x"
    assert r["desc"] is pd.NA and r["model_name"] is pd.NA
    assert r["types"] == ["llm"]
    assert r["features"] == ["thinking", "tools"]
    assert r["input_modalities"] == ["text", "image"]
    assert r["has_thinking"] and r["has_tools"]
    assert not any(r[c] for c in schema.HAS_COLUMNS if c not in ("has_thinking", "has_tools"))
    assert r["accepts_text"] and r["accepts_image"]
    assert not (r["accepts_audio"] or r["accepts_video"] or r["accepts_pdf"])
    assert r["max_output"] is pd.NA
    assert r["context_length"] == 256000
    assert r["input_usd_per_1m"] == 0.8 and r["output_usd_per_1m"] == 2.0
    assert r["cache_read_usd_per_1m"] is pd.NA and r["cache_write_usd_per_1m"] is pd.NA
    assert r["price_tiers"] is pd.NA
    assert list(frame.columns) == EXPECTED_COLUMNS  # vendor is a schema column since schema version 2
    assert r["vendor"] == "ByteDance" and r["family_id"] == "doubao-x"


def test_provenance_keys_are_present_and_json_serialisable():
    frame = ahf.catalog_to_frame([WORKED], provenance={"source": "network", "etag": '"abc"'})
    provenance = frame.attrs["aihubmix"]
    assert set(schema.PROVENANCE_KEYS) <= set(provenance)
    assert provenance["price_unit"] == "USD per 1M tokens"
    assert provenance["source"] == "network" and provenance["etag"] == '"abc"'
    assert provenance["package_version"] == ahf.__version__
    json.dumps(frame.attrs)


# --- the bundled snapshot ---------------------------------------------------------------------------


def test_snapshot_shape_schema_and_provenance(snapshot, snapshot_payload):
    assert len(snapshot) == len(snapshot_payload["data"]) == 804
    assert_schema(snapshot)
    provenance = snapshot.attrs["aihubmix"]
    assert provenance["source"] == "snapshot"
    assert provenance["snapshot_date"] == "2026-07-02"
    assert "PublicProviderConf" in provenance["snapshot_note"]
    # server order kept, index is the position
    assert snapshot["model_id"].tolist() == [r["model_id"] for r in snapshot_payload["data"]]
    assert snapshot.index.equals(pd.RangeIndex(804))


def test_anchor_prices_are_usd_per_1m(snapshot):
    gpt4o = row(snapshot, "gpt-4o")
    assert (gpt4o["input_usd_per_1m"], gpt4o["output_usd_per_1m"]) == (2.5, 10.0)
    assert gpt4o["cache_read_usd_per_1m"] == 1.25
    gpt5 = row(snapshot, "gpt-5")
    assert (gpt5["input_usd_per_1m"], gpt5["output_usd_per_1m"]) == (1.25, 10.0)
    opus = row(snapshot, "claude-opus-4-6")
    assert (opus["input_usd_per_1m"], opus["output_usd_per_1m"]) == (5.0, 25.0)
    assert (opus["cache_read_usd_per_1m"], opus["cache_write_usd_per_1m"]) == (0.5, 6.25)


def test_snapshot_counts_match_an_independent_count_of_the_raw_json(snapshot, snapshot_payload):
    records = snapshot_payload["data"]

    def raw_tokens(value):
        return [t.strip().lower() for t in re.split("[,，]", value or "") if t.strip()]

    empty_types = sum(1 for r in records if not raw_tokens(r["types"]))
    assert int((snapshot["types"].list.len() == 0).sum()) == empty_types == 322
    assert int((snapshot["features"].list.len() == 0).sum()) == 518
    assert int((snapshot["input_modalities"].list.len() == 0).sum()) == 339
    assert int(snapshot["desc"].isna().sum()) == sum(1 for r in records if not (r["desc"] or "").strip())
    for feature in schema.FEATURES:
        expected = sum(
            1 for r in records if feature in {schema.FEATURE_ALIASES.get(t, t) for t in raw_tokens(r["features"])}
        )
        assert int(snapshot[f"has_{feature}"].sum()) == expected, feature
    with_cache_read = sum(1 for r in records if "cache_read" in r["pricing"])
    assert int(snapshot["cache_read_usd_per_1m"].notna().sum()) == with_cache_read == 353
    assert int(snapshot["cache_write_usd_per_1m"].notna().sum()) == 30
    zero_context = sum(1 for r in records if r["context_length"] in (0, "0", None))
    assert int(snapshot["context_length"].isna().sum()) == zero_context


def test_full_width_comma_in_real_record_is_split(snapshot_payload):
    raw = [r for r in snapshot_payload["data"] if "，" in r["features"]]
    assert raw, "the 2026-07-02 snapshot has a feature string with a full-width comma"
    frame = ahf.catalog_to_frame(raw)
    for features in frame["features"]:
        assert all("，" not in f and "," not in f for f in features)
    assert frame["has_tools"].all() and frame["has_thinking"].all()


def test_multi_valued_and_undocumented_types_are_kept(snapshot):
    multi = snapshot[snapshot["types"].list.len() > 1]
    assert len(multi) >= 20
    present = {t for types in snapshot["types"] for t in types}
    assert {"ocr", "search", "llm", "image_generation"} <= present
    assert all(t == t.lower().strip() for t in present)


def test_case_variant_ids_stay_separate_with_their_own_prices(snapshot):
    upper = row(snapshot, "Qwen2.5-VL-72B-Instruct")
    lower = row(snapshot, "qwen2.5-vl-72b-instruct")
    assert (upper["input_usd_per_1m"], upper["output_usd_per_1m"]) == (0.62, 0.62)
    assert (lower["input_usd_per_1m"], lower["output_usd_per_1m"]) == (2.4, 7.2)
    lowered = snapshot["model_id"].str.lower()
    assert snapshot["model_id"].is_unique and lowered.nunique() == 796


# --- the other real files ---------------------------------------------------------------------------


def test_docs_example_response(load_json):
    payload = load_json("docs_aihubmix_cn_Models-API_example_response.json")
    frame = ahf.catalog_to_frame(payload)
    assert frame["model_id"].tolist() == [r["model_id"] for r in payload["data"]]
    gpt5 = row(frame, "gpt-5")
    assert gpt5["features"] == ["thinking", "tools", "function_calling", "structured_outputs"]
    assert gpt5["max_output"] == 128000 and gpt5["context_length"] == 400000


def test_2026_09_excerpts_keep_tiers_reasoning_and_map_aliases(load_json):
    excerpts = load_json("modelsdev_pr_excerpts_api_v1_models_2026-09.json")
    frame = ahf.catalog_to_frame([item["record"] for item in excerpts["records"]])
    assert len(frame) == 7
    astra = row(frame, "gpt-6-astra")
    (tier,) = astra["price_tiers"]
    assert tier["tier"] == {"size": 272000, "type": "context"}
    assert (tier["input"], tier["output"], tier["cache_read"], tier["cache_write"]) == (20.0, 75.0, 2.0, 25.0)
    assert astra["input_usd_per_1m"] == 10.0
    ox = row(frame, "ox-alpha")
    assert ox["features"] == ["thinking", "function_calling", "long_context"]  # reasoning, tool_calling
    assert ox["has_thinking"] and ox["has_function_calling"] and not ox["has_tools"]
    assert "reasoning" in frame.columns and "reasoning_options" in frame.columns
    fable = row(frame, "claude-fable-5-1")
    assert fable["reasoning_options"][1]["values"][-1] == "max"
    assert fable["interleaved"] == True  # noqa: E712 - served as {"anthropic.messages": true}
    assert frame["price_tiers"].isna().sum() == 6


def test_legacy_type_codes_from_the_2025_10_website_file(load_json):
    raw = load_json("publicproviderconf_dist_aihubmix_2025-10-03_1f3772f2.json")
    # The website endpoint of 2025-10 sent legacy codes (t2t, t2i, t2v, reranking) as lists.
    records = [
        {"model_id": m["id"], "types": m["metadata"]["typeHints"], "features": m["metadata"].get("features")}
        for m in raw["models"]
        if m["metadata"].get("typeHints")
    ]
    legacy_in_input = {t for r in records for t in r["types"] if t in schema.TYPE_ALIASES}
    assert legacy_in_input == {"t2t", "t2i", "t2v", "reranking"}
    frame = ahf.catalog_to_frame(records)
    seen = {t for types in frame["types"] for t in types}
    assert not seen & set(schema.TYPE_ALIASES), "legacy codes must be mapped"
    expected_llm = sum(1 for r in records if "t2t" in r["types"])
    assert int(frame["types"].map(lambda t: "llm" in t).sum()) == expected_llm
    both = frame[frame["model_id"].isin([r["model_id"] for r in records if r["types"] == ["embedding", "reranking"]])]
    assert [list(t) for t in both["types"]] == [["embedding", "rerank"]]


@pytest.mark.parametrize("code, canonical", sorted(schema.TYPE_ALIASES.items()))
def test_each_legacy_type_code_maps(code, canonical):
    frame = ahf.catalog_to_frame([{"model_id": "x", "types": f" {code.upper()} ,{canonical}"}])
    assert frame.loc[0, "types"] == [canonical]


def test_catwalk_raw_fields_csv_round_through_the_normaliser(data_path):
    """The 2026-08-21 catwalk catalog mapped back to raw fields: numbers arrive as CSV text."""
    import csv

    with data_path("catwalk_aihubmix_2026-08-21_as_raw_fields.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    records = [
        {
            "model_id": r["model_id"],
            "model_name": r["model_name"],
            "context_length": r["context_length"],
            "max_output": r["max_output_if_recoverable"],
            "pricing": {key: r[f"pricing_{key}"] for key in ("input", "output", "cache_read", "cache_write")},
        }
        for r in rows
    ]
    frame = ahf.catalog_to_frame(records)
    assert len(frame) == len(rows) == 284
    assert frame["input_usd_per_1m"].notna().all()
    assert frame["input_usd_per_1m"].tolist() == [float(r["pricing_input"]) for r in rows]
    assert int(frame["context_length"].isna().sum()) == sum(r["context_length"] in ("", "0") for r in rows)


# --- edge cases --------------------------------------------------------------------------------------


def test_lists_and_numeric_strings_are_accepted():
    frame = ahf.catalog_to_frame(
        [
            {
                "model_id": "a",
                "types": ["LLM", "search"],
                "features": ["tool_calling", " web "],
                "input_modalities": ["Text", "text", "pdf"],
                "max_output": "8192",
                "context_length": 128000.0,
                "pricing": {"input": "0.5", "output": 1, "cache_read": "0.05"},
            }
        ]
    )
    r = frame.iloc[0]
    assert r["types"] == ["llm", "search"]
    assert r["features"] == ["function_calling", "web"]
    assert r["input_modalities"] == ["text", "pdf"]
    assert (r["max_output"], r["context_length"]) == (8192, 128000)
    assert (r["input_usd_per_1m"], r["cache_read_usd_per_1m"]) == (0.5, 0.05)


def test_empty_data_gives_the_full_schema():
    for payload in ({"data": [], "success": True, "message": ""}, [], {"data": None, "success": True}):
        frame = ahf.catalog_to_frame(payload)
        assert len(frame) == 0
        assert_schema(frame)


def test_success_false_raises_api_error_with_the_server_message(load_json):
    errors = load_json("docs_aihubmix_cn_Models-API_legacy_and_error_examples.json")["error_examples"]
    with pytest.raises(APIError, match="请求参数格式错误"):
        ahf.catalog_to_frame(errors["400"])


@pytest.mark.parametrize(
    "record, field",
    [
        ({"types": "llm"}, "model_id"),
        ({"model_id": ""}, "model_id"),
        ({"model_id": 12}, "model_id"),
        ({"model_id": "m", "pricing": {"input": "cheap", "output": 1}}, "pricing.input"),
        ({"model_id": "m", "pricing": {"input": 1, "output": True}}, "pricing.output"),
        ({"model_id": "m", "pricing": {"input": -1, "output": 1}}, "pricing.input"),
        ({"model_id": "m", "pricing": [1, 2]}, "pricing"),
        ({"model_id": "m", "features": {"thinking": True}}, "features"),
        ({"model_id": "m", "types": 3}, "types"),
        ({"model_id": "m", "input_modalities": ["text", 3]}, "input_modalities"),
        ({"model_id": "m", "context_length": "lots"}, "context_length"),
        ({"model_id": "m", "max_output": 1.5}, "max_output"),
        ({"model_id": "m", "desc": ["x"]}, "desc"),
        ({"model_id": "m", "pricing": {"input": 1, "tiers": {"size": 1}}}, "pricing.tiers"),
        ({"model_id": "m", "pricing": {"input": 1, "tiers": [{"input": 2}]}}, "pricing.tiers"),
    ],
)
def test_bad_records_raise_schema_error_naming_index_id_and_field(record, field):
    good = {"model_id": "ok", "pricing": {"input": 1, "output": 1}}
    with pytest.raises(SchemaError) as info:
        ahf.catalog_to_frame([good, record])
    message = str(info.value)
    assert "record 1" in message and repr(field) in message
    assert repr(record.get("model_id")) in message


@pytest.mark.parametrize("payload", ["not json", 3, {"models": []}, {"data": {"a": 1}}, [1, 2]])
def test_bad_payload_shapes_raise_schema_error(payload):
    with pytest.raises(SchemaError):
        ahf.catalog_to_frame(payload)


def test_unknown_fields_and_pricing_keys_are_kept_not_dropped():
    frame = ahf.catalog_to_frame(
        [
            {
                "model_id": "a",
                "launch_day": "2026-01-01",
                "pricing": {"input": 1, "output": 2, "per_image": 0.04},
            },
            {"model_id": "b", "stage": 2, "has_thinking": "yes"},
        ]
    )
    assert list(frame.columns[len(EXPECTED_COLUMNS) :]) == [
        "launch_day",
        "stage",
        "has_thinking_raw",
        "pricing_per_image",
    ]
    assert frame.loc[0, "launch_day"] == "2026-01-01" and pd.isna(frame.loc[1, "launch_day"])
    assert frame.loc[1, "stage"] == 2
    assert frame.loc[0, "pricing_per_image"] == 0.04
    assert frame.loc[1, "has_thinking_raw"] == "yes" and not frame.loc[1, "has_thinking"]


def test_duplicate_ids_warn_and_keep_every_row():
    with pytest.warns(DuplicateModelWarning, match="'a'"):
        frame = ahf.catalog_to_frame([{"model_id": "a"}, {"model_id": "a"}, {"model_id": "b"}])
    assert frame["model_id"].tolist() == ["a", "a", "b"]


def test_tiers_are_sorted_by_size_and_numbers_normalised():
    frame = ahf.catalog_to_frame(
        [
            {
                "model_id": "t",
                "pricing": {
                    "input": 1,
                    "output": 2,
                    "tiers": [
                        {"input": "3", "output": 6, "tier": {"size": "200000", "type": "context"}},
                        {"input": 2, "output": 4, "tier": {"size": 100000, "type": "context"}},
                    ],
                },
            }
        ]
    )
    tiers = frame.loc[0, "price_tiers"]
    assert [t["tier"]["size"] for t in tiers] == [100000, 200000]
    assert tiers[1]["input"] == 3.0


def test_load_snapshot_returns_independent_copies():
    first = ahf.load_snapshot()
    first.loc[0, "model_id"] = "changed"
    first.attrs["aihubmix"]["source"] = "changed"
    tiers = first["price_tiers"].dropna()
    second = ahf.load_snapshot()
    assert second.loc[0, "model_id"] == "auto"
    assert second.attrs["aihubmix"]["source"] == "snapshot"
    assert len(tiers) == len(second["price_tiers"].dropna())


def test_placeholder_prices_are_flagged_on_image_and_video_models(snapshot):
    from aihubmix_frame.frame import placeholder_price_mask

    mask = placeholder_price_mask(snapshot)
    flagged = snapshot[mask]
    is_media = flagged["types"].map(lambda t: "video" in t or "image_generation" in t)
    assert is_media.all()
    video = snapshot[snapshot["types"].map(lambda t: "video" in t)]
    two_zero = (video["input_usd_per_1m"] == 2) & (video["output_usd_per_1m"] == 0)
    assert int(two_zero.sum()) == 26  # the realdata README's count
    expected = two_zero | ((video["input_usd_per_1m"] == 2) & (video["output_usd_per_1m"] == 2))
    assert placeholder_price_mask(video).tolist() == expected.tolist()
    assert not mask[snapshot["model_id"].eq("gpt-4o").to_numpy()].any()
