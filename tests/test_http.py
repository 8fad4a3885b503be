"""load_catalog / fetch_catalog over real loopback HTTP through a real SQLite requests-cache."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from helpers_http import cache_bytes, model_ids, secret_forms

import aihubmix_frame as ahf
from aihubmix_frame import schema
from aihubmix_frame.errors import (
    APIError,
    AuthenticationError,
    NotFoundError,
    OfflineError,
    StaleCatalogWarning,
)
from aihubmix_frame.http.cache import cached_session, redaction_list
from aihubmix_frame.http.maintenance import cache_info
from aihubmix_frame.testing import CatalogServer

ROOT = Path(__file__).resolve().parents[1]
CATALOG = "/api/v1/models"


def load(server, **kwargs):
    return ahf.load_catalog(base_url=server.url, **kwargs)


def source(frame):
    return frame.attrs["aihubmix"]["source"]


def assert_same_frame(left, right):
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True))


# --- the cache lifecycle ---------------------------------------------------------------------------


def test_first_load_is_one_200_then_cache_hits_send_nothing(server, cache_dir, snapshot):
    first = load(server)
    assert [(r.path, r.status) for r in server.requests] == [(CATALOG, 200)]
    assert source(first) == "network"
    assert_same_frame(first, snapshot)  # the server serves the snapshot: same frame, independently built

    second = load(server)
    assert server.count() == 1, "a load within max-age must not touch the network"
    assert source(second) == "cache"
    assert_same_frame(second, first)
    assert second.attrs["aihubmix"]["etag"] == first.attrs["aihubmix"]["etag"]
    assert cache_info(cache_dir=cache_dir)["responses"] == 1


def test_after_expiry_one_conditional_request_answered_304(short_server, cache_dir, clock):
    first = load(short_server)
    etag = first.attrs["aihubmix"]["etag"]
    clock.shift(1.5)  # past max-age=1, without sleeping
    again = load(short_server)
    assert [r.status for r in short_server.requests] == [200, 304]
    conditional = short_server.requests[1]
    assert conditional.header("If-None-Match") == etag
    assert conditional.body_bytes == 0
    assert source(again) == "revalidated"
    assert_same_frame(again, first)
    # the 304 renewed the freshness: the next load is a cache hit
    assert source(load(short_server)) == "cache" and short_server.count() == 2


def test_refresh_revalidates_and_force_refresh_refetches(server, cache_dir):
    first = load(server)
    refreshed = load(server, refresh=True)
    assert source(refreshed) == "revalidated"
    assert server.requests[-1].status == 304
    assert server.requests[-1].header("If-None-Match") == first.attrs["aihubmix"]["etag"]
    forced = load(server, force_refresh=True)
    assert source(forced) == "network"
    assert server.requests[-1].status == 200 and server.requests[-1].header("If-None-Match") is None
    assert_same_frame(forced, first)


def test_a_changed_payload_gives_a_new_etag_and_the_new_data(short_server, cache_dir, snapshot_payload, clock):
    first = load(short_server)
    changed = json.loads(json.dumps(snapshot_payload))
    gpt4o = next(r for r in changed["data"] if r["model_id"] == "gpt-4o")
    gpt4o["pricing"]["input"] = 3.75
    changed["data"].append({"model_id": "brand-new-model", "types": "llm", "pricing": {"input": 1, "output": 2}})
    short_server.set_payload(changed)
    clock.shift(1.5)  # past max-age=1, without sleeping
    second = load(short_server)
    assert source(second) == "network"
    assert [r.status for r in short_server.requests] == [200, 200]
    assert short_server.requests[1].header("If-None-Match") == first.attrs["aihubmix"]["etag"]
    assert second.attrs["aihubmix"]["etag"] != first.attrs["aihubmix"]["etag"]
    assert len(second) == len(first) + 1 and model_ids(second)[-1] == "brand-new-model"
    assert float(second.set_index("model_id").loc["gpt-4o", "input_usd_per_1m"]) == 3.75
    assert float(first.set_index("model_id").loc["gpt-4o", "input_usd_per_1m"]) == 2.5


def test_provenance_keys_are_complete_json_and_never_the_key(server, cache_dir):
    frame = load(server, type="llm", api_key="sk-provenance-secret")
    provenance = frame.attrs["aihubmix"]
    assert set(schema.PROVENANCE_KEYS) <= set(provenance)
    assert provenance["url"] == server.url + CATALOG
    assert provenance["params"] == {"type": "llm"}
    assert provenance["price_unit"] == schema.PRICE_UNIT
    fetched = datetime.fromisoformat(provenance["fetched_at"])
    assert fetched.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - fetched).total_seconds()) < 60
    text = json.dumps(frame.attrs) + repr(ahf.fetch_catalog(type="llm", base_url=server.url))
    assert "sk-provenance-secret" not in text


# --- server-side filters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"type": "llm", "features": "thinking,tools"},
        {"type": "t2t", "modalities": "text，image", "sort_by": "model_ratio"},
        {"features": ["Tool", "web"], "sort_by": "context_length", "sort_order": "DESC"},
        {"model": "claude", "sort_by": "coding"},
    ],
)
def test_filters_go_to_the_server_and_match_the_local_accessor(server, cache_dir, snapshot, params):
    frame = load(server, **params)
    sent = server.requests[-1].query
    expected_query = ahf.CatalogQuery.parse(**params).to_params()
    assert sent == expected_query and sent  # normalised: lower case, aliases applied, commas joined
    local = snapshot.aihub.filter(
        **{k: v for k, v in params.items() if k in ("type", "modalities", "features", "model")}
    )
    if "sort_by" in params:
        local = local.aihub.sort(params["sort_by"], order=params.get("sort_order", "asc").lower())
    assert model_ids(frame) == model_ids(local)
    assert len(frame) > 0


def test_wrong_types_and_orders_fail_before_any_request(server, cache_dir):
    with pytest.raises(ValueError, match="valid values: asc, desc"):
        load(server, sort_order="up")
    with pytest.raises(TypeError):
        load(server, model=5)
    with pytest.raises(ValueError, match="http"):
        ahf.load_catalog(base_url="aihubmix.com")
    assert server.count() == 0


def test_unknown_values_warn_with_a_hint_and_are_still_sent(server, cache_dir):
    # The catalog gains types and features over time: the package warns but lets the server judge.
    with (
        pytest.warns(ahf.UnknownValueWarning, match=r"'lmm' \(did you mean 'llm'\?\)"),
        pytest.raises(ahf.APIError, match="400"),
    ):
        load(server, type="lmm")
    assert server.requests[-1].query == {"type": "lmm"}
    server.set_payload([{"model_id": "m1", "types": "music"}, {"model_id": "m2", "types": "llm"}])
    with pytest.warns(ahf.UnknownValueWarning, match="'music'"):
        frame = load(server, type="music")
    assert model_ids(frame) == ["m1"]


# --- the fallback chain ---------------------------------------------------------------------------


def test_server_down_with_a_cache_gives_the_stale_copy_with_a_warning(short_server, cache_dir, clock):
    first = load(short_server)
    clock.shift(1.5)  # past max-age=1, without sleeping
    short_server.down()
    with pytest.warns(StaleCatalogWarning, match=r"did not answer.*cached catalog.*ago"):
        stale = load(short_server)
    assert source(stale) == "stale"
    assert_same_frame(stale, first)
    short_server.up()
    assert source(load(short_server)) == "revalidated"


def test_refresh_while_down_falls_back_to_the_fresh_copy_with_a_warning(server, cache_dir):
    first = load(server)
    server.down()
    with pytest.warns(StaleCatalogWarning, match="did not answer"):
        stale = load(server, refresh=True)
    with pytest.warns(StaleCatalogWarning):
        forced = load(server, force_refresh=True)
    assert source(stale) == source(forced) == "stale"
    assert_same_frame(stale, first)
    assert_same_frame(forced, first)


def test_nothing_cached_and_down_gives_the_snapshot_filtered_locally(server, cache_dir, snapshot):
    server.down()
    with pytest.warns(StaleCatalogWarning, match=r"bundled.*2026-07-02.*days old"):
        frame = load(server, type="llm", features="thinking", sort_by="context_length", sort_order="desc")
    assert source(frame) == "snapshot"
    assert frame.attrs["aihubmix"]["params"] == {
        "type": "llm",
        "features": "thinking",
        "sort_by": "context_length",
        "sort_order": "desc",
    }
    expected = snapshot.aihub.filter(type="llm", features="thinking").aihub.sort("context_length", order="desc")
    assert model_ids(frame) == model_ids(expected)
    assert cache_info(cache_dir=cache_dir)["responses"] == 0


@pytest.mark.parametrize("status", [500, 502])
def test_5xx_falls_back_without_retrying(server, cache_dir, status):
    server.fail_next(1, status=status)
    with pytest.warns(StaleCatalogWarning, match=f"HTTP {status}"):
        frame = load(server)
    assert source(frame) == "snapshot" and server.count() == 1
    first = load(server)  # the server is back: network
    assert source(first) == "network"
    server.fail_next(1, status=status)
    with pytest.warns(StaleCatalogWarning, match=f"HTTP {status}"):
        stale = load(server, refresh=True)
    assert source(stale) == "stale"
    assert_same_frame(stale, first)


@pytest.mark.parametrize("status", [429, 503])
def test_429_and_503_are_retried_then_succeed(server, cache_dir, status):
    server.fail_next(2, status=status, retry_after=0)
    frame = load(server)
    assert [r.status for r in server.requests] == [status, status, 200]
    assert source(frame) == "network"


def test_retries_are_bounded_then_the_chain_applies(server, cache_dir):
    server.fail_next(10, status=503, retry_after=0)
    with pytest.warns(StaleCatalogWarning, match="HTTP 503"):
        frame = load(server)
    assert server.count() == 1 + ahf.http.client.MAX_RETRIES
    assert source(frame) == "snapshot"


def test_retry_after_is_honoured(server, cache_dir):
    server.fail_next(1, status=429, retry_after=1)
    load(server)
    failed, succeeded = server.requests
    assert (failed.status, succeeded.status) == (429, 200)
    assert succeeded.time - failed.time >= 0.9


def test_a_retry_with_a_stale_cache_still_reaches_the_server(short_server, cache_dir, clock):
    load(short_server)
    clock.shift(1.5)  # past max-age=1, without sleeping
    short_server.fail_next(1, status=503, retry_after=0)
    frame = load(short_server)
    assert [r.status for r in short_server.requests] == [200, 503, 304]
    assert source(frame) == "revalidated"


def test_a_slow_server_times_out_into_the_fallback(server, cache_dir):
    server.delay = 1.0
    with pytest.warns(StaleCatalogWarning, match="no answer within 0.2 s"):
        frame = load(server, timeout=0.2)
    assert source(frame) == "snapshot"


@pytest.mark.parametrize("kind", ["truncated", "html", "success_false"])
def test_a_malformed_body_never_poisons_the_cache(short_server, cache_dir, kind, clock):
    good = load(short_server)
    etag = good.attrs["aihubmix"]["etag"]
    clock.shift(1.5)  # past max-age=1, without sleeping
    short_server.malform_next(1, kind=kind)
    with pytest.warns(StaleCatalogWarning, match="answered 200 with"):
        fallback = load(short_server)
    assert source(fallback) == "stale"
    assert_same_frame(fallback, good)
    # the good copy is still there, with its ETag: offline reads it, and the server revalidates it
    offline = load(short_server, offline=True)
    assert offline.attrs["aihubmix"]["etag"] == etag
    assert_same_frame(offline, good)
    assert source(load(short_server)) == "revalidated"
    assert short_server.requests[-1].header("If-None-Match") == etag


def test_a_malformed_first_answer_is_not_stored(server, cache_dir):
    server.malform_next(1, kind="truncated")
    with pytest.warns(StaleCatalogWarning, match="not JSON"):
        frame = load(server)
    assert source(frame) == "snapshot"
    assert cache_info(cache_dir=cache_dir)["responses"] == 0
    assert source(load(server)) == "network"


def test_fetch_catalog_raises_offline_error_when_there_is_nothing_to_fall_back_on(server, cache_dir):
    server.down()
    with pytest.raises(OfflineError, match="no cached copy"):
        ahf.fetch_catalog(base_url=server.url)


@pytest.mark.parametrize(
    "status, error",
    [
        (400, APIError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (418, APIError),
    ],
)
def test_4xx_raise_api_errors_with_the_servers_message(server, cache_dir, status, error):
    load(server)  # even a cached copy does not hide a client error
    server.fail_next(1, status=status, message="the server's own words")
    with pytest.raises(error, match="the server's own words") as info:
        load(server, refresh=True)
    assert info.value.status == status
    assert info.value.url == server.url + CATALOG


# --- offline ---------------------------------------------------------------------------------------


def test_offline_never_touches_the_network(server, cache_dir, snapshot):
    frame = load(server, offline=True, type="video")
    assert source(frame) == "snapshot" and server.count() == 0
    assert model_ids(frame) == model_ids(snapshot.aihub.filter(type="video"))
    online = load(server, type="video")
    cached = load(server, offline=True, type="video")
    assert server.count() == 1
    assert source(cached) == "cache"
    assert_same_frame(cached, online)


# --- environment, API key, redaction ------------------------------------------------------------


def test_environment_variables_choose_server_key_and_cache(server, tmp_path, monkeypatch):
    monkeypatch.setenv("AIHUBMIX_BASE_URL", server.url + "/")
    monkeypatch.setenv("AIHUBMIX_API_KEY", "sk-from-env")
    monkeypatch.setenv("AIHUBMIX_CACHE_DIR", str(tmp_path / "env-cache"))
    try:
        frame = ahf.load_catalog()
    finally:
        ahf.http.cache.close_sessions()
    assert source(frame) == "network"
    assert server.requests[-1].header("Authorization") == "Bearer sk-from-env"
    assert (tmp_path / "env-cache" / "http_cache.sqlite").exists()
    assert b"sk-from-env" not in cache_bytes(tmp_path / "env-cache")


SECRET = "sk-Zq9SECRETkeyValue4242"


@pytest.mark.parametrize(
    "header",
    [
        "Authorization",
        "authorization",
        "AUTHORIZATION",
        "aUtHoRiZaTiOn",
        "X-Api-Key",
        "x-api-key",
        "X-API-KEY",
        "api-key",
        "Api-Key",
    ],
)
def test_the_api_key_is_in_no_byte_of_the_cache_whatever_the_header_case(server, cache_dir, header):
    session = cached_session(cache_dir=cache_dir)
    session.headers[header] = f"Bearer {SECRET}" if "auth" in header.lower() else SECRET
    try:
        frame = ahf.load_catalog(base_url=server.url, session=session, type="llm")
    finally:
        del session.headers[header]
    assert server.requests[-1].header(header) is not None, "the key must reach the server"
    assert source(frame) == "network"
    stored = cache_bytes(cache_dir)
    assert b"REDACTED" in stored  # the redaction ran on the stored request headers
    for form in secret_forms(SECRET):
        assert form not in stored


@pytest.mark.parametrize("param", ["api_key", "API_KEY", "Key", "token", "ACCESS_TOKEN"])
def test_key_query_parameters_are_redacted_too(server, cache_dir, param):
    session = cached_session(cache_dir=cache_dir)
    session.params = {param: SECRET}
    try:
        ahf.load_catalog(base_url=server.url, session=session)
    finally:
        session.params = {}
    assert server.requests[-1].query[param] == SECRET
    for form in secret_forms(SECRET):
        assert form not in cache_bytes(cache_dir)


def test_api_key_argument_is_sent_as_bearer_and_not_stored(server, cache_dir):
    ahf.load_catalog(base_url=server.url, api_key=SECRET)
    assert server.requests[-1].header("Authorization") == f"Bearer {SECRET}"
    for form in secret_forms(SECRET):
        assert form not in cache_bytes(cache_dir)
    assert SECRET not in repr(cached_session(cache_dir=cache_dir))


def test_redaction_list_covers_every_letter_case():
    names = redaction_list()
    assert len([n for n in names if n.lower() == "authorization"]) == 2**13
    assert {"x-api-key", "X-API-KEY", "x-ApI-kEy", "API_KEY", "Token", "KEY"} <= names


def test_requests_cache_logs_no_tracebacks(short_server, cache_dir, caplog, clock):
    load(short_server)
    clock.shift(1.5)  # past max-age=1, without sleeping
    short_server.down()
    with caplog.at_level(logging.DEBUG, logger="requests_cache"), pytest.warns(StaleCatalogWarning):
        load(short_server)
    records = [r for r in caplog.records if r.name.startswith("requests_cache")]
    assert records, "requests-cache logged nothing: the test would prove nothing"
    assert all(r.exc_info is None for r in records)
    assert not [r for r in records if r.levelno >= logging.WARNING]


# --- two processes, one cache ---------------------------------------------------------------------

CHILD = """
import sys, time
from pathlib import Path
import aihubmix_frame as ahf
ready, go = Path(sys.argv[3]), Path(sys.argv[4])
ready.touch()
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:  # start both loads together
    time.sleep(0.005)
frame = ahf.load_catalog(base_url=sys.argv[1], cache_dir=sys.argv[2])
print(len(frame), frame.attrs["aihubmix"]["source"])
"""


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
def test_two_processes_loading_at_once_through_one_cache_both_succeed(server, cache_dir, snapshot, tmp_path):
    server.delay = 0.3  # both requests are in flight together: both miss, both write
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(2)]
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, server.url, str(cache_dir), str(r), str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in ready
    ]
    deadline = time.monotonic() + 90
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    outputs = [child.communicate(timeout=90) for child in children]
    for child, (out, err) in zip(children, outputs):
        assert child.returncode == 0, err
        count, where = out.split()
        assert int(count) == len(snapshot) and where in ("network", "cache")
    assert 1 <= server.count() <= 2
    server.delay = 0
    assert cache_info(cache_dir=cache_dir)["responses"] == 1
    frame = load(server)
    assert source(frame) == "cache" and len(frame) == len(snapshot)


def test_a_plain_requests_session_works_without_a_cache(server, cache_dir):
    import requests

    with requests.Session() as session:
        first = ahf.load_catalog(base_url=server.url, session=session, type="rerank")
        second = ahf.load_catalog(base_url=server.url, session=session, type="rerank")
    assert source(first) == source(second) == "network" and server.count() == 2
    assert len(first) > 0 and not (cache_dir / "http_cache.sqlite").exists()


# --- the in-process frame reuse --------------------------------------------------------------------


def test_frames_of_the_same_body_are_independent_copies(cache_dir):
    records = [
        {
            "model_id": "tiered",
            "types": "llm",
            "pricing": {
                "input": 1,
                "output": 2,
                "tiers": [{"input": 2, "output": 4, "tier": {"size": 1000, "type": "context"}}],
            },
            "options": {"a": [1]},
        }
    ]
    with CatalogServer(records) as server:
        first = load(server)
        first.loc[0, "input_usd_per_1m"] = 99.0
        first["price_tiers"].iloc[0][0]["input"] = 99.0
        first["options"].iloc[0]["a"].append(2)
        second = load(server)
    assert source(second) == "cache"
    assert float(second.loc[0, "input_usd_per_1m"]) == 1.0
    assert second["price_tiers"].iloc[0][0]["input"] == 2.0
    assert second["options"].iloc[0] == {"a": [1]}
    assert second.attrs["aihubmix"]["source"] == "cache" and "operations" not in second.attrs["aihubmix"]


def test_duplicate_id_warning_is_repeated_on_every_load(cache_dir):
    records = [{"model_id": "twin", "types": "llm"}, {"model_id": "twin", "types": "video"}]
    with CatalogServer(records) as server:
        with pytest.warns(ahf.DuplicateModelWarning):
            load(server)
        with pytest.warns(ahf.DuplicateModelWarning):
            again = load(server)
    assert source(again) == "cache" and len(again) == 2


def test_fetch_catalog_returns_a_fresh_payload_each_time(server, cache_dir):
    first = ahf.fetch_catalog(base_url=server.url)
    first.payload["data"].clear()
    again = ahf.fetch_catalog(base_url=server.url)
    assert again.source == "cache" and len(again.payload["data"]) == len(server.records)
    assert "bytes" in repr(again) and again.etag == first.etag


def test_refresh_of_a_copy_without_validator_is_a_plain_cache_hit(cache_dir):
    """A server without ETag: refresh=True cannot revalidate, so no request and no warning."""
    import http.server
    import threading

    body = json.dumps({"data": [{"model_id": "m", "types": "llm"}], "success": True}).encode()
    hits = []

    class NoETag(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "max-age=300")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), NoETag)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        assert source(ahf.load_catalog(base_url=url)) == "network"
        again = ahf.load_catalog(base_url=url, refresh=True)
        assert source(again) == "cache" and len(hits) == 1
        assert again.attrs["aihubmix"]["etag"] is None
    finally:
        httpd.shutdown()
        httpd.server_close()
