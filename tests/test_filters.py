"""filter / sort: parity with a plain-Python reference over the raw records, edge cases, evidence."""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import helpers_reference as ref
import numpy as np
import pandas as pd
import pytest
from helpers_parity import IDS, RECORDS, filter_sort_params
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aihubmix_frame as ahf
from aihubmix_frame import filters, schema

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ahf.load_snapshot()
FILTER_KEYS = (
    "type",
    "modalities",
    "features",
    "model",
    "min_context",
    "min_output",
    "max_input_price",
    "max_output_price",
)


def accessor_ids(frame: pd.DataFrame, params: dict) -> list[str]:
    result = frame.aihub.filter(**{k: params.get(k) for k in FILTER_KEYS})
    if params.get("sort_by"):
        result = result.aihub.sort(params["sort_by"], order=params["sort_order"])
    return result["model_id"].tolist()


# --- parity with the reference --------------------------------------------------------------------


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=filter_sort_params())
def test_accessor_matches_reference(params):
    expected = ref.select(RECORDS, **params)
    assert accessor_ids(SNAPSHOT, params) == expected


@pytest.mark.parametrize(
    "params",
    [
        dict(type="llm", modalities="text,image", features="thinking,tools", sort_by="model_ratio"),
        dict(type="t2t,t2i", features=["tool"], sort_by="context_length", sort_order="desc"),
        dict(type="LLM", model="Qwen/", sort_by="coding", sort_order="desc"),
        dict(features="reasoning，web", sort_by="order", sort_order="desc"),
        dict(type="embedding,rerank", modalities=["TEXT"]),
        dict(model="(33)", sort_by="model_ratio", sort_order="desc"),
        dict(type="search", max_input_price=1, min_context=100_000, sort_by="context_length"),
    ],
)
def test_examples_match_reference(params):
    params = {"sort_order": "asc", **params}
    expected = ref.select(RECORDS, **params)
    assert expected, "each example should select some models"
    assert accessor_ids(SNAPSHOT, params) == expected


def test_reference_agrees_with_frame_on_every_record():
    """The reference's reading of raw records matches the frame's columns, field by field."""
    for position, record in enumerate(RECORDS):
        row = SNAPSHOT.iloc[position]
        assert row["model_id"] == record["model_id"]
        assert list(row["types"]) == ref.tokens(record.get("types"), ref.LEGACY_TYPES)
        assert list(row["features"]) == ref.tokens(record.get("features"), ref.FEATURE_SYNONYMS)
        assert list(row["input_modalities"]) == ref.tokens(record.get("input_modalities"))
        for column, value in (
            ("context_length", ref.limit(record, "context_length")),
            ("max_output", ref.limit(record, "max_output")),
            ("input_usd_per_1m", ref.price(record, "input")),
        ):
            assert (pd.isna(row[column]) and value is None) or row[column] == value


# --- filter semantics -----------------------------------------------------------------------------


def test_type_matches_any_of_a_models_types():
    hits = SNAPSHOT.aihub.filter(type="search")
    assert len(hits) > 0
    assert all("search" in types for types in hits["types"])
    # Multi-typed models ("llm,search") are found by either of their types.
    both = [i for i, r in zip(IDS, RECORDS) if {"llm", "search"} <= set(ref.tokens(r.get("types")))]
    assert both and set(both) <= set(SNAPSHOT.aihub.filter(type="llm")["model_id"])


def test_legacy_type_codes_equal_new_codes():
    for legacy, new in schema.TYPE_ALIASES.items():
        assert (
            SNAPSHOT.aihub.filter(type=legacy)["model_id"].tolist()
            == SNAPSHOT.aihub.filter(type=new)["model_id"].tolist()
        )


def test_every_listed_feature_is_required():
    both = SNAPSHOT.aihub.filter(features="thinking,web")
    thinking = set(SNAPSHOT.aihub.filter(features="thinking")["model_id"])
    web = set(SNAPSHOT.aihub.filter(features="web")["model_id"])
    assert set(both["model_id"]) == thinking & web
    assert len(thinking & web) < min(len(thinking), len(web))


@pytest.mark.parametrize("fragment", ["/", ":", "@", "(", ")", ":free", "@2024", "(33)"])
def test_model_substring_with_special_characters(fragment):
    expected = [i for i in IDS if fragment.lower() in i.lower()]
    assert expected
    assert SNAPSHOT.aihub.filter(model=fragment)["model_id"].tolist() == expected


def test_model_substring_is_case_insensitive_and_exact_ids_stay_distinct():
    hits = SNAPSHOT.aihub.filter(model="QWEN2.5-VL-72B-INSTRUCT")["model_id"].tolist()
    assert "Qwen/Qwen2.5-VL-72B-Instruct" in hits and "qwen2.5-vl-72b-instruct" in hits


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(type="chat"), "known values: llm, image_generation"),
        (dict(type="llm,chat"), "'chat'"),
        (dict(features="vision"), "structured_outputs"),
        (dict(modalities="3d"), "pdf"),
    ],
)
def test_unknown_values_warn_naming_known_ones_and_match_nothing_extra(kwargs, message):
    # Policy (issue 9): warn with the known values, then filter by the same rule (no model has it).
    with pytest.warns(ahf.UnknownValueWarning, match="unknown") as caught:
        hits = SNAPSHOT.aihub.filter(**kwargs)
    assert message in str(caught[0].message)
    # "llm,chat": any of the types, so the llm models and nothing more; the others match nothing.
    expected = SNAPSHOT.aihub.filter(type="llm") if kwargs.get("type") == "llm,chat" else SNAPSHOT.iloc[:0]
    assert hits["model_id"].tolist() == expected["model_id"].tolist()


def test_unknown_value_warning_suggests_the_close_known_value():
    with pytest.warns(ahf.UnknownValueWarning, match=r"'thinkng' \(did you mean 'thinking'\?\)"):
        SNAPSHOT.aihub.filter(features="thinkng")


def test_unknown_value_message_lists_values_present_in_the_frame():
    with pytest.warns(ahf.UnknownValueWarning) as caught:
        SNAPSHOT.aihub.filter(type="chat")
    text = str(caught[0].message)
    assert "ocr" in text and "search" in text
    assert "t2t=llm" in text  # the legacy codes are named as accepted


def test_undocumented_value_present_in_the_frame_is_accepted_without_a_warning():
    frame = ahf.catalog_to_frame(
        [
            {"model_id": "a", "features": "interleaved,thinking", "input_modalities": "text,3d"},
            {"model_id": "b", "features": "thinking"},
        ]
    )
    assert frame.aihub.filter(features="interleaved")["model_id"].tolist() == ["a"]
    assert frame.aihub.filter(modalities="3d,text")["model_id"].tolist() == ["a"]
    only_b = frame.aihub.filter(model="b")
    with pytest.warns(ahf.UnknownValueWarning, match="interleaved"):
        assert len(only_b.aihub.filter(features="interleaved")) == 0


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(model=3), TypeError),
        (dict(type=5), TypeError),
        (dict(min_context="1000"), TypeError),
        (dict(max_input_price=True), TypeError),
        (dict(max_input_price=float("nan")), ValueError),
    ],
)
def test_bad_argument_types_raise_clearly(kwargs, error):
    with pytest.raises(error):
        SNAPSHOT.aihub.filter(**kwargs)


def test_empty_and_blank_conditions_do_not_filter():
    assert len(SNAPSHOT.aihub.filter(type="", features=" , ", model="  ")) == len(SNAPSHOT)


def test_empty_result_keeps_the_schema():
    empty = SNAPSHOT.aihub.filter(type="llm", model="no-such-model-anywhere")
    assert len(empty) == 0
    assert list(empty.columns) == list(SNAPSHOT.columns)
    assert empty.dtypes.equals(SNAPSHOT.dtypes)
    assert len(empty.aihub.sort("model_ratio", order="desc")) == 0
    assert empty.aihub.sort("coding").dtypes.equals(SNAPSHOT.dtypes)


@pytest.mark.parametrize(
    "bound, column, raw",
    [
        ("min_context", "context_length", lambda r: ref.limit(r, "context_length")),
        ("min_output", "max_output", lambda r: ref.limit(r, "max_output")),
        ("max_input_price", "input_usd_per_1m", lambda r: ref.price(r, "input")),
        ("max_output_price", "output_usd_per_1m", lambda r: ref.price(r, "output")),
    ],
)
def test_missing_limits_and_prices_never_meet_a_bound(bound, column, raw):
    # The loosest possible bound keeps exactly the models whose value is known.
    loosest = 0 if bound.startswith("min") else 1e12
    known = [i for i, r in zip(IDS, RECORDS) if raw(r) is not None]
    hits = SNAPSHOT.aihub.filter(**{bound: loosest})
    assert hits["model_id"].tolist() == known
    assert hits[column].notna().all()


def test_missing_price_never_matches_in_a_frame_with_nas():
    frame = ahf.catalog_to_frame(
        [
            {"model_id": "known", "pricing": {"input": 1, "output": 2}, "context_length": 1000},
            {"model_id": "unknown", "pricing": {}, "context_length": 0},
        ]
    )
    assert frame.aihub.filter(max_input_price=100)["model_id"].tolist() == ["known"]
    assert frame.aihub.filter(min_context=0)["model_id"].tolist() == ["known"]


def test_frame_without_flag_columns_filters_the_same():
    full = SNAPSHOT.aihub.filter(modalities="text,image", features="thinking,tools")
    slim = SNAPSHOT.drop(columns=["has_thinking", "has_tools", "accepts_image"])
    assert (
        slim.aihub.filter(modalities="text,image", features="thinking,tools")["model_id"].tolist()
        == full["model_id"].tolist()
    )


def test_frame_without_a_bound_column_errors_clearly():
    slim = SNAPSHOT.drop(columns=["context_length"])
    with pytest.raises(ahf.NotACatalogError, match=r"lacks \['context_length'\]"):
        slim.aihub.filter(min_context=1000)


def test_flags_with_missing_values_count_as_false():
    frame = SNAPSHOT.head(20).copy()
    frame["has_thinking"] = frame["has_thinking"].astype("boolean")
    frame.loc[frame.index[:5], "has_thinking"] = pd.NA
    expected = [i for i, flag in zip(frame["model_id"], frame["has_thinking"]) if flag is not pd.NA and bool(flag)]
    assert 0 < len(expected) < 15
    assert frame.aihub.filter(features="thinking")["model_id"].tolist() == expected


def test_list_column_with_comma_strings_is_rejected():
    frame = SNAPSHOT.head(3).copy()
    frame["types"] = ["llm", "llm", "video"]
    with pytest.raises(TypeError, match="catalog_to_frame"):
        frame.aihub.filter(type="llm")


# --- sort semantics -------------------------------------------------------------------------------


@pytest.mark.parametrize("key, column", [("model_ratio", "input_usd_per_1m"), ("context_length", "context_length")])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_sort_is_stable_with_missing_last(key, column, order):
    # Shuffle first, so that "stable" means "keeps the current order", not "index order".
    shuffled = SNAPSHOT.sample(frac=1, random_state=7)
    result = shuffled.aihub.sort(key, order=order)
    values = result[column]
    known = values.notna().to_numpy()
    assert not known[np.argmax(~known) :].any() if (~known).any() else True  # missing all last
    present = values[known].to_numpy(dtype=float)
    assert (np.diff(present) >= 0).all() if order == "asc" else (np.diff(present) <= 0).all()
    # Ties (and the missing block) keep the shuffled order.
    position = {index: p for p, index in enumerate(shuffled.index)}
    for _, group in result.groupby(values.fillna(-1.0).to_numpy(), sort=False):
        positions = [position[i] for i in group.index]
        assert positions == sorted(positions)


def test_order_restores_server_order_and_desc_reverses_it():
    shuffled = SNAPSHOT.sample(frac=1, random_state=3)
    assert shuffled.aihub.sort("order")["model_id"].tolist() == IDS
    assert shuffled.aihub.sort("order", order="desc")["model_id"].tolist() == IDS[::-1]


def test_order_needs_the_position_index():
    with pytest.raises(ValueError, match="server position"):
        SNAPSHOT.set_index("model_id", drop=False).aihub.sort("order")


def test_coding_puts_coding_models_first_and_ignores_order():
    expected = ref.sort_records(RECORDS, "coding")
    for order in ("asc", "desc"):
        result = SNAPSHOT.aihub.sort("coding", order=order)
        assert result["model_id"].tolist() == [r["model_id"] for r in expected]
    assert sum(map(ref.is_coding, RECORDS)) > 50


def test_coding_rule_in_python_and_arrow_agree():
    texts = [
        *IDS,
        *SNAPSHOT["model_name"].dropna(),
        "encoder",
        "codec",
        "Codestral-2501",
        "x_code",
        "gpt5codex",
        "CODING",
        "barcode",
        "code",
        "decode-v1",
        "my coder",
        "codex-",
        "coderx",
    ]
    frame = pd.DataFrame({"model_id": pd.array(texts, dtype="string")})
    python = [bool(filters.CODING_PATTERN.search(t)) for t in texts]
    words = [ref.is_coding({"model_id": t}) for t in texts]
    assert filters.is_coding_model(frame).tolist() == python == words


def test_sort_key_is_case_insensitive():
    assert (
        SNAPSHOT.aihub.sort(" Context_Length ", order="DESC")["model_id"].tolist()
        == SNAPSHOT.aihub.sort("context_length", order="desc")["model_id"].tolist()
    )


def test_sort_by_any_scalar_column():
    result = SNAPSHOT.aihub.sort("output_usd_per_1m", order="desc")
    assert result["output_usd_per_1m"].iloc[0] == SNAPSHOT["output_usd_per_1m"].max()


@pytest.mark.parametrize(
    "by, order, match",
    [
        ("price", "asc", "unknown sort key"),
        ("features", "asc", "list column"),
        ("price_tiers", "asc", "not comparable"),
        ("context_length", "up", "unknown sort order"),
    ],
)
def test_bad_sort_arguments_raise_clearly(by, order, match):
    frame = SNAPSHOT.copy()
    frame["price_tiers"] = pd.array(
        [[{"input": float(i), "tier": {"size": 1}}] for i in range(len(frame))], dtype=object
    )
    with pytest.raises(ValueError, match=match):
        frame.aihub.sort(by, order=order)


# --- never mutate ---------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(params=filter_sort_params())
def test_input_frame_is_never_mutated(params):
    frame = ahf.load_snapshot()
    before = copy.deepcopy(frame)
    result = frame.aihub.filter(**{k: params.get(k) for k in FILTER_KEYS})
    result = result.aihub.sort(params["sort_by"] or "order", order=params["sort_order"])
    pd.testing.assert_frame_equal(frame, before)
    assert frame.attrs == before.attrs
    if len(result):
        result.iloc[0, result.columns.get_loc("model_id")] = "changed"
        assert frame["model_id"].tolist() == before["model_id"].tolist()


# --- model_ratio is the input price: the evidence -------------------------------------------------


def test_input_price_is_twice_the_model_ratio(load_json):
    """The 2025-10-03 file carries one-api ``modelRatio``; the 2025-11-11 file the API prices.

    For the ids in both, ``pricing.input == 2 x modelRatio`` for the large majority (the rest
    changed price between the two dates), so sorting by input price is sorting by model ratio.
    """
    ratios = {
        m["id"]: m["metadata"].get("modelRatio")
        for m in load_json("publicproviderconf_dist_aihubmix_2025-10-03_1f3772f2.json")["models"]
    }
    prices = {
        m["id"]: ((m.get("metadata") or {}).get("pricing") or {}).get("input")
        for m in load_json("publicproviderconf_dist_aihubmix_2025-11-11_13ba31c9.json")["models"]
    }
    common = [i for i in ratios if i in prices and ratios[i] is not None and prices[i] is not None]
    holds = [i for i in common if math.isclose(prices[i], 2 * ratios[i], rel_tol=1e-9, abs_tol=1e-12)]
    share = len(holds) / len(common)
    assert len(common) >= 300
    assert share >= 0.9, f"input == 2 x modelRatio for only {share:.1%} of {len(common)} ids"
    # And therefore ordering by one is ordering by the other.
    by_ratio = sorted(holds, key=lambda i: (ratios[i], i))
    by_price = sorted(holds, key=lambda i: (prices[i], i))
    assert by_ratio == by_price


# --- CLI flags map onto filter / sort -------------------------------------------------------------


def test_cli_models_flags_match_reference():
    command = [
        sys.executable,
        "-m",
        "aihubmix_frame",
        "models",
        "--type",
        "t2t",
        "--features",
        "thinking,tool",
        "--min-context",
        "200000",
        "--max-input-price",
        "1",
        "--min-output",
        "32000",
        "--max-output-price",
        "5",
        "--sort",
        "model_ratio",
        "--order",
        "desc",
        "--format",
        "json",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    expected = ref.select(
        RECORDS,
        type="t2t",
        features="thinking,tool",
        min_context=200000,
        max_input_price=1,
        min_output=32000,
        max_output_price=5,
        sort_by="model_ratio",
        sort_order="desc",
    )
    assert expected
    assert [row["model_id"] for row in json.loads(done.stdout)] == expected


def test_cli_unknown_value_is_a_warning_not_a_traceback():
    done = subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", "models", "--offline", "--type", "chat"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "warning: unknown type 'chat'" in done.stderr and "Traceback" not in done.stderr
    assert "0 models" in done.stderr + done.stdout


@given(st.lists(st.sampled_from(["thinking", "Tool", "tool_calling", "web"]), min_size=1, max_size=4))
@settings(max_examples=25, deadline=None)
def test_list_and_comma_string_are_the_same_query(values):
    assert (
        SNAPSHOT.aihub.filter(features=values)["model_id"].tolist()
        == SNAPSHOT.aihub.filter(features=",".join(values))["model_id"].tolist()
    )


def test_object_columns_of_python_lists_filter_the_same():
    """A frame whose list columns hold plain Python lists (e.g. rebuilt by hand) still filters."""
    plain = SNAPSHOT.copy()
    for column in ("types", "features", "input_modalities"):
        plain[column] = pd.array([list(v) for v in SNAPSHOT[column]], dtype=object)
    plain["model_id"] = plain["model_id"].astype(object)
    plain = plain.drop(columns=["has_web", "accepts_pdf"])
    params = dict(type="t2t,search", features="web", modalities="pdf,text", model="GEMINI")
    expected = ref.select(RECORDS, **params)
    assert expected
    assert plain.aihub.filter(**params)["model_id"].tolist() == expected
    assert plain.aihub.sort("coding")["model_id"].tolist() == SNAPSHOT.aihub.sort("coding")["model_id"].tolist()
