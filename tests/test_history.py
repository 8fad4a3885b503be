"""CatalogHistory on a real history (three catalog versions), hostile ids, the fetch hook and the CLI."""

from __future__ import annotations

import inspect
import itertools
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers_publicproviderconf import FETCHED_AT, envelope, load_dist, provenance

import aihubmix_frame as ahf
from aihubmix_frame import schema
from aihubmix_frame.errors import HistoryWarning, NotACatalogError
from aihubmix_frame.store import content_hash, record_fetch

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
    refetched.attrs["aihubmix"] = {
        **refetched.attrs["aihubmix"],
        "fetched_at": "2025-10-04T00:00:00Z",
        "etag": "x",
    }
    assert ledger.record(refetched) is None  # attrs differ, content does not
    assert ledger.record(versions["2025-10-03"].iloc[::-1]) is None  # nor does a re-sorted fetch
    assert ledger.record(versions["2025-11-11"]) is not None
    assert ledger.record(versions["2025-11-11"]) is None
    assert len(ledger) == 2 and len(list((tmp_path / "ledger").glob("*.parquet"))) == 2
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
    for older, newer in itertools.pairwise(VERSIONS):
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

    gone = next(
        iter(
            {m["id"] for m in load_dist("2025-10-03")["models"]}
            - {m["id"] for m in load_dist("2025-11-11")["models"]}
            - {m["id"] for m in load_dist("2026-07-02")["models"]}
        )
    )
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
    frame = ahf.catalog_to_frame(
        [{"model_id": i, "pricing": {"input": n, "output": n}} for n, i in enumerate(hostile)],
        provenance={"fetched_at": "2026-07-02T00:00:00Z"},
    )
    folder = tmp_path / "deep" / "ledger"
    ledger = ahf.CatalogHistory(folder)
    path = ledger.record(frame)
    cheaper = frame.copy()
    cheaper["input_usd_per_1m"] = cheaper["input_usd_per_1m"] / 2
    cheaper.attrs["aihubmix"] = {**frame.attrs["aihubmix"], "fetched_at": "2026-07-03T00:00:00Z"}
    ledger.record(cheaper)
    everything = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert everything[:2] == [Path("deep"), Path("deep/ledger")]
    assert everything[2] == Path("deep/ledger/.lock")  # the writers' lock, never a snapshot
    assert all(p.parent == Path("deep/ledger") and p.name.startswith("catalog_") for p in everything[3:])
    assert len(everything) == 5 and path.parent == folder
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


def test_a_reordered_or_price_edited_full_catalog_is_still_complete(tmp_path, snapshot):
    ledger = ahf.CatalogHistory(tmp_path)
    assert ledger.record(snapshot) is not None
    shuffled = snapshot.sample(frac=1, random_state=1)
    assert schema.is_complete_catalog(shuffled) and ledger.record(shuffled) is None  # same content
    edited = shuffled.copy()
    edited.loc[edited["model_id"] == "gpt-4o", "input_usd_per_1m"] = 1.0
    edited.attrs["aihubmix"] = {**snapshot.attrs["aihubmix"], "fetched_at": "2026-07-05T00:00:00Z"}
    path = ledger.record(edited)
    assert path is not None and not path.name.endswith("_subset.parquet")
    assert ledger.snapshots["subset"].tolist() == [False, False]
    assert ledger.asof("2026-07-06")["model_id"].tolist() == edited["model_id"].tolist()


SUBSETS = {
    "boolean mask": lambda df: df[df["has_tools"]],
    "aihub.filter": lambda df: df.aihub.filter(type="llm"),
    "head": lambda df: df.head(),
}


@pytest.mark.parametrize("make", SUBSETS.values(), ids=SUBSETS.keys())
def test_a_subset_is_refused_with_the_reason_whatever_its_attrs_say(tmp_path, snapshot, make):
    subset = make(snapshot)
    # pandas carries attrs over to the subset: it still holds the full catalog's fingerprint
    carried = subset.attrs["aihubmix"]
    assert carried[schema.COMPLETE_KEY] == snapshot.attrs["aihubmix"][schema.COMPLETE_KEY] and carried["params"] == {}
    ledger = ahf.CatalogHistory(tmp_path)
    with pytest.raises(ValueError) as refused:
        ledger.record(subset)
    message = str(refused.value)
    assert f"holds {len(subset)} of the {len(snapshot)} models" in message
    assert f"report the {len(snapshot) - len(subset)} missing models as removed" in message
    assert "subset=True" in message and "load_catalog() without filters" in message
    assert len(ledger) == 0 and not list(tmp_path.iterdir())

    path = ledger.record(subset, subset=True)
    assert path.name.endswith("_subset.parquet") and ledger.snapshots["subset"].tolist() == [True]
    pd.testing.assert_frame_equal(ahf.read_parquet(path), subset, check_exact=True)
    assert ledger.record(subset, allow_filtered=True) is None  # the older name; same content


def test_frames_that_never_were_a_complete_catalog_are_refused(tmp_path, snapshot):
    ledger = ahf.CatalogHistory(tmp_path)
    bare = snapshot.copy()
    bare.attrs = {}
    with pytest.raises(ValueError, match="carry no record of a complete catalog"):
        ledger.record(bare)
    renamed = snapshot.copy()
    renamed.loc[0, "model_id"] = "someone-else"
    with pytest.raises(ValueError, match="model ids are not those of the 804-model catalog"):
        ledger.record(renamed)
    with pytest.raises(NotACatalogError, match="model_id"):
        ledger.record(pd.DataFrame({"price": [1.0]}))
    unfiltered_noop = snapshot.aihub.filter()  # a filter that set no condition keeps everything
    assert ledger.record(unfiltered_noop) is not None


def later(frame: pd.DataFrame, fetched_at: str) -> pd.DataFrame:
    frame = frame.copy()
    frame.attrs["aihubmix"] = {**frame.attrs["aihubmix"], "fetched_at": fetched_at}
    return frame


def test_a_subset_snapshot_is_compared_only_on_its_models(tmp_path, snapshot_payload):
    full = ahf.catalog_to_frame(snapshot_payload, provenance={"fetched_at": "2026-07-02T00:00:00Z"})
    ledger = ahf.CatalogHistory(tmp_path)
    ledger.record(full)
    llm = later(full.aihub.filter(type="llm"), "2026-07-03T00:00:00Z")
    llm.loc[llm["model_id"] == "gpt-4o", "input_usd_per_1m"] = 2.0
    assert ledger.record(llm, subset=True) is not None
    tools = later(full[full["has_tools"] & (full["model_id"] != "gpt-4o")], "2026-07-04T00:00:00Z")
    assert ledger.record(tools, subset=True) is not None

    changes = ledger.diff()
    assert changes[["model_id", "change", "field"]].values.tolist() == [["gpt-4o", "changed", "input_usd_per_1m"]]
    assert changes["snapshot_at"].tolist() == [pd.Timestamp("2026-07-03T00:00:00Z")]
    assert changes["pct_change"].iloc[0] == pytest.approx(-0.2)
    assert ledger.diff(net=True)[["model_id", "change"]].values.tolist() == [["gpt-4o", "changed"]]

    # the catalog as of then: every model is still there, gpt-4o at its new price
    then = ledger.asof("2026-07-05")
    assert len(then) == len(full) and then["model_id"].tolist() == full["model_id"].tolist()
    assert then.loc[then["model_id"] == "gpt-4o", "input_usd_per_1m"].tolist() == [2.0]
    assert schema.is_complete_catalog(then)
    assert then.attrs["aihubmix"]["updated_by_subsets"] == [
        "2026-07-03T00:00:00+00:00",
        "2026-07-04T00:00:00+00:00",
    ]
    pd.testing.assert_frame_equal(ledger.asof("2026-07-02T12:00:00Z"), full, check_exact=True)

    # the next full fetch: the price seen in the subset is not reported twice; a real removal is
    gone = next(i for i in full["model_id"] if i != "gpt-4o")
    records = [r for r in snapshot_payload["data"] if r["model_id"] != gone]
    next(r for r in records if r["model_id"] == "gpt-4o")["pricing"]["input"] = 2.0
    ledger.record(ahf.catalog_to_frame(records, provenance={"fetched_at": "2026-07-06T00:00:00Z"}))
    step = ledger.diff(since="2026-07-05")
    assert step[["model_id", "change"]].values.tolist() == [[gone, "removed"]]

    summary = ledger.summary()
    assert summary["models"].tolist() == [len(full), len(llm), len(tools), len(full) - 1]
    assert summary["subset"].tolist() == [False, True, True, False]
    assert summary[["added", "removed", "changed"]].values.tolist() == [
        [0, 0, 0],
        [0, 0, 1],
        [0, 0, 0],
        [0, 1, 0],
    ]

    stacked = ledger.load()
    assert len(stacked) == 2 * len(full) - 1 + len(llm) + len(tools)
    assert len(ledger.load(subsets=False)) == 2 * len(full) - 1
    assert ledger.price_history("gpt-4o")["input_usd_per_1m"].tolist() == [2.5, 2.0, 2.0]


def test_a_ledger_of_subsets_only_never_reports_removals(tmp_path, snapshot):
    ledger = ahf.CatalogHistory(tmp_path)
    ledger.record(later(snapshot.aihub.filter(type="llm"), "2026-07-03T00:00:00Z"), subset=True)
    fewer = later(snapshot.aihub.filter(type="llm").iloc[5:], "2026-07-04T00:00:00Z")
    fewer.loc[fewer["model_id"] == "gpt-4o", "output_usd_per_1m"] = 5.0
    ledger.record(fewer, subset=True)
    changes = ledger.diff()
    assert changes[["model_id", "change", "field"]].values.tolist() == [["gpt-4o", "changed", "output_usd_per_1m"]]
    assert len(ledger.asof("2026-07-05")) == len(snapshot.aihub.filter(type="llm"))


def test_files_of_the_previous_version_still_read(tmp_path, versions):
    """Before subsets, names had no flag and attrs no completeness fingerprint: all full catalogs."""
    folder = tmp_path / "old-ledger"
    folder.mkdir()
    for sequence, version in enumerate(VERSIONS):
        frame = versions[version].copy()
        frame.attrs["aihubmix"] = {k: v for k, v in frame.attrs["aihubmix"].items() if k != schema.COMPLETE_KEY}
        at = pd.Timestamp(FETCHED_AT[version]).strftime("%Y%m%dT%H%M%S%f")
        ahf.store.write_parquet(frame, folder / f"catalog_{at}Z_{sequence:06d}_{content_hash(frame)[:16]}.parquet")
    ledger = ahf.CatalogHistory(folder, create=False)
    assert len(ledger) == 3 and not ledger.snapshots["subset"].any()
    direct = ahf.diff_catalogs(versions["2025-11-11"], versions["2026-07-02"])
    step = ledger.diff(since="2026-01-01")
    pd.testing.assert_frame_equal(step.drop(columns="snapshot_at"), direct)
    assert ledger.summary()["models"].tolist() == [len(versions[v]) for v in VERSIONS]
    assert len(ledger.asof("2026-01-01")) == len(versions["2025-11-11"])
    # the newest state is the old file as it was: a re-fetch of the same catalog is not stored again
    assert ledger.record(versions["2026-07-02"]) is None


def test_record_fetch_hook_for_load_catalog(tmp_path, snapshot):
    fetched = snapshot.copy()
    fetched.attrs["aihubmix"] = {
        **snapshot.attrs["aihubmix"],
        "source": "network",
        "fetched_at": "2026-11-25T08:00:00Z",
        "params": {},
    }
    path = record_fetch(fetched, tmp_path / "h")
    assert path is not None and record_fetch(fetched, tmp_path / "h") is None
    assert ahf.CatalogHistory(tmp_path / "h").snapshots["snapshot_at"].tolist() == [
        pd.Timestamp("2026-11-25T08:00:00Z")
    ]

    # a subset is skipped with a warning, whatever its params say (here: none at all)
    with pytest.warns(HistoryWarning, match=f"a filtered catalog \\({int(fetched['has_tools'].sum())} models"):
        assert record_fetch(fetched[fetched["has_tools"]], tmp_path / "h") is None
    assert len(ahf.CatalogHistory(tmp_path / "h")) == 1

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
    return subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
def test_cli_history_lists_snapshots_and_one_models_prices(history, tmp_path):
    done = run_cli("history", str(history.folder), "--format", "csv")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(__import__("io").StringIO(done.stdout))
    assert table["models"].tolist() == [len(load_dist(v)["models"]) for v in VERSIONS]
    ids = {v: {m["id"] for m in load_dist(v)["models"]} for v in VERSIONS}
    assert table["added"].tolist() == [
        0,
        len(ids["2025-11-11"] - ids["2025-10-03"]),
        len(ids["2026-07-02"] - ids["2025-11-11"]),
    ]
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


def test_a_history_csv_comes_back_with_its_snapshot_times(history, tmp_path):
    stacked = history.load()
    path = stacked.aihub.to_csv(tmp_path / "history.csv")
    back = ahf.store.read_history_csv(path)
    pd.testing.assert_series_equal(back["snapshot_at"], stacked["snapshot_at"])
    assert back["model_id"].tolist() == stacked["model_id"].tolist()
    # the plain CSV reader knows the catalog's columns only: history's own column stays text
    assert not isinstance(ahf.read_csv(path)["snapshot_at"].dtype, pd.DatetimeTZDtype)
