"""The legacy /v1/models endpoints: list as a frame, one model as a dict; ids are URL-quoted."""

from __future__ import annotations

import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import AuthenticationError, NotFoundError, OfflineError, SchemaError
from aihubmix_frame.http.cache import cached_session
from aihubmix_frame.http.legacy import fetch_legacy_models
from aihubmix_frame.http.maintenance import cache_info
from aihubmix_frame.testing import CatalogServer

ODD_IDS = [
    "org/model:free@v1(beta)",
    "Qwen/Qwen2.5-VL-72B-Instruct",
    "qwen2.5-vl-72b-instruct",
    "gpt-4o",
    "a b+c",
]


@pytest.fixture
def odd_server():
    records = [
        {
            "model_id": model_id,
            "vendor": "Org" if "/" in model_id else None,
            "release_date": "2025-03-01" if model_id == "gpt-4o" else None,
        }
        for model_id in ODD_IDS
    ]
    with CatalogServer(records) as server:
        yield server


def test_legacy_list_is_one_row_per_model_with_typed_columns(server):
    frame = ahf.load_legacy_models(base_url=server.url)
    raw = fetch_legacy_models(base_url=server.url)["data"]
    assert len(frame) == len(raw) == len(server.records)
    assert list(frame.columns[:6]) == ["id", "object", "owned_by", "created", "root", "parent"]
    assert frame["id"].tolist() == [m["id"] for m in raw]
    assert frame["id"].is_unique
    assert str(frame["created"].dt.tz) == "UTC"
    assert frame["created"].iloc[0] == pd.Timestamp(raw[0]["created"], unit="s", tz="UTC")
    permission = raw[0]["permission"][0]
    for key, value in permission.items():
        cell = frame[f"permission_{key}"].iloc[0]
        if key == "created":
            assert cell == pd.Timestamp(value, unit="s", tz="UTC")
        elif value is None:
            assert pd.isna(cell)
        else:
            assert cell == value
    assert (frame["permission_count"] == 1).all()
    assert "permission" not in frame.columns


def test_legacy_created_and_owner_follow_the_record(odd_server):
    frame = ahf.load_legacy_models(base_url=odd_server.url).set_index("id")
    assert frame.loc["gpt-4o", "created"] == pd.Timestamp("2025-03-01", tz="UTC")
    assert frame.loc["Qwen/Qwen2.5-VL-72B-Instruct", "owned_by"] == "Org"


@pytest.mark.parametrize("model_id", ODD_IDS)
def test_get_legacy_model_quotes_ids_exactly(odd_server, model_id):
    model = ahf.get_legacy_model(model_id, base_url=odd_server.url)
    assert model["id"] == model_id and model["root"] == model_id
    path = odd_server.requests[-1].path
    assert path.startswith("/v1/models/") and path.count("/") == 3, path  # '/' in the id is %2F


def test_ids_that_differ_only_in_case_are_different_models(odd_server):
    assert ahf.get_legacy_model("qwen2.5-vl-72b-instruct", base_url=odd_server.url)["id"] == "qwen2.5-vl-72b-instruct"
    with pytest.raises(NotFoundError, match=r"QWEN2\.5-VL-72B-INSTRUCT"):
        ahf.get_legacy_model("QWEN2.5-VL-72B-INSTRUCT", base_url=odd_server.url)


def test_unknown_model_raises_not_found_with_the_servers_message(server):
    with pytest.raises(NotFoundError, match="does not exist") as info:
        ahf.get_legacy_model("no-such-model", base_url=server.url)
    assert info.value.status == 404
    with pytest.raises(ValueError):
        ahf.get_legacy_model("  ", base_url=server.url)


def test_api_key_is_sent_as_bearer_and_checked():
    with CatalogServer([{"model_id": "m"}], api_key="sk-legacy") as server:
        with pytest.raises(AuthenticationError, match="API key"):
            ahf.load_legacy_models(base_url=server.url)
        frame = ahf.load_legacy_models(base_url=server.url, api_key="sk-legacy")
        assert frame["id"].tolist() == ["m"]
        assert server.requests[-1].header("Authorization") == "Bearer sk-legacy"
        assert "sk-legacy" not in repr(frame.attrs)


def test_api_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("AIHUBMIX_API_KEY", "sk-env-legacy")
    with CatalogServer([{"model_id": "m"}], api_key="sk-env-legacy") as server:
        assert ahf.get_legacy_model("m", base_url=server.url)["id"] == "m"


def test_legacy_answers_are_never_cached(server, cache_dir):
    session = cached_session(cache_dir=cache_dir)
    ahf.load_legacy_models(base_url=server.url, session=session, api_key="sk-one")
    ahf.load_legacy_models(base_url=server.url, session=session, api_key="sk-two")
    assert server.count("/v1/models") == 2
    assert cache_info(cache_dir=cache_dir)["responses"] == 0


def test_legacy_errors(server):
    server.fail_next(1, status=500)
    with pytest.raises(ahf.APIError, match="HTTP 500"):
        ahf.load_legacy_models(base_url=server.url)
    server.malform_next(1, kind="html")
    with pytest.raises(SchemaError, match="not JSON"):
        ahf.load_legacy_models(base_url=server.url)
    server.fail_next(1, status=503, retry_after=0)
    assert len(ahf.load_legacy_models(base_url=server.url)) == len(server.records)  # retried
    server.down()
    with pytest.raises(OfflineError, match="no cache or snapshot"):
        ahf.load_legacy_models(base_url=server.url)
