"""diff_catalogs on three real catalog versions, checked against plain set/dict arithmetic on the raw files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers_publicproviderconf import envelope, load_dist, provenance

import aihubmix_frame as ahf
from aihubmix_frame import schema
from aihubmix_frame.errors import NotACatalogError

ROOT = Path(__file__).resolve().parent.parent
PRICE_KEYS = {
    "input": "input_usd_per_1m",
    "output": "output_usd_per_1m",
    "cache_read": "cache_read_usd_per_1m",
    "cache_write": "cache_write_usd_per_1m",
}


def catalog(version: str) -> pd.DataFrame:
    return ahf.catalog_to_frame(envelope(version), provenance=provenance(version))


def raw_prices(version: str) -> dict[str, dict[str, float]]:
    """model id -> raw prices, read straight from the dist file (no package code)."""
    prices = {}
    for model in load_dist(version)["models"]:
        meta = model["metadata"]
        if version == "2025-10-03":  # website endpoint: one-api ratios, $2 per 1M per ratio unit
            base = round(2 * meta["modelRatio"], 12)
            entry = {"input": base, "output": round(base * meta["completionRatio"], 12)}
            if meta["cacheRatio"] != 1:
                entry["cache_read"] = round(base * meta["cacheRatio"], 12)
        else:
            entry = {k: v for k, v in meta["pricing"].items() if k in PRICE_KEYS}
        prices[model["id"]] = entry
    return prices


def expected_price_changes(old: str, new: str) -> dict[tuple[str, str], tuple]:
    before, after = raw_prices(old), raw_prices(new)
    changes = {}
    for model_id in before.keys() & after.keys():
        for key, column in PRICE_KEYS.items():
            a, b = before[model_id].get(key), after[model_id].get(key)
            if a != b:
                changes[(model_id, column)] = (a, b)
    return changes


@pytest.fixture(scope="module")
def versions():
    return {v: catalog(v) for v in ("2025-10-03", "2025-11-11", "2026-07-02")}


@pytest.mark.parametrize(
    "old,new", [("2025-10-03", "2025-11-11"), ("2025-11-11", "2026-07-02"), ("2025-10-03", "2026-07-02")]
)
def test_real_additions_removals_and_price_changes(versions, old, new):
    changes = ahf.diff_catalogs(versions[old], versions[new])
    old_ids = {m["id"] for m in load_dist(old)["models"]}
    new_ids = {m["id"] for m in load_dist(new)["models"]}
    added = changes.loc[changes["change"] == "added", "model_id"]
    removed = changes.loc[changes["change"] == "removed", "model_id"]
    assert set(added) == new_ids - old_ids and len(added) == len(new_ids - old_ids) > 0
    assert set(removed) == old_ids - new_ids and len(removed) == len(old_ids - new_ids) > 0

    prices = changes[changes["field"].isin(schema.PRICE_COLUMNS).fillna(False)]
    expected = expected_price_changes(old, new)
    assert len(expected) > 20
    found = {
        (m, f): (None if o is pd.NA else o, None if n is pd.NA else n)
        for m, f, o, n in zip(prices["model_id"], prices["field"], prices["old"], prices["new"])
    }
    assert found == expected
    for (model_id, field), (a, b) in expected.items():
        row = prices[(prices["model_id"] == model_id) & (prices["field"] == field)]
        pct = row["pct_change"].item()
        if a is None or b is None or a == 0:
            assert pct is pd.NA
        else:
            assert pct == pytest.approx((b - a) / a)


def test_descriptions_compare_exactly(versions):
    changes = ahf.diff_catalogs(versions["2025-11-11"], versions["2026-07-02"], fields=["desc"])
    before = {
        m["id"]: (m["metadata"].get("description") or "").strip() or None for m in load_dist("2025-11-11")["models"]
    }
    after = {
        m["id"]: (m["metadata"].get("description") or "").strip() or None for m in load_dist("2026-07-02")["models"]
    }
    expected = {i for i in before.keys() & after.keys() if before[i] != after[i]}
    assert set(changes.loc[changes["change"] == "changed", "model_id"]) == expected and expected


def test_a_field_on_one_side_only_is_a_change(versions):
    """The 2025-10 website endpoint sends ``developer``; the API of 2025-11 does not."""
    old, new = versions["2025-10-03"], versions["2025-11-11"]
    assert "developer" in old.columns and "developer" not in new.columns
    changes = ahf.diff_catalogs(old, new)
    developer = changes[changes["field"] == "developer"]
    raw_old = {m["id"]: m["metadata"].get("developer") for m in load_dist("2025-10-03")["models"]}
    new_ids = {m["id"] for m in load_dist("2025-11-11")["models"]}
    expected = {i for i, dev in raw_old.items() if i in new_ids and dev}
    assert set(developer["model_id"]) == expected and len(developer) == len(expected)
    assert developer["new"].isna().all() and developer["old"].notna().all()
    # and the other way round: only the old side lacks it
    back = ahf.diff_catalogs(new, old)
    assert set(back.loc[back["field"] == "developer", "model_id"]) == expected


def test_stable_order_new_catalog_order_then_removed_in_old_order(versions):
    old, new = versions["2025-11-11"], versions["2026-07-02"]
    changes = ahf.diff_catalogs(old, new)
    new_position = {m: i for i, m in enumerate(new["model_id"])}
    old_position = {m: i for i, m in enumerate(old["model_id"])}
    kept = changes[changes["change"] != "removed"]
    positions = [new_position[m] for m in kept["model_id"]]
    assert positions == sorted(positions)
    removed = changes[changes["change"] == "removed"]
    assert list(removed.index) == list(range(len(kept), len(changes)))  # removed come last
    assert [old_position[m] for m in removed["model_id"]] == sorted(old_position[m] for m in removed["model_id"])
    field_order = {c: i for i, c in enumerate(new.columns)}
    for _, rows in kept[kept["change"] == "changed"].groupby("model_id", sort=False):
        assert list(rows["field"]) == sorted(rows["field"], key=field_order.get)
    again = ahf.diff_catalogs(old, new)
    pd.testing.assert_frame_equal(again, changes)


def test_list_columns_compare_as_lists_and_na_handling(snapshot_payload):
    records = snapshot_payload["data"][:10]
    old = ahf.catalog_to_frame(records)
    multi = next(i for i, f in enumerate(old["features"]) if len(f) > 1)
    no_cache = next(i for i, r in enumerate(records) if "cache_write" not in r["pricing"] and i != multi)
    typed = next(i for i, r in enumerate(records) if r["types"] and i not in (multi, no_cache))
    changed = json.loads(json.dumps(records))
    changed[multi]["features"] = ",".join(reversed(old.loc[multi, "features"]))  # same tokens, new order
    changed[no_cache]["pricing"]["cache_write"] = 9.5  # NA -> value
    changed[typed]["types"] = changed[typed]["types"].upper() + ",  ,"  # same canonical tokens: no change
    new = ahf.catalog_to_frame(changed)
    changes = ahf.diff_catalogs(old, new)
    rows = {(m, f): (o, n) for m, f, o, n in zip(changes["model_id"], changes["field"], changes["old"], changes["new"])}
    first, second = records[multi]["model_id"], records[no_cache]["model_id"]
    assert set(rows) == {(first, "features"), (second, "cache_write_usd_per_1m")}
    assert rows[(first, "features")] == (
        list(old.loc[multi, "features"]),
        list(reversed(old.loc[multi, "features"])),
    )
    before, after = rows[(second, "cache_write_usd_per_1m")]
    assert before is pd.NA and after == 9.5
    assert changes["pct_change"].isna().all()  # no price to compare against
    assert changes.dtypes.astype(str).tolist() == [
        "string",
        "string",
        "string",
        "object",
        "object",
        "Float64",
    ]
    back = ahf.diff_catalogs(new, old)  # value -> NA is a change too
    assert back.loc[back["field"] == "cache_write_usd_per_1m", ["old", "new"]].values.tolist() == [[9.5, pd.NA]]


def test_ids_are_exact_and_case_sensitive(snapshot):
    upper, lower = "Qwen2.5-VL-72B-Instruct", "qwen2.5-vl-72b-instruct"
    assert {upper, lower} <= set(snapshot["model_id"])
    new = snapshot[snapshot["model_id"] != upper]
    changes = ahf.diff_catalogs(snapshot, new)
    assert changes[["model_id", "change"]].values.tolist() == [[upper, "removed"]]


def test_identical_catalogs_and_duplicates_and_bad_input(snapshot):
    same = ahf.diff_catalogs(snapshot, ahf.load_snapshot())
    assert same.empty and list(same.columns) == ["model_id", "change", "field", "old", "new", "pct_change"]
    with pytest.warns(ahf.DuplicateModelWarning):
        doubled = ahf.catalog_to_frame(
            [
                {"model_id": "a", "pricing": {"input": 1, "output": 1}},
                {"model_id": "a", "pricing": {"input": 2, "output": 1}},
            ]
        )
    single = ahf.catalog_to_frame([{"model_id": "a", "pricing": {"input": 1, "output": 1}}])
    assert ahf.diff_catalogs(doubled, single)[["model_id", "change"]].values.tolist() == [["a", "removed"]]
    with pytest.raises(NotACatalogError, match="model_id"):
        ahf.diff_catalogs(pd.DataFrame({"x": [1]}), snapshot)
    with pytest.raises(ValueError, match="unknown fields"):
        ahf.diff_catalogs(snapshot, snapshot, fields=["nope"])


def test_parquet_csv_and_json_copies_of_one_catalog_have_no_differences(snapshot, snapshot_payload, tmp_path):
    parquet = ahf.read_parquet(snapshot.aihub.to_parquet(tmp_path / "c.parquet"))
    from_csv = ahf.read_csv(snapshot.aihub.to_csv(tmp_path / "c.csv"))
    from_json = ahf.catalog_to_frame(snapshot_payload)
    for other in (parquet, from_csv, from_json):
        assert ahf.diff_catalogs(snapshot, other).empty


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
def test_cli_diff_reads_json_envelopes_parquet_and_csv(versions, tmp_path):
    old_json = tmp_path / "old.json"
    old_json.write_text(json.dumps(envelope("2025-11-11")), encoding="utf-8")
    new_parquet = versions["2026-07-02"].aihub.to_parquet(tmp_path / "new.parquet")
    done = subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", "diff", str(old_json), str(new_parquet), "--format", "csv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    printed = pd.read_csv(__import__("io").StringIO(done.stdout), keep_default_na=False)
    expected = ahf.diff_catalogs(versions["2025-11-11"], versions["2026-07-02"])
    assert len(printed) == len(expected)
    assert printed["model_id"].tolist() == expected["model_id"].tolist()
    added = len(
        {m["id"] for m in load_dist("2026-07-02")["models"]} - {m["id"] for m in load_dist("2025-11-11")["models"]}
    )
    assert f"{added} added" in done.stderr

    csv_old = versions["2025-11-11"].aihub.to_csv(tmp_path / "old.csv")
    done = subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", "diff", str(csv_old), str(old_json)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "(nothing to show)" in done.stdout and "0 added, 0 removed" in done.stderr

    done = subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", "diff", str(tmp_path / "missing.parquet"), str(old_json)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "no such file" in done.stderr and "Traceback" not in done.stderr


def test_a_subset_is_compared_only_on_the_models_it_holds(versions):
    old, new = versions["2025-11-11"], versions["2026-07-02"]
    full = ahf.diff_catalogs(old, new)
    llm = new.aihub.filter(type="llm")
    partial = ahf.diff_catalogs(old, llm, new_complete=False)
    assert set(partial["change"]) == {"changed"}
    expected = full[(full["change"] == "changed") & full["model_id"].isin(set(llm["model_id"]))]
    pd.testing.assert_frame_equal(partial.reset_index(drop=True), expected.reset_index(drop=True))
    assert partial.attrs["aihubmix"]["diff"]["new"]["complete"] is False

    # an old side that held only some models: nothing new is "added", real removals still count
    since_subset = ahf.diff_catalogs(old.aihub.filter(type="llm"), new, old_complete=False)
    assert "added" not in set(since_subset["change"])
    removed = set(since_subset.loc[since_subset["change"] == "removed", "model_id"])
    assert removed == set(old.aihub.filter(type="llm")["model_id"]) - set(new["model_id"]) and removed


def test_apply_subset_updates_only_the_models_it_holds(snapshot):
    cut = snapshot.aihub.filter(type="llm").iloc[::-1].copy()
    cut["input_usd_per_1m"] = cut["input_usd_per_1m"] / 2
    cut = cut.drop(columns=["desc"])  # a column the subset lacks keeps the catalog's values
    updated = ahf.store.apply_subset(snapshot, cut)
    assert updated.index.equals(snapshot.index) and list(updated.columns) == list(snapshot.columns)
    assert updated["model_id"].tolist() == snapshot["model_id"].tolist()
    assert updated.dtypes.equals(snapshot.dtypes) and updated.attrs == snapshot.attrs
    in_cut = snapshot["model_id"].isin(set(cut["model_id"])).to_numpy()
    pd.testing.assert_series_equal(updated["input_usd_per_1m"][in_cut], snapshot["input_usd_per_1m"][in_cut] / 2)
    pd.testing.assert_frame_equal(updated[~in_cut], snapshot[~in_cut])
    pd.testing.assert_series_equal(updated["desc"], snapshot["desc"])
    assert ahf.diff_catalogs(snapshot, updated)["field"].unique().tolist() == ["input_usd_per_1m"]


def test_diff_counts(versions):
    changes = ahf.diff_catalogs(versions["2025-11-11"], versions["2026-07-02"])
    counts = ahf.store.diff_counts(changes)
    changed = changes[changes["change"] == "changed"]
    assert counts == {
        "added": int((changes["change"] == "added").sum()),
        "removed": int((changes["change"] == "removed").sum()),
        "changed": changed["model_id"].nunique(),
        "field_changes": len(changed),
    }
    assert counts["changed"] < counts["field_changes"]


def test_the_2026_columns_are_compared_and_the_derived_ones_are_not():
    import aihubmix_frame as ahf

    old = ahf.catalog_to_frame(
        [
            {
                "model_id": "m",
                "vendor": "zhipu",
                "output_modalities": "text",
                "retire_stage": None,
                "release_date": "2026-01-01",
            }
        ]
    )
    new = ahf.catalog_to_frame(
        [
            {
                "model_id": "m",
                "vendor": "z-ai",
                "output_modalities": "text,image",
                "retire_stage": "deprecated",
                "release_date": "2026-01-02",
            }
        ]
    )
    changed = set(ahf.diff_catalogs(old, new)["field"])
    assert {"vendor", "output_modalities", "retire_stage", "release_date"} <= changed
    assert not changed & {"produces_image", "family_id", "has_thinking"}
