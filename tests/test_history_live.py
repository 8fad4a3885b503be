"""load_catalog(history=folder) records live fetches from a loopback CatalogServer."""

from __future__ import annotations

import copy

import pytest

import aihubmix_frame as ahf
from aihubmix_frame.loader import snapshot_payload
from aihubmix_frame.testing import CatalogServer


def test_live_fetches_build_a_price_history(tmp_path):
    payload = snapshot_payload()
    history_dir, cache_dir = tmp_path / "history", tmp_path / "cache"
    with CatalogServer(payload, max_age=300) as server:
        first = ahf.load_catalog(base_url=server.url, cache_dir=cache_dir, history=history_dir)
        assert first.attrs["aihubmix"]["source"] == "network" and ahf.schema.is_complete_catalog(first)
        ahf.load_catalog(base_url=server.url, cache_dir=cache_dir, history=history_dir)  # a cache hit
        assert len(ahf.CatalogHistory(history_dir).snapshots) == 1

        changed = copy.deepcopy(payload)
        gpt4o = next(r for r in changed["data"] if r["model_id"] == "gpt-4o")
        gpt4o["pricing"]["input"] = 2.0
        changed["data"] = [r for r in changed["data"] if r["model_id"] != "gpt-5"]
        server.set_payload(changed)
        second = ahf.load_catalog(base_url=server.url, cache_dir=cache_dir, history=history_dir, refresh=True)
        assert second.attrs["aihubmix"]["source"] == "network"

    history = ahf.CatalogHistory(history_dir)
    assert len(history.snapshots) == 2
    changes = history.diff()
    price = changes[(changes["model_id"] == "gpt-4o") & (changes["field"] == "input_usd_per_1m")]
    assert price[["old", "new"]].astype(float).values.tolist() == [[2.5, 2.0]]
    assert float(price["pct_change"].iloc[0]) == pytest.approx(-0.2)
    removed = changes[changes["change"] == "removed"]
    assert removed["model_id"].tolist() == ["gpt-5"]
    series = history.price_history("gpt-4o")
    assert series["input_usd_per_1m"].astype(float).tolist() == [2.5, 2.0]


def test_filtered_live_fetch_is_not_recorded(tmp_path):
    with CatalogServer(max_age=300) as server:
        with pytest.warns(ahf.HistoryWarning, match="filtered"):
            llm = ahf.load_catalog(type="llm", base_url=server.url, cache_dir=tmp_path / "c", history=tmp_path / "h")
        # the server filtered it: a complete answer to the query, not the complete catalog
        assert not ahf.schema.is_complete_catalog(llm)
        everything = ahf.load_catalog(sort_by="context_length", base_url=server.url, cache_dir=tmp_path / "c")
        assert ahf.schema.is_complete_catalog(everything)
    assert ahf.CatalogHistory(tmp_path / "h").snapshots.empty
