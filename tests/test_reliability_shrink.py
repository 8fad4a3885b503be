"""Issue 19, item 5: a catalog that shrinks or loses its prices never replaces the good copy in silence.

Against a CatalogServer: the good 804-model catalog is loaded (and recorded in a history), then the
server starts answering a broken one. The previous copy must be served with an
ImplausibleCatalogWarning giving the figures, stay the cached copy (offline, and with the server
down), and the history must record no mass removal. A moderate change is taken as before, and
``accept_shrink=True`` takes the broken one deliberately."""

from __future__ import annotations

import copy
import re

import pytest

import aihubmix_frame as ahf
from aihubmix_frame.cli import main
from aihubmix_frame.errors import ImplausibleCatalogWarning
from aihubmix_frame.plausibility import catalog_counts, check_plausible


def _half(payload):
    payload["data"] = payload["data"][:402]
    return payload


def _junk(payload):
    payload["data"] = [{"model_id": "x"}]
    return payload


def _unpriced(payload):
    for record in payload["data"]:
        record.pop("pricing", None)
    return payload


SHRINKS = {
    "804 -> 402 models": (_half, re.escape("402 models where the previous copy had 804 (-50%)")),
    "804 -> one junk record": (_junk, re.escape("1 models where the previous copy had 804 (-100%)")),
    "every price removed": (_unpriced, r"0 priced models where the previous copy had \d+ \(-100%\)"),
}


def load(server, history, **kwargs):
    return ahf.load_catalog(base_url=server.url, history=history, **kwargs)


def ids(frame):
    return frame["model_id"].tolist()


@pytest.mark.parametrize("name", SHRINKS)
def test_an_implausible_catalog_never_replaces_the_good_copy(server, cache_dir, tmp_path, snapshot_payload, name):
    shrink, figures = SHRINKS[name]
    history = tmp_path / "history"
    good = load(server, history)
    assert good.attrs["aihubmix"]["source"] == "network" and len(good) == 804
    server.set_payload(shrink(copy.deepcopy(snapshot_payload)))

    with pytest.warns(ImplausibleCatalogWarning, match=figures) as caught:
        served = load(server, history, force_refresh=True)
    message = str(caught[0].message)
    assert "accept_shrink=True" in message and "--accept-shrink" in message and "30%" in message
    assert issubclass(ImplausibleCatalogWarning, ahf.StaleCatalogWarning)
    assert ids(served) == ids(good) and served.attrs["aihubmix"]["source"] == "stale"
    assert "looks broken" in served.attrs["aihubmix"]["fallback_reason"]
    assert served["input_usd_per_1m"].notna().sum() == good["input_usd_per_1m"].notna().sum()

    # The good copy is still the cached one: offline, and with the server down.
    offline = load(server, history, offline=True)
    assert ids(offline) == ids(good)
    server.down()
    with pytest.warns(ahf.StaleCatalogWarning):
        down = load(server, history, force_refresh=True)
    assert ids(down) == ids(good)

    # The history holds the good catalog once, and no removal.
    recorded = ahf.CatalogHistory(history)
    assert len(recorded.snapshots) == 1
    assert recorded.diff().empty


def test_asking_again_warns_again_and_keeps_the_good_copy(server, cache_dir, tmp_path, snapshot_payload):
    good = load(server, None)
    server.set_payload(_half(copy.deepcopy(snapshot_payload)))
    for refresh in ({"force_refresh": True}, {"refresh": True}, {"force_refresh": True}):
        with pytest.warns(ImplausibleCatalogWarning):
            assert ids(load(server, None, **refresh)) == ids(good)


def test_a_moderate_change_is_accepted_as_before(server, cache_dir, tmp_path, snapshot_payload):
    history = tmp_path / "history"
    good = load(server, history)
    changed = copy.deepcopy(snapshot_payload)
    changed["data"] = changed["data"][:700]  # 13 % fewer models, a few repriced
    for record in changed["data"][:20]:
        record["pricing"] = {"input": 9.0, "output": 9.0}
    server.set_payload(changed)
    frame = load(server, history, force_refresh=True)  # no warning (warnings are errors here)
    assert frame.attrs["aihubmix"]["source"] == "network" and len(frame) == 700
    assert ids(load(server, history, offline=True)) == ids(frame)
    assert len(ahf.CatalogHistory(history).snapshots) == 2 and len(good) == 804


def test_accept_shrink_takes_the_new_catalog_deliberately(server, cache_dir, tmp_path, snapshot_payload):
    history = tmp_path / "history"
    load(server, history)
    server.set_payload(_half(copy.deepcopy(snapshot_payload)))
    with pytest.warns(ImplausibleCatalogWarning):
        load(server, history, force_refresh=True)
    # The good copy is fresh again in the cache: accept_shrink must still ask the server.
    accepted = load(server, history, accept_shrink=True)
    assert accepted.attrs["aihubmix"]["source"] == "network" and len(accepted) == 402
    assert len(load(server, history, offline=True)) == 402
    changes = ahf.CatalogHistory(history).diff()
    assert (changes["change"] == "removed").sum() == 402
    with pytest.raises(TypeError, match="accept_shrink"):
        load(server, history, accept_shrink="yes")


def test_the_cli_keeps_the_good_copy_and_accepts_on_request(server, cache_dir, snapshot_payload, capsys):
    assert main(["models", "--base-url", server.url, "--format", "csv"]) == 0
    server.set_payload(_half(copy.deepcopy(snapshot_payload)))
    capsys.readouterr()
    assert main(["models", "--base-url", server.url, "--refresh", "--format", "csv"]) == 0
    kept = capsys.readouterr()
    assert "402 models where the previous copy had 804" in kept.err and "--accept-shrink" in kept.err
    assert "804 models from the stale HTTP cache" in kept.err
    assert main(["models", "--base-url", server.url, "--accept-shrink", "--format", "csv"]) == 0
    assert "402 models from the network" in capsys.readouterr().err


def test_the_rule_is_pure_and_its_thresholds_are_the_documented_ones(snapshot):
    counts = catalog_counts(snapshot)
    assert counts.models == 804 and 0 < counts.priced <= 804 and counts.usable >= counts.priced
    assert check_plausible(snapshot, snapshot.iloc[:562]) is not None  # 242 of 804 fewer: 30.1 %
    assert check_plausible(snapshot, snapshot.iloc[:563]) is None  # 241 fewer: 29.98 %, just under
    tiny = snapshot.iloc[:10]
    assert check_plausible(tiny, tiny.iloc[:1]) is None  # too small a previous copy to judge
    unpriced = snapshot.assign(input_usd_per_1m=None, output_usd_per_1m=None)
    finding = check_plausible(snapshot, unpriced)
    assert finding.new.priced == 0 and "priced models" in str(finding)
