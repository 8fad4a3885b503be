"""CatalogHistory on a real history (three catalog versions), hostile ids, the fetch hook and the CLI."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame import schema
from aihubmix_frame.errors import HistoryWarning
from aihubmix_frame.history import content_hash, record_fetch
from helpers_publicproviderconf import FETCHED_AT, envelope, load_dist, provenance

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ("2025-10-03", "2025-11-11", "2026-07-02")


def catalog(version: str) -> pd.DataFrame:
    return ahf.catalog_to_frame(envelope(version), provenance=provenance(version))


@pytest.fixture(scope="module")
def versions():
    return {v: catalog(v) for v in VERSIONS}


@pytest.fixture
def history(tmp_path, versions):
    ledger = ahf.CatalogHistory(tmp_path / "ledger")
    for version in VERSIONS:
        assert ledger.record(versions[version]) is not None
    return ledger


def test_record_keeps_one_snapshot_per_distinct_content(tmp_path, versions):
    ledger = ahf.CatalogHistory(tmp_path / "ledger")
    first = ledger.record(versions["2025-10-03"])
    assert first.parent == tmp_path / "ledger" and first.suffix == ".parquet"
    refetched = versions["2025-10-03"].copy()
    refetched.attrs["aihubmix"] = {**refetched.attrs["aihubmix"], "fetched_at": "2025-10-04T00:00:00Z", "etag": "x"}
    assert ledger.record(refetched) is None  # attrs differ, content does not
    assert ledger.record(versions["2025-10-03"].iloc[::-1]) is None  # nor does a re-sorted fetch
    assert ledger.record(versions["2025-11-11"]) is not None
    assert ledger.record(versions["2025-11-11"]) is None
    assert len(ledger) == 2 and len(list((tmp_path / "ledger").iterdir())) == 2
    # a stale cache serving the 2025-10 fetch again, after 2025-11 was recorded: already there
    assert ledger.record(versions["2025-10-03"]) is None and len(ledger) == 2
    pd.testing.assert_frame_equal(ahf.read_parquet(first), versions["2025-10-03"], check_exact=True)


def test_load_stacks_every_snapshot_with_its_utc_time(history, versions):
    stacked = history.load()
    assert len(stacked) == sum(len(load_dist(v)["models"]) for v in VERSIONS)
    assert list(stacked.columns[:2]) == ["snapshot_at", "model_id"]
    assert str(stacked["snapshot_at"].dtype) == "datetime64[us, UTC]"
    times = stacked["snapshot_at"].drop_duplicates().tolist()
    assert times == [pd.Timestamp(FETCHED_AT[v]) for v in VERSIONS]
    per_snapshot = stacked.groupby("snapshot_at").size().tolist()
    assert per_snapshot == [len(load_dist(v)["models"]) for v in VERSIONS]
    assert stacked.loc[stacked["snapshot_at"] == times[0], "developer"].notna().any()
    # the stacked frame still works with the accessor
    llm = stacked.aihub.filter(type="llm")
    assert llm.groupby("snapshot_at").size().index.tolist() == times


def test_diff_walks_the_snapshots_and_counts_match_the_raw_files(history, versions):
    changes = history.diff()
    ids = {v: {m["id"] for m in load_dist(v)["models"]} for v in VERSIONS}
    for older, newer in zip(VERSIONS, VERSIONS[1:]):
        step = changes[changes["snapshot_at"] == pd.Timestamp(FETCHED_AT[newer])]
        assert set(step.loc[step["change"] == "added", "model_id"]) == ids[newer] - ids[older]
        assert set(step.loc[step["change"] == "removed", "model_id"]) == ids[older] - ids[newer]
        direct = ahf.diff_catalogs(versions[older], versions[newer])
        pd.testing.assert_frame_equal(step.drop(columns="snapshot_at").reset_index(drop=True), direct)

    since = history.diff(since=FETCHED_AT["2025-11-11"])
    assert set(since["snapshot_at"]) == {pd.Timestamp(FETCHED_AT["2026-07-02"])}
    net = history.diff(since="2025-10-10", net=True)  # from the catalog as of 2025-10-10
    direct = ahf.diff_catalogs(versions["2025-10-03"], versions["2026-07-02"])
    pd.testing.assert_frame_equal(net.drop(columns="snapshot_at"), direct)
    assert history.diff(since="2030-01-01").empty


def test_price_history_is_the_raw_prices_over_time(history):
    series = history.price_history("gpt-4o")
    assert list(series.columns) == ["snapshot_at", "model_id", *schema.PRICE_COLUMNS]
    expected = []
    for version in VERSIONS:
        for model in load_dist(version)["models"]:
            if model["id"] != "gpt-4o":
                continue
            meta = model["metadata"]
            if version == "2025-10-03":
                base = 2 * meta["modelRatio"]
                expected.append((base, base * meta["completionRatio"]))
            else:
                expected.append((meta["pricing"]["input"], meta["pricing"]["output"]))
    assert len(expected) == len(series) == 3
    assert list(zip(series["input_usd_per_1m"], series["output_usd_per_1m"])) == expected
    assert series["input_usd_per_1m"].iloc[-1] == 2.5  # USD per 1M tokens

    gone = next(iter({m["id"] for m in load_dist("2025-10-03")["models"]}
                     - {m["id"] for m in load_dist("2025-11-11")["models"]}
                     - {m["id"] for m in load_dist("2026-07-02")["models"]}))
    assert history.price_history(gone)["snapshot_at"].tolist() == [pd.Timestamp(FETCHED_AT["2025-10-03"])]
    with pytest.raises(LookupError, match="case-sensitive: did you mean \\['gpt-4o'\\]"):
        history.price_history("GPT-4o")


def test_asof_gives_the_catalog_as_it_was(history, versions):
    between = history.asof("2026-01-01T00:00:00+08:00")
    pd.testing.assert_frame_equal(between, versions["2025-11-11"], check_exact=True)
    assert between.attrs == versions["2025-11-11"].attrs
    exact = history.asof(pd.Timestamp(FETCHED_AT["2026-07-02"]))
    pd.testing.assert_frame_equal(exact, versions["2026-07-02"], check_exact=True)
    with pytest.raises(LookupError, match="first snapshot is from 2025-10-03"):
        history.asof("2025-01-01")
    with pytest.raises(ValueError, match="not a timestamp"):
        history.asof("last tuesday")


def test_hostile_ids_never_escape_the_folder(tmp_path):
    hostile = ["../../escape", "/etc/passwd", "a/b:c", "..", ".", "C:\\x", "nul\x00byte", "~root", "*?<>|"]
    frame = ahf.catalog_to_frame([{"model_id": i, "pricing": {"input": n, "output": n}} for n, i in enumerate(hostile)],
                                 provenance={"fetched_at": "2026-07-02T00:00:00Z"})
    folder = tmp_path / "deep" / "ledger"
    ledger = ahf.CatalogHistory(folder)
    path = ledger.record(frame)
    cheaper = frame.copy()
    cheaper["input_usd_per_1m"] = cheaper["input_usd_per_1m"] / 2
    cheaper.attrs["aihubmix"] = {**frame.attrs["aihubmix"], "fetched_at": "2026-07-03T00:00:00Z"}
    ledger.record(cheaper)
    everything = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert everything[:2] == [Path("deep"), Path("deep/ledger")]
    assert all(p.parent == Path("deep/ledger") and p.name.startswith("catalog_") for p in everything[2:])
    assert len(everything) == 4 and path.parent == folder
    assert ledger.load()["model_id"].tolist() == hostile * 2
    assert ledger.price_history("../../escape")["input_usd_per_1m"].tolist() == [0.0, 0.0]
    assert ledger.price_history("a/b:c")["input_usd_per_1m"].tolist() == [2.0, 1.0]


def test_content_hash_ignores_attrs_and_order_but_not_values(snapshot):
    shuffled = snapshot.sample(frac=1, random_state=0)
    shuffled.attrs = {}
    assert content_hash(shuffled) == content_hash(snapshot)
    changed = snapshot.copy()
    changed.loc[5, "features"] = ["web"]
    assert content_hash(changed) != content_hash(snapshot)
    assert content_hash(snapshot.drop(columns="desc")) != content_hash(snapshot)


def test_filtered_catalogs_are_refused_unless_allowed(tmp_path, snapshot):
    ledger = ahf.CatalogHistory(tmp_path)
    with pytest.raises(ValueError, match="filtered"):
        ledger.record(snapshot.aihub.filter(type="llm"))
    assert ledger.record(snapshot.aihub.filter(type="llm"), allow_filtered=True) is not None
    unfiltered_noop = snapshot.aihub.filter()  # a filter that set no condition keeps everything
    assert ahf.CatalogHistory(tmp_path / "other").record(unfiltered_noop) is not None


def test_record_fetch_hook_for_load_catalog(tmp_path, snapshot):
    fetched = snapshot.copy()
    fetched.attrs["aihubmix"] = {**snapshot.attrs["aihubmix"], "source": "network",
                                 "fetched_at": "2026-11-25T08:00:00Z", "params": {}}
    path = record_fetch(fetched, tmp_path / "h")
    assert path is not None and record_fetch(fetched, tmp_path / "h") is None
    assert ahf.CatalogHistory(tmp_path / "h").snapshots["snapshot_at"].tolist() == [pd.Timestamp("2026-11-25T08:00:00Z")]

    filtered = fetched.copy()
    filtered.attrs["aihubmix"] = {**fetched.attrs["aihubmix"], "params": {"type": "llm"}}
    with pytest.warns(HistoryWarning, match="filtered"):
        assert record_fetch(filtered, tmp_path / "h") is None

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.warns(HistoryWarning, match="not recorded"):
        assert record_fetch(fetched, blocker / "h") is None  # the load itself must not fail

    # the offline fallback is not a fetch from the API: never recorded by the hook
    assert record_fetch(snapshot, tmp_path / "fallback") is None
    assert not (tmp_path / "fallback").exists()

    # the bundled snapshot is never recorded by loading it: load_snapshot takes no history
    assert "history" not in inspect.signature(ahf.load_snapshot).parameters
    with pytest.raises(TypeError):
        ahf.load_snapshot(history=tmp_path / "h")


def test_empty_history(tmp_path):
    ledger = ahf.CatalogHistory(tmp_path / "new")
    assert len(ledger) == 0 and ledger.load().empty and ledger.diff().empty
    assert "snapshot_at" in ledger.load().columns
    with pytest.raises(LookupError, match="history is empty"):
        ledger.asof("2026-01-01")
    with pytest.raises(FileNotFoundError, match="record a catalog first"):
        ahf.CatalogHistory(tmp_path / "missing", create=False)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aihubmix_frame", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_history_lists_snapshots_and_one_models_prices(history, tmp_path):
    done = run_cli("history", str(history.folder), "--format", "csv")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(__import__("io").StringIO(done.stdout))
    assert table["models"].tolist() == [len(load_dist(v)["models"]) for v in VERSIONS]
    ids = {v: {m["id"] for m in load_dist(v)["models"]} for v in VERSIONS}
    assert table["added"].tolist() == [0, len(ids["2025-11-11"] - ids["2025-10-03"]), len(ids["2026-07-02"] - ids["2025-11-11"])]
    assert table["removed"].tolist()[1] == len(ids["2025-10-03"] - ids["2025-11-11"])

    done = run_cli("history", str(history.folder), "--model", "gpt-4o")
    assert done.returncode == 0 and "2.5" in done.stdout and "3 snapshots" in done.stderr

    fresh = tmp_path / "cron"
    done = run_cli("history", str(fresh), "--record", "--offline")
    assert done.returncode == 0 and "recorded" in done.stderr, done.stderr
    done = run_cli("history", str(fresh), "--record", "--offline")
    assert "nothing recorded" in done.stderr and len(ahf.CatalogHistory(fresh)) == 1

    done = run_cli("history", str(tmp_path / "nowhere"), "--model", "x")
    assert done.returncode == 2 and "record a catalog first" in done.stderr and "Traceback" not in done.stderr


def test_a_frame_without_fetched_at_is_stamped_now(tmp_path):
    frame = ahf.catalog_to_frame([{"model_id": "m", "pricing": {"input": 1, "output": 2}}])
    assert frame.attrs["aihubmix"]["fetched_at"] is None
    before = pd.Timestamp.now(tz="UTC")
    ahf.CatalogHistory(tmp_path).record(frame)
    after = pd.Timestamp.now(tz="UTC")
    (stamp,) = ahf.CatalogHistory(tmp_path).snapshots["snapshot_at"]
    assert before.floor("us") <= stamp <= after
