"""Fuzzed catalog payloads (hypothesis): every body gets a verdict and every conversion either gives a
frame or a library error — never a raw exception. The case counts are printed by ``-s`` and are
the ``max_examples`` below; ``python -m benchmarks.reliability`` runs the same at a larger scale."""

from __future__ import annotations

import json
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aihubmix_frame as ahf
from aihubmix_frame.http.verdict import judge_body

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["llm", "t2t", "thinking，tools", "text,image", "0", "", " ", "1e400", "NaN", "\ud800"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    [
        "model_id",
        "desc",
        "types",
        "features",
        "input_modalities",
        "max_output",
        "context_length",
        "pricing",
        "vendor",
        "release_date",
        "reasoning",
        "variant_of",
    ]
)
PRICING = st.dictionaries(
    st.sampled_from(["input", "output", "cache_read", "cache_write", "tiers", "x"]), VALUES, max_size=5
)
RECORDS = st.builds(
    lambda fields, pricing, model_id: {**fields, "pricing": pricing, "model_id": model_id},
    st.dictionaries(FIELDS, VALUES, max_size=6),
    PRICING,
    st.one_of(st.text(min_size=1, max_size=10), VALUES),
)
ENVELOPES = st.one_of(
    st.builds(lambda data: {"data": data, "success": True, "message": ""}, st.lists(RECORDS, max_size=5)),
    st.dictionaries(st.sampled_from(["data", "success", "message"]), VALUES, max_size=3),
    VALUES,
)


def _body(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=True, allow_nan=True).encode()


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
@given(ENVELOPES)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_fuzzed_body_gets_a_verdict_and_converts_or_raises_a_library_error(payload):
    verdict = judge_body(_body(payload))
    assert verdict.kind in ("catalog", "api_error", "malformed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frame = ahf.catalog_to_frame(payload)
        except ahf.AihubmixError:
            assert not verdict.ok  # the verdict refuses every body that does not convert
            return
    # A body the verdict accepts converts; one it refuses for its records does not.
    if verdict.ok:
        assert len(frame) == len(payload["data"])


@given(st.binary(max_size=200))
@settings(max_examples=200, deadline=None)
def test_arbitrary_bytes_are_a_malformed_verdict_not_a_crash(content):
    assert judge_body(content, "application/octet-stream").kind in ("catalog", "api_error", "malformed")


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
@given(st.lists(RECORDS, min_size=1, max_size=4))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_fuzzed_catalogs_through_the_server_load_or_fall_back(server, cache_dir, records):
    server.set_payload({"data": records, "success": True, "message": ""})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            frame = ahf.load_catalog(base_url=server.url, force_refresh=True)
        except ahf.AihubmixError:
            return  # e.g. the server's own 400 for a record it cannot filter
    assert frame.attrs["aihubmix"]["source"] in ("network", "stale", "snapshot")
