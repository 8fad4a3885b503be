"""Prices as of each request (issue 11): estimate_cost(history, log, at=...) across a price change,
against a real CatalogHistory folder, and the price/volume split of summarize_cost."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import AsOfWarning, UnknownModelWarning

pytestmark = pytest.mark.filterwarnings("ignore::aihubmix_frame.errors.CachePriceWarning")


def dated(frame: pd.DataFrame, when: str) -> pd.DataFrame:
    out = frame.copy()
    out.attrs = copy.deepcopy(frame.attrs)
    out.attrs["aihubmix"]["fetched_at"] = when
    return out


@pytest.fixture(scope="module")
def versions():
    july = ahf.load_snapshot()
    august = july.copy()
    august.loc[august["model_id"] == "gpt-4o", ["input_usd_per_1m", "output_usd_per_1m"]] = [2.0, 8.0]
    august = august[august["model_id"] != "gpt-3.5-turbo"]  # removed in August
    return dated(july, "2026-07-01T00:00:00Z"), dated(august, "2026-08-01T00:00:00Z")


@pytest.fixture()
def log():
    return pd.DataFrame(
        {
            "timestamp": pd.to_datetime(
                [
                    "2026-06-30 23:59",
                    "2026-07-15 12:00",
                    "2026-07-31 23:59:59",
                    "2026-08-01 00:00",
                    "2026-08-20 08:00",
                    "2026-07-10 00:00",
                    "2026-08-10",
                ],
                format="ISO8601",
                utc=True,
            ),
            "model_id": ["gpt-4o", "gpt-4o", "gpt-4o", "gpt-4o", "gpt-4o", "gpt-3.5-turbo", "gpt-3.5-turbo"],
            "input_tokens": [10_000] * 7,
            "output_tokens": [1_000] * 7,
        }
    )


def test_rows_on_both_sides_of_a_price_change(versions, log):
    july, august = versions
    with (
        pytest.warns(AsOfWarning, match=r"1 row\(s\) are dated before the first catalog version \(2026-07-01"),
        pytest.warns(UnknownModelWarning, match=r"1 row\(s\).*'gpt-3.5-turbo'"),
    ):
        costed = ahf.estimate_cost({"2026-07-01": july, "2026-08-01": august}, log, at="timestamp")
    before = (10_000 * 2.5 + 1_000 * 10) / 1e6
    after = (10_000 * 2.0 + 1_000 * 8) / 1e6
    turbo = float(ahf.estimate_cost(july, log.iloc[[5]])["total_cost_usd"].iloc[0])
    got = costed["total_cost_usd"].astype(float).tolist()
    assert np.isnan(got[0]) and np.isnan(got[6])  # before the first version; removed in August
    assert got[1:6] == pytest.approx([before, before, after, after, turbo])
    as_of = costed.attrs["aihubmix"]["cost"]["as_of"]
    assert as_of["before_first_version"] == 1
    assert list(as_of["versions"].values()) == [3, 3]


def test_the_same_from_a_catalog_history_folder_and_from_a_list(versions, log, tmp_path):
    july, august = versions
    history = ahf.CatalogHistory(tmp_path / "history")
    history.record(july)
    history.record(august, allow_filtered=True)
    log = log.iloc[1:6]  # no row before July, none of the removed model in August
    from_folder = ahf.estimate_cost(history, log, at="timestamp")
    from_list = ahf.estimate_cost([july, august], log, at="timestamp")
    from_pairs = ahf.estimate_cost([("2026-08-01T00:00Z", august), ("2026-07-01T00:00Z", july)], log, at="timestamp")
    columns = list(ahf.pricing.COST_COLUMNS)
    pd.testing.assert_frame_equal(from_folder[columns], from_list[columns])
    pd.testing.assert_frame_equal(from_pairs[columns], from_list[columns])


def test_as_of_matches_pricing_each_row_on_its_version(versions):
    july, august = versions
    rng = np.random.default_rng(5)
    ids = ["gpt-4o", "gpt-5", "claude-opus-4-6", "gemini-2.5-flash"]
    n = 5_000
    log = pd.DataFrame(
        {
            "timestamp": pd.Timestamp("2026-07-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 60 * 86_400, n), unit="s"),
            "model_id": pd.Categorical(rng.choice(ids, n)),
            "input_tokens": rng.integers(0, 50_000, n),
            "output_tokens": rng.integers(0, 5_000, n),
        }
    )
    costed = ahf.estimate_cost([july, august], log, at="timestamp")
    in_august = (log["timestamp"] >= "2026-08-01").to_numpy()
    want = np.where(
        in_august,
        ahf.estimate_cost(august, log)["total_cost_usd"].to_numpy(dtype=float),
        ahf.estimate_cost(july, log)["total_cost_usd"].to_numpy(dtype=float),
    )
    np.testing.assert_allclose(costed["total_cost_usd"].to_numpy(dtype=float), want, rtol=1e-12)


def test_bad_histories_and_timestamps(versions, log):
    july, _ = versions
    with pytest.raises(TypeError, match="at= needs several dated catalogs"):
        ahf.estimate_cost(july, log, at="timestamp")
    with pytest.raises(ValueError, match="no such column"):
        ahf.estimate_cost([july], log, at="when")
    missing = log.assign(timestamp=log["timestamp"].where(log.index != 2))
    with pytest.raises(ValueError, match=r"missing in rows \[2\]"):
        ahf.estimate_cost([july], missing, at="timestamp")


def test_price_volume_split_adds_up_and_finds_the_price_cut(versions):
    july, august = versions
    # gpt-4o: the same 10 requests each month, priced 2.5/10 then 2/8: all of the change is price.
    # gpt-5: twice the requests in August at an unchanged price: all of the change is volume.
    rows = []
    for month, n5 in (("2026-07-15", 10), ("2026-08-15", 20)):
        rows += [{"timestamp": month, "model_id": "gpt-4o", "input_tokens": 10_000, "output_tokens": 1_000}] * 10
        rows += [{"timestamp": month, "model_id": "gpt-5", "input_tokens": 10_000, "output_tokens": 1_000}] * n5
    log = pd.DataFrame(rows).assign(timestamp=lambda f: pd.to_datetime(f["timestamp"], utc=True))
    costed = ahf.estimate_cost([july, august], log, at="timestamp")
    split = ahf.summarize_cost(costed, freq="MS", price_volume=True).set_index(["model_id", "period"])
    aug = pd.Timestamp("2026-08-01", tz="UTC")
    gpt4o, gpt5 = split.loc[("gpt-4o", aug)], split.loc[("gpt-5", aug)]
    assert gpt4o["price_effect_usd"] == pytest.approx(
        10 * ((10_000 * 2.0 + 1_000 * 8) - (10_000 * 2.5 + 1_000 * 10)) / 1e6
    )
    assert gpt4o["volume_effect_usd"] == pytest.approx(0)
    assert gpt5["volume_effect_usd"] == pytest.approx(10 * (10_000 * 1.25 + 1_000 * 10) / 1e6)
    assert gpt5["price_effect_usd"] == pytest.approx(0)
    change = split["price_effect_usd"] + split["volume_effect_usd"]
    pd.testing.assert_series_equal(change.dropna(), split["cost_change_usd"].dropna(), check_names=False)
    assert split.loc[("gpt-4o", pd.Timestamp("2026-07-01", tz="UTC")), ["cost_change_usd"]].isna().all()
