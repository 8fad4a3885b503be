"""CatalogServer.fault_next: every hostile-server fault is served as documented, on the real server."""

from __future__ import annotations

import ast
import http.client
import json
import threading
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

import aihubmix_frame.testing as testing
from aihubmix_frame.testing import (
    CATALOG_PATH,
    FAULT_KINDS,
    FAULT_OPTIONS,
    LOGIN_PATH,
    MOVED_PATH,
    CatalogServer,
)

RECORDS = [
    {"model_id": "gpt-x", "types": "llm", "pricing": {"input": 1.25, "output": 10}},
    {"model_id": "img-y", "types": "image_generation", "pricing": {"input": 2, "output": 0}},
]
KEY = "sk-fault-test-0123456789"
MIB = 1 << 20


@pytest.fixture
def small():
    with CatalogServer(RECORDS) as running:
        yield running


def get(server, path=CATALOG_PATH, **kwargs):
    return requests.get(server.url + path, timeout=10, **kwargs)


def raw_get(server, target=CATALOG_PATH, headers=None):
    """Status, headers and the body bytes exactly as sent (no decompression, no redirects)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", target, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def max_depth(text: bytes) -> int:
    """The deepest nesting of ``[`` / ``{`` in a JSON text (without recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        char = chr(byte)
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def inflate(body: bytes, limit: int) -> bytes:
    """gzip-inflate at most ``limit`` bytes, as a careful client would."""
    inflater = zlib.decompressobj(wbits=31)
    out = inflater.decompress(body, limit)
    assert inflater.eof and not inflater.unconsumed_tail, "the member inflates to more than the limit"
    return out


# --- arming -------------------------------------------------------------------------------------------


def test_every_fault_kind_and_option_is_in_the_docstring_table():
    doc = CatalogServer.__doc__
    for kind, options in FAULT_OPTIONS.items():
        assert f"``{kind}``" in doc, kind
        for option in options:
            assert f"``{option}``" in doc, (kind, option)
    assert set(FAULT_KINDS) == set(FAULT_OPTIONS)


@pytest.mark.parametrize(
    "kind, options, error, match",
    [
        ("teapot", {}, ValueError, "unknown fault kind 'teapot'; valid kinds: redirect"),
        ("redirect", {"status": 303}, ValueError, "status must be one of 301, 302, 307, 308"),
        ("redirect", {"to": "http://example.com"}, ValueError, "loopback"),
        ("redirect", {"to": 42}, TypeError, "CatalogServer or a base URL"),
        ("gzip_bomb", {"mb": 10_000}, ValueError, "mb must be between"),
        ("gzip_bomb", {"content": "lead"}, ValueError, "'json' or 'zeros'"),
        ("deep_json", {"depth": 2}, ValueError, "depth must be between"),
        ("deep_json", {"depth": 10.5}, TypeError, "depth must be an int"),
        ("trickle", {"seconds": 3600}, ValueError, "seconds must be between"),
        ("retry_after", {"value": "1\r\nSet-Cookie: x"}, ValueError, "one-line string"),
        ("invalid_record", {"record": object()}, TypeError, "not JSON serializable"),
        ("empty_data", {"size": 1}, TypeError, "unknown option"),
        ("echo_key", {"status": 403}, ValueError, "401, 500, 200"),
    ],
)
def test_bad_kinds_and_options_are_refused_when_armed(small, kind, options, error, match):
    with pytest.raises(error, match=match):
        small.fault_next(kind, **options)
    assert small.pending_faults == []
    with pytest.raises(ValueError, match="non-negative"):
        small.fault_next("empty_data", n=-1)


def test_faults_queue_in_order_apply_to_the_catalog_path_only_and_reset_clears_them(small):
    small.fail_next(1, status=500)
    small.fault_next("empty_data", n=2)
    small.fault_next("login_page")
    assert [f.kind for f in small.pending_faults] == ["empty_data", "empty_data", "login_page"]
    assert get(small).status_code == 500  # pending fail_next answers come first
    assert get(small, "/v1/models").json()["object"] == "list"  # other paths are not faulted
    assert len(get(small, MOVED_PATH).json()["data"]) == 2
    assert [get(small).json()["data"] for _ in range(2)] == [[], []]
    assert get(small).headers["Content-Type"].startswith("text/html")
    assert len(get(small).json()["data"]) == 2  # all served: back to normal
    assert [r.fault for r in small.requests] == [
        "fail",
        None,
        None,
        "empty_data",
        "empty_data",
        "login_page",
        None,
    ]
    small.fault_next("empty_data", n=5)
    small.reset()
    assert small.pending_faults == [] and len(get(small).json()["data"]) == 2


def test_a_fault_is_never_a_304(small):
    tag = get(small).headers["ETag"]
    small.fault_next("huge_max_age")
    response = get(small, headers={"If-None-Match": tag})
    assert response.status_code == 200 and response.json()["data"] == RECORDS


def test_testing_never_imports_filters():
    package = Path(testing.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            assert not any(name.split(".")[-1] == "filters" for name in names), (module.name, ast.dump(node))


# --- redirects ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_to_another_path_on_the_same_server(small, status):
    small.fault_next("redirect", status=status)
    moved = get(small, params={"type": "llm"}, allow_redirects=False)
    assert moved.status_code == status
    assert moved.headers["Location"] == f"{small.url}{MOVED_PATH}?type=llm"
    small.fault_next("redirect", status=status)
    followed = get(small, params={"type": "llm"})
    assert followed.status_code == 200 and [r["model_id"] for r in followed.json()["data"]] == ["gpt-x"]
    assert [urlsplit(r.url).path for r in followed.history] == [CATALOG_PATH]
    assert [(r.path, r.status, r.fault) for r in small.requests[-2:]] == [
        (CATALOG_PATH, status, "redirect"),
        (MOVED_PATH, 200, None),
    ]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_to_another_server_logs_the_headers_that_server_received(small, status):
    with CatalogServer([{"model_id": "elsewhere", "types": "llm"}]) as other:
        small.fault_next("redirect", status=status, to=other)
        moved = get(small, params={"type": "llm"}, allow_redirects=False, headers={"Authorization": f"Bearer {KEY}"})
        assert moved.status_code == status
        assert moved.headers["Location"] == f"{other.url}{CATALOG_PATH}?type=llm"
        assert small.requests[-1].header("Authorization") == f"Bearer {KEY}"

        # Followed by requests: the second host answers, and its log shows what it was sent.
        small.fault_next("redirect", status=status, to=other)
        followed = get(small, params={"type": "llm"}, headers={"Authorization": f"Bearer {KEY}", "X-Trace": "t1"})
        assert [r["model_id"] for r in followed.json()["data"]] == ["elsewhere"]
        received = other.requests[-1]
        assert (received.path, received.query, received.header("X-Trace")) == (
            CATALOG_PATH,
            {"type": "llm"},
            "t1",
        )
        assert received.header("Authorization") is None  # requests drops it when the port changes

        # A client that forwards the header to the Location: the second host's log records it.
        requests.get(moved.headers["Location"], headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
        assert other.requests[-1].header("authorization") == f"Bearer {KEY}"


def test_redirect_to_a_loopback_url_keeps_its_host_name(small):
    small.fault_next("redirect", to=f"http://localhost:{small.port}/ignored/path")
    assert get(small, allow_redirects=False).headers["Location"] == f"http://localhost:{small.port}{CATALOG_PATH}"


def test_redirect_to_a_login_page(small):
    small.fault_next("redirect_login")
    moved = get(small, params={"type": "llm"}, allow_redirects=False)
    assert moved.status_code == 302
    assert moved.headers["Location"] == f"{small.url}{LOGIN_PATH}?next=%2Fapi%2Fv1%2Fmodels%3Ftype%3Dllm"
    small.fault_next("redirect_login", status=307)
    page = get(small)
    assert page.status_code == 200 and urlsplit(page.url).path == LOGIN_PATH
    assert page.headers["Content-Type"].startswith("text/html") and b"<form" in page.content
    with pytest.raises(ValueError):
        page.json()


def test_login_page_on_the_catalog_path_itself(small):
    small.fault_next("login_page")
    status, headers, body = raw_get(small)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert body.startswith(b"<!DOCTYPE html>") and b'type="password"' in body
    assert "cache-control" not in headers and "etag" not in headers


# --- credentials echoed -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 500, 200])
def test_echo_key_puts_the_received_key_in_the_message(small, status):
    small.fault_next("echo_key", status=status)
    response = get(small, headers={"Authorization": f"Bearer {KEY}"})
    body = response.json()
    assert response.status_code == status and body["success"] is False
    assert KEY in body["message"]
    if status == 401:
        assert body["message"] == f"Invalid token: Bearer {KEY}"
    assert small.requests[-1].header("Authorization") == f"Bearer {KEY}"


def test_echo_key_without_a_key_still_answers(small):
    small.fault_next("echo_key")
    assert get(small).json()["message"] == "Invalid token: Bearer "


# --- bodies -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", ["json", "zeros"])
def test_gzip_bomb_is_small_on_the_wire_and_inflates_to_the_configured_size(small, content):
    small.fault_next("gzip_bomb", mb=4, content=content)
    status, headers, body = raw_get(small, headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert int(headers["content-length"]) == len(body) < 4 * MIB // 100
    inflated = inflate(body, 4 * MIB + 1)
    assert len(inflated) == 4 * MIB
    if content == "zeros":
        assert inflated.count(0) == len(inflated)
    else:
        payload = json.loads(inflated)
        assert payload["success"] is True and len(payload["data"]) > 50_000
        assert payload["data"][0] == {
            "model_id": "filler",
            "types": "llm",
            "pricing": {"input": 1, "output": 1},
        }
    assert small.requests[-1].body_bytes == len(body)


def test_oversized_is_a_valid_envelope_of_exactly_the_configured_size(small):
    small.fault_next("oversized", mb=3)
    status, headers, body = raw_get(small)
    assert status == 200 and int(headers["content-length"]) == len(body) == 3 * MIB
    payload = json.loads(body)
    assert payload["success"] is True and {r["model_id"] for r in payload["data"]} == {"filler"}
    small.fault_next("oversized", mb=3)
    head = requests.head(small.url + CATALOG_PATH, timeout=10)
    assert head.headers["Content-Length"] == str(3 * MIB) and head.content == b""


def test_deep_json_nests_the_configured_depth(small):
    small.fault_next("deep_json")
    body = get(small).content
    assert max_depth(body) == 1000
    small.fault_next("deep_json", depth=12)
    payload = get(small).json()
    assert payload["data"][:-1] == RECORDS
    assert payload["data"][-1]["nested"] == json.loads("[" * 9 + "]" * 9)
    assert max_depth(json.dumps(payload).encode()) == 12


def test_huge_price_has_the_configured_number_of_digits(small):
    small.fault_next("huge_price")
    payload = get(small, params={"type": "llm"}).json()
    assert payload["data"][:-1] == RECORDS[:1]  # the query's own records, then the bad one
    price = payload["data"][-1]["pricing"]["input"]
    assert isinstance(price, int) and len(str(price)) == 400
    with pytest.raises(OverflowError):
        float(price)


@pytest.mark.parametrize("field", ["model_name", "model_id"])
def test_lone_surrogate_is_an_escape_in_valid_utf8(small, field):
    small.fault_next("lone_surrogate", field=field)
    body = get(small).content
    assert b'"broken \\ud800 text"' in body
    text = body.decode("utf-8")  # the bytes are valid UTF-8: only the decoded string is broken
    bad = json.loads(text)["data"][-1][field]
    assert bad == "broken \ud800 text"
    with pytest.raises(UnicodeEncodeError):
        bad.encode("utf-8")


def test_empty_data(small):
    small.fault_next("empty_data")
    response = get(small)
    assert response.json() == {"data": [], "message": "", "success": True}
    assert response.headers["Cache-Control"].startswith("public, max-age=") and "ETag" in response.headers


def test_invalid_record_is_appended_to_the_real_data(small):
    small.fault_next("invalid_record")
    assert get(small).json()["data"] == [*RECORDS, {"model_id": 42}]
    small.fault_next("invalid_record", record={"model_id": None, "pricing": "free"})
    assert get(small).json()["data"][-1] == {"model_id": None, "pricing": "free"}


# --- time ---------------------------------------------------------------------------------------------


def test_trickle_takes_at_least_the_configured_time_and_defeats_a_per_read_timeout(small):
    small.fault_next("trickle", seconds=1.5, chunk=4, interval=0.05)
    started = time.monotonic()
    response = requests.get(small.url + CATALOG_PATH, timeout=0.5)  # each read waits at most 0.05 s
    elapsed = time.monotonic() - started
    assert response.json()["data"] == RECORDS
    assert elapsed >= 1.0  # generous lower bound of the configured 1.5 s
    assert small.requests[-1].fault == "trickle"


def test_trickle_sends_a_few_bytes_at_a_time(server):
    server.fault_next("trickle", seconds=0.5, chunk=8, interval=0.05)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", CATALOG_PATH)
    response = connection.getresponse()
    first = response.read1(1 << 16)
    rest = response.read()
    connection.close()
    assert 0 < len(first) <= 8
    assert json.loads(first + rest)["data"] == server.records


def test_a_trickle_ends_when_the_server_stops():
    outcome: list = []
    with CatalogServer(RECORDS) as server:
        server.fault_next("trickle", seconds=600, chunk=1, interval=0.05)

        def fetch():
            try:
                outcome.append(requests.get(server.url + CATALOG_PATH, timeout=30).content)
            except requests.RequestException as error:
                outcome.append(error)

        thread = threading.Thread(target=fetch, daemon=True)
        thread.start()
        while not server.requests:
            time.sleep(0.01)
    thread.join(timeout=120)  # a guard against hanging, not a timing assertion
    assert len(outcome) == 1 and isinstance(outcome[0], requests.RequestException)


# --- headers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_nan(small, status):
    small.fault_next("retry_after", status=status)
    response = get(small)
    assert response.status_code == status and response.headers["Retry-After"] == "nan"
    assert response.json()["success"] is False
    small.fault_next("retry_after", value="-1")
    assert get(small).headers["Retry-After"] == "-1"


def test_expires_never_is_the_only_freshness_header(small):
    small.fault_next("expires_never")
    response = get(small)
    assert response.headers["Expires"] == "never" and "Cache-Control" not in response.headers
    assert response.json()["data"] == RECORDS and "ETag" in response.headers


def test_huge_max_age(small):
    small.fault_next("huge_max_age")
    response = get(small)
    assert response.headers["Cache-Control"] == "max-age=999999999999"
    assert response.json()["data"] == RECORDS
