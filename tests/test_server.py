"""CatalogServer: the documented API on loopback, its independent filter/sort, and fault injection."""

from __future__ import annotations

import json
import re

import pytest
import requests

import aihubmix_frame as ahf
from aihubmix_frame.testing import INVALID_PARAMETER_MESSAGE, CatalogServer, query_records

CATALOG = "/api/v1/models"


def get(server, path=CATALOG, **kwargs):
    return requests.get(server.url + path, timeout=10, **kwargs)


def test_envelope_and_cache_headers(server, snapshot_payload):
    response = get(server)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Cache-Control"] == "public, max-age=300, stale-while-revalidate=300"
    assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["ETag"])  # strong: no W/ prefix
    body = response.json()
    assert body["success"] is True and body["message"] == ""
    assert body["data"] == snapshot_payload["data"]
    assert server.requests[-1].body_bytes == len(response.content)


@pytest.mark.parametrize("form", ["{etag}", "W/{etag}", '"other", {etag}', "*"])
def test_matching_if_none_match_gives_304_without_body(server, form):
    etag = get(server).headers["ETag"]
    response = get(server, headers={"If-None-Match": form.format(etag=etag)})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == etag
    assert server.requests[-1].status == 304 and server.requests[-1].body_bytes == 0


def test_etag_is_a_content_hash_per_query_and_changes_with_the_payload(server, snapshot_payload):
    etag_all = get(server).headers["ETag"]
    etag_llm = get(server, params={"type": "llm"}).headers["ETag"]
    assert etag_all != etag_llm
    assert get(server).headers["ETag"] == etag_all  # stable for the same content

    changed = json.loads(json.dumps(snapshot_payload))
    changed["data"][0]["pricing"]["input"] = 123.0
    server.set_payload(changed)
    response = get(server, headers={"If-None-Match": etag_all})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag_all
    assert response.json()["data"][0]["pricing"]["input"] == 123.0


# Handpicked parity cases: the server's plain-Python code against the vectorised local filter/sort.
PARITY_CASES = [
    {"type": "llm"},
    {"type": "t2t"},
    {"type": "image_generation,llm"},
    {"type": "T2I，video"},
    {"type": "ocr"},
    {"type": "search", "model": "Gemini"},
    {"modalities": "text,image"},
    {"modalities": "pdf, AUDIO"},
    {"features": "thinking,tools"},
    {"features": "tool"},
    {"features": "Thinking，tools", "type": "llm"},
    {"model": "GPT-5"},
    {"model": "  claude "},
    {"model": "/"},
    {"type": "llm", "sort_by": "model_ratio"},
    {"type": "llm", "sort_by": "model_ratio", "sort_order": "desc"},
    {"sort_by": "context_length"},
    {"sort_by": "context_length", "sort_order": "desc"},
    {"sort_by": "coding"},
    {"sort_by": "coding", "sort_order": "desc", "type": "llm"},
    {"sort_by": "order", "sort_order": "desc", "features": "web"},
    {
        "type": "llm",
        "modalities": "text,image",
        "features": "thinking",
        "model": "gpt",
        "sort_by": "context_length",
        "sort_order": "desc",
    },
]


def local_query(frame, params):
    filters = {k: params[k] for k in ("type", "modalities", "features", "model") if k in params}
    result = frame.aihub.filter(**filters)
    if "sort_by" in params:
        result = result.aihub.sort(params["sort_by"], order=params.get("sort_order", "asc"))
    return result["model_id"].tolist()


@pytest.mark.parametrize("params", PARITY_CASES, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()))
def test_server_filter_and_sort_equal_local_accessor(server, snapshot, params):
    response = get(server, params=params)
    assert response.status_code == 200
    served = [r["model_id"] for r in response.json()["data"]]
    assert served == local_query(snapshot, params)
    if "sort_by" not in params or params.get("sort_by") != "order":
        assert served, "a parity case that matches nothing proves little"


def test_parity_on_ties_missing_values_and_odd_records():
    records = [
        {"model_id": "a", "types": "llm", "context_length": 8000, "pricing": {"input": 1, "output": 1}},
        {"model_id": "b-coder", "types": ["t2t"], "context_length": 0, "pricing": {"input": 1, "output": 2}},
        {
            "model_id": "c",
            "types": "llm,search",
            "context_length": "8000",
            "pricing": {"input": 0.5, "output": 1},
        },
        {
            "model_id": "d",
            "model_name": "Codestral mini",
            "types": "",
            "features": "reasoning",
            "pricing": {"input": 2, "output": 2},
        },
        {
            "model_id": "E",
            "types": "llm",
            "context_length": 4000,
            "features": "tool_calling，web",
            "pricing": {"input": 1, "output": 0},
        },
    ]
    frame = ahf.catalog_to_frame(records)
    for params in [
        {"sort_by": key, "sort_order": order}
        for key in ("model_ratio", "context_length", "coding", "order")
        for order in ("asc", "desc")
    ] + [{"type": "llm"}, {"features": "thinking"}, {"features": "function_calling,web"}, {"model": "e"}]:
        assert [r["model_id"] for r in query_records(records, params)] == local_query(frame, params), params
    # ties keep catalog order in both directions; missing context (0 / absent) always last
    assert [r["model_id"] for r in query_records(records, {"sort_by": "context_length", "sort_order": "desc"})] == [
        "a",
        "c",
        "E",
        "b-coder",
        "d",
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"type": "lmm"},
        {"features": "flying"},
        {"modalities": "smell"},
        {"type": "llm,nonsense"},
        {"sort_by": "price"},
        {"sort_order": "up"},
        {"sort_by": "coding", "sort_order": "sideways"},
    ],
)
def test_invalid_values_answer_400_and_the_local_side_warns_or_refuses(server, snapshot, params):
    response = get(server, params=params)
    assert response.status_code == 400
    assert response.json() == {"success": False, "message": INVALID_PARAMETER_MESSAGE}
    assert response.headers["Cache-Control"] == "no-store"
    if set(params) <= {"type", "features", "modalities"}:
        # Unknown list values warn locally (new values appear over time) and match no model.
        with pytest.warns(ahf.UnknownValueWarning):
            hits = local_query(snapshot, params)
        assert hits == (local_query(snapshot, {"type": "llm"}) if params == {"type": "llm,nonsense"} else [])
    else:
        with pytest.raises(ValueError):  # a sort key or order the frame cannot apply
            local_query(
                snapshot,
                {"sort_by": "order", **params} if "sort_order" in params and "sort_by" not in params else params,
            )


def test_repeated_and_empty_parameters(server, snapshot):
    repeated = get(server, params=[("type", "video"), ("type", "tts")]).json()["data"]
    assert [r["model_id"] for r in repeated] == local_query(snapshot, {"type": "video,tts"})
    everything = get(server, params={"type": "", "model": " ", "sort_by": ""}).json()["data"]
    assert len(everything) == len(snapshot)
    ignored = get(server, params={"unknown_parameter": "x"})
    assert ignored.status_code == 200 and len(ignored.json()["data"]) == len(snapshot)


def test_request_log_records_method_path_query_and_headers(server):
    get(server, params={"type": "llm"}, headers={"Authorization": "Bearer sk-test", "X-Trace": "1"})
    record = server.requests[-1]
    assert (record.method, record.path, record.query, record.status) == ("GET", CATALOG, {"type": "llm"}, 200)
    assert record.header("authorization") == "Bearer sk-test" and record.header("x-trace") == "1"
    assert server.count(CATALOG) == 1 and server.count(status=304) == 0


def test_other_methods_and_paths(server):
    assert requests.post(server.url + CATALOG, timeout=10).status_code == 405
    head = requests.head(server.url + CATALOG, timeout=10)
    assert head.status_code == 200 and head.content == b"" and "ETag" in head.headers
    missing = get(server, "/api/v2/nothing")
    assert missing.status_code == 404 and missing.json()["success"] is False


def test_legacy_list_has_the_documented_openai_shape(server, load_json, snapshot_payload):
    example = load_json("docs_aihubmix_cn_Models-API_legacy_and_error_examples.json")["list_example_GET_v1_models"]
    documented = example["data"][0]
    body = get(server, "/v1/models", headers={"Authorization": "Bearer anything"}).json()
    assert len(body["data"]) == len(snapshot_payload["data"])
    for model in body["data"][:50]:
        assert set(model) == set(documented)
        assert set(model["permission"][0]) == set(documented["permission"][0])
        assert model["object"] == "model" and model["root"] == model["id"] and model["parent"] is None
        assert isinstance(model["created"], int)
    assert [m["id"] for m in body["data"]] == [r["model_id"] for r in snapshot_payload["data"]]


def test_legacy_single_model_quoted_ids_and_404():
    odd = ["org/model:free@v1(beta)", "Qwen/Qwen2.5-VL-72B-Instruct", "plain"]
    with CatalogServer([{"model_id": model_id} for model_id in odd]) as server:
        for model_id in odd:
            quoted = requests.utils.quote(model_id, safe="")
            response = get(server, f"/v1/models/{quoted}")
            assert response.status_code == 200 and response.json()["id"] == model_id
        missing = get(server, "/v1/models/not-a-model")
        assert missing.status_code == 404
        assert "not-a-model" in missing.json()["error"]["message"]


def test_legacy_endpoints_can_demand_an_api_key():
    with CatalogServer([{"model_id": "m"}], api_key="sk-right") as server:
        assert get(server, "/v1/models").status_code == 401
        assert get(server, "/v1/models", headers={"Authorization": "Bearer sk-wrong"}).status_code == 401
        assert get(server, "/v1/models", headers={"Authorization": "Bearer sk-right"}).status_code == 200
        assert get(server).status_code == 200  # the catalog endpoint stays public


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_fail_next_answers_the_status_then_recovers(server, status):
    server.fail_next(2, status=status, **({"retry_after": 0} if status in (429, 503) else {}))
    first, second, third = get(server), get(server), get(server)
    assert (first.status_code, second.status_code, third.status_code) == (status, status, 200)
    assert first.json()["success"] is False
    if status in (429, 503):
        assert first.headers["Retry-After"] == "0"
    else:
        assert "Retry-After" not in first.headers


@pytest.mark.parametrize("kind", ["truncated", "html", "success_false"])
def test_malform_next_sends_a_broken_200_once(server, kind):
    server.malform_next(1, kind=kind)
    broken = get(server)
    assert broken.status_code == 200
    if kind == "truncated":
        with pytest.raises(ValueError):
            json.loads(broken.content)
    elif kind == "html":
        assert broken.headers["Content-Type"].startswith("text/html") and b"<html>" in broken.content
    else:
        assert broken.json()["success"] is False
    assert get(server).json()["success"] is True
    with pytest.raises(ValueError, match="unknown kind"):
        server.malform_next(1, kind="gibberish")


def test_delay_makes_a_short_timeout_fail(server):
    server.delay = 0.6
    with pytest.raises(requests.Timeout):
        requests.get(server.url + CATALOG, timeout=0.2)
    server.delay = 0
    assert get(server).status_code == 200


def test_down_refuses_connections_and_up_serves_on_the_same_port(server):
    url, port = server.url, server.port
    session = requests.Session()  # a pooled keep-alive connection must not survive down()
    assert session.get(url + CATALOG, timeout=10).status_code == 200
    server.down()
    with pytest.raises(requests.ConnectionError):
        session.get(url + CATALOG, timeout=10)
    with pytest.raises(requests.ConnectionError):
        requests.get(url + CATALOG, timeout=10)
    server.up()
    assert server.port == port and server.url == url
    assert session.get(url + CATALOG, timeout=10).status_code == 200


def test_custom_payload_and_repr():
    with CatalogServer({"data": [{"model_id": "x", "types": "llm"}], "success": True}, max_age=7) as server:
        assert "models=1" in repr(server) and "max_age=7" in repr(server)
        assert get(server).headers["Cache-Control"].startswith("public, max-age=7,")
    with pytest.raises(TypeError, match="envelope"):
        CatalogServer({"nope": 1})


@pytest.mark.parametrize(
    "needle",
    ["i", "I", "İ", "ı", "k", "\u212a", "ß", "SS", "ẞ", "ſ", "σ", "ς", "ΐ", "\u1fd3", "ﬅ", "ǅ", "Ǆ", "stra"],
)
def test_model_substring_is_python_lower_on_both_sides(needle):
    """The rule is `needle.lower() in model_id.lower()`, on the server and in the vectorised filter."""
    ids = [
        "İstanbul",
        "ılık",
        "Kelvin\u212a",
        "straße",
        "STRASSE",
        "ſtraẞe",
        "ΣΟΦΙΑ-ς",
        "ΐ-model",
        "\u1fd3-model",
        "ﬆ-model",
        "ǆ-model",
        "plain",
    ]
    records = [{"model_id": model_id} for model_id in ids]
    frame = ahf.catalog_to_frame(records)
    served = [r["model_id"] for r in query_records(records, {"model": needle})]
    assert served == frame.aihub.filter(model=needle)["model_id"].tolist()
