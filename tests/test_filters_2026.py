"""Filters on the 2026 fields and on free models (issue 12 item 2, issue 11 item 5): the vectorised
CatalogQuery rules against a plain-Python reference over the raw records (hypothesis), plus the
defaults: the accessor keeps deprecated models (server parity), cheapest leaves them out."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aihubmix_frame as ahf

VENDORS = ["openai", "Anthropic", "deepseek", "zhipu", None]
MODALITIES = ["text", "image", "audio", "video"]


@st.composite
def records(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    out = []
    for i in range(n):
        record = {"model_id": f"m{i}", "types": "llm"}
        vendor = draw(st.sampled_from(VENDORS))
        if vendor is not None:
            record["vendor"] = vendor
        outputs = draw(st.lists(st.sampled_from(MODALITIES), unique=True, max_size=3))
        if outputs:
            record["output_modalities"] = ",".join(outputs)
        weights = draw(st.sampled_from([True, False, None, "absent"]))
        if weights != "absent":
            record["open_weights"] = weights
        day = draw(st.one_of(st.none(), st.dates(dt.date(2024, 1, 1), dt.date(2026, 11, 30))))
        if day is not None:
            record["release_date"] = day.isoformat()
        if draw(st.booleans()) and draw(st.booleans()):
            record["retire_stage"] = "deprecated"
        record["pricing"] = draw(
            st.sampled_from([{"input": 0, "output": 0}, {"input": 1, "output": 2}, {"input": 0, "output": 1}, {}])
        )
        out.append(record)
    return out


def reference(
    raw,
    *,
    vendor=None,
    output_modalities=None,
    open_weights=None,
    released_after=None,
    released_before=None,
    include_deprecated=None,
    include_free=None,
):
    """Plain Python over the raw records: the documented meaning of each parameter."""
    kept = []
    for r in raw:
        if vendor is not None and (r.get("vendor") or "").lower() not in {v.lower() for v in vendor}:
            continue
        produced = {t.strip() for t in (r.get("output_modalities") or "").split(",") if t.strip()}
        if output_modalities is not None and not set(output_modalities) <= produced:
            continue
        if open_weights is not None and r.get("open_weights") is not open_weights:
            continue
        day = r.get("release_date")
        if released_after is not None and (day is None or day < released_after):
            continue
        if released_before is not None and (day is None or day > released_before):
            continue
        if include_deprecated is False and r.get("retire_stage") == "deprecated":
            continue
        p = r.get("pricing") or {}
        free = p.get("input") == 0 and p.get("output") == 0
        if include_free is False and free:
            continue
        kept.append(r["model_id"])
    return kept


QUERIES = st.fixed_dictionaries(
    {},
    optional={
        "vendor": st.lists(st.sampled_from(["openai", "ANTHROPIC", "deepseek"]), min_size=1, max_size=2, unique=True),
        "output_modalities": st.lists(st.sampled_from(MODALITIES), min_size=1, max_size=2, unique=True),
        "open_weights": st.booleans(),
        "released_after": st.dates(dt.date(2024, 1, 1), dt.date(2026, 11, 30)).map(dt.date.isoformat),
        "released_before": st.dates(dt.date(2024, 1, 1), dt.date(2026, 11, 30)).map(dt.date.isoformat),
        "include_deprecated": st.booleans(),
        "include_free": st.booleans(),
    },
)


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
@given(records(), QUERIES)
@settings(max_examples=200, deadline=None)
def test_field_filters_equal_the_plain_python_reference(raw, params):
    frame = ahf.catalog_to_frame(raw)
    got = frame.aihub.filter(**params)["model_id"].tolist()
    assert got == reference(raw, **params)


def test_the_accessor_keeps_deprecated_models_unless_asked_and_cheapest_leaves_them_out():
    frame = ahf.catalog_to_frame(
        [
            {
                "model_id": "old",
                "types": "llm",
                "retire_stage": "deprecated",
                "pricing": {"input": 0.1, "output": 0.1},
            },
            {"model_id": "new", "types": "llm", "pricing": {"input": 1, "output": 2}},
        ]
    )
    assert frame.aihub.filter(type="llm")["model_id"].tolist() == ["old", "new"]  # server parity
    assert frame.aihub.filter(include_deprecated=False)["model_id"].tolist() == ["new"]
    assert frame.aihub.cheapest(5)["model_id"].tolist() == ["new"]
    assert frame.aihub.cheapest(5, include_deprecated=True)["model_id"].tolist() == ["old", "new"]


def test_load_catalog_applies_the_field_filters_locally_after_the_server(server, cache_dir):
    server.set_payload(
        [
            {"model_id": "a", "types": "llm", "vendor": "openai", "release_date": "2026-05-01"},
            {"model_id": "b", "types": "llm", "vendor": "zhipu", "release_date": "2025-05-01"},
            {"model_id": "c", "types": "video", "vendor": "openai", "release_date": "2026-06-01"},
        ]
    )
    frame = ahf.load_catalog(type="llm", vendor="OpenAI", released_after="2026-01-01", base_url=server.url)
    assert frame["model_id"].tolist() == ["a"]
    assert server.requests[-1].query == {"type": "llm"}  # only the server's own parameters are sent


@pytest.mark.parametrize(
    "bad, error",
    [
        (dict(open_weights="yes"), TypeError),
        (dict(released_after="last tuesday"), ValueError),
        (dict(vendor=5), TypeError),
        (dict(include_free=1), TypeError),
    ],
)
def test_bad_field_filter_values_are_clear_errors(snapshot, bad, error):
    with pytest.raises(error):
        snapshot.aihub.filter(**bad)


def test_a_frame_without_the_2026_columns_says_which_it_lacks(snapshot):
    old = snapshot.drop(columns=["vendor"])
    with pytest.raises(ahf.NotACatalogError, match="vendor"):
        old.aihub.filter(vendor="openai")
