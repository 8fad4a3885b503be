"""Parity: the loopback server's filter/sort (its own plain code over raw JSON) vs the accessor.

``load_catalog(**params)`` against ``CatalogServer`` must return the same model ids in the same
order as ``load_snapshot().aihub.filter(...).aihub.sort(...)``. Parameters travel as query
strings (comma lists joined); only valid values are drawn (an unknown one is a 400 by design).
"""

from __future__ import annotations

import pytest
from helpers_parity import IDS, filter_sort_params
from hypothesis import HealthCheck, given, settings

import aihubmix_frame as ahf
from aihubmix_frame import testing

SERVER_FILTERS = ("type", "modalities", "features", "model")


@pytest.fixture(scope="module")
def server():
    with testing.CatalogServer(max_age=300) as running:
        yield running


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("parity-cache")


def server_ids(server, cache_dir, params: dict) -> list[str]:
    query = {k: params[k] for k in SERVER_FILTERS if params.get(k) is not None}
    if params.get("sort_by"):
        query.update(sort_by=params["sort_by"], sort_order=params["sort_order"])
    frame = ahf.load_catalog(**query, base_url=server.url, cache_dir=cache_dir)
    return frame["model_id"].tolist()


def local_ids(params: dict) -> list[str]:
    frame = ahf.load_snapshot().aihub.filter(**{k: params.get(k) for k in SERVER_FILTERS})
    if params.get("sort_by"):
        frame = frame.aihub.sort(params["sort_by"], order=params["sort_order"])
    return frame["model_id"].tolist()


def test_server_serves_the_snapshot(server, cache_dir):
    assert server_ids(server, cache_dir, {}) == IDS


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(params=filter_sort_params(server=True))
def test_server_parity(server, cache_dir, params):
    assert server_ids(server, cache_dir, params) == local_ids(params)


def test_unknown_value_is_refused_by_both_sides(server, cache_dir):
    import requests

    answer = requests.get(f"{server.url}/api/v1/models", params={"type": "chat"}, timeout=10)
    assert answer.status_code == 400
    assert answer.json() == {"success": False, "message": "Invalid request parameter format"}
    # The client warns, still sends it (new values appear over time) and the server's 400 is an APIError.
    with (
        pytest.warns(ahf.UnknownValueWarning, match="unknown type 'chat'"),
        pytest.raises(ahf.APIError, match="HTTP 400"),
    ):
        ahf.load_catalog(type="chat", base_url=server.url, cache_dir=cache_dir)
    assert server.requests[-1].query == {"type": "chat"}
    with pytest.warns(ahf.UnknownValueWarning, match="unknown type 'chat'"):
        assert len(ahf.load_snapshot().aihub.filter(type="chat")) == 0
