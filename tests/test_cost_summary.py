"""summarize_cost (per model per day / month) and reprice (the same log on another model)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import AihubmixDeprecationWarning, CachePriceWarning, UnknownModelWarning

# These logs use round 1,000,000-token prompts (easy arithmetic), longer than gpt-4o's 128,000-token
# context: the ContextLengthWarning they raise is tested in tests/test_cost_logs.py.
pytestmark = pytest.mark.filterwarnings("ignore::aihubmix_frame.errors.ContextLengthWarning")


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def catalog():
    return ahf.load_snapshot()


@pytest.fixture
def log():
    """Three days across a month boundary; costs are easy to add up by hand."""
    return pd.DataFrame(
        {
            "timestamp": pd.to_datetime(
                [
                    "2026-06-30 23:59",
                    "2026-07-01 00:01",
                    "2026-07-01 12:00",
                    "2026-07-01 13:00",
                    "2026-07-02 08:00",
                ]
            ),
            "model_id": ["gpt-4o", "gpt-4o", "gpt-5", "gpt-4o", "gpt-5"],
            "input_tokens": [1_000_000, 2_000_000, 1_000_000, 1_000_000, 4_000_000],
            "output_tokens": [0, 0, 100_000, 0, 0],
            "requests": [1, 2, 1, 1, 3],
        }
    )


def test_daily_cost_per_model(catalog, log):
    # Per request: gpt-4o 1M in = 2.5; 2M in x2 = 10; gpt-5 1M in + 100k out = 1.25 + 1; 4M in x3 = 15.
    daily = ahf.summarize_cost(ahf.estimate_cost(catalog, log), by="model_id", freq="D")
    assert daily["model_id"].tolist() == ["gpt-4o", "gpt-4o", "gpt-5", "gpt-5"]
    assert daily["period"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-06-30",
        "2026-07-01",
        "2026-07-01",
        "2026-07-02",
    ]
    assert daily["total_cost_usd"].tolist() == pytest.approx([2.5, 12.5, 2.25, 15.0])
    assert daily["rows"].tolist() == [1, 2, 1, 1]
    assert daily["requests"].tolist() == [1, 3, 1, 3]
    assert daily["input_tokens"].tolist() == [1_000_000, 3_000_000, 1_000_000, 4_000_000]
    assert daily["unpriced_rows"].tolist() == [0, 0, 0, 0]
    assert str(daily["total_cost_usd"].dtype) == "Float64"


def test_monthly_totals(catalog, log):
    monthly = ahf.summarize_cost(ahf.estimate_cost(catalog, log), by=None, freq="MS")
    assert monthly["period"].dt.strftime("%Y-%m-%d").tolist() == ["2026-06-01", "2026-07-01"]
    assert monthly["total_cost_usd"].tolist() == pytest.approx([2.5, 29.75])
    assert "model_id" not in monthly.columns


def test_whole_log_and_several_keys(catalog, log):
    costed = ahf.estimate_cost(catalog, log.assign(team=["a", "b", "a", "a", "b"]))
    total = ahf.summarize_cost(costed, by=None)
    assert len(total) == 1 and total.loc[0, "total_cost_usd"] == pytest.approx(32.25)
    assert total.loc[0, "rows"] == 5
    by_team = ahf.summarize_cost(costed, by=["team", "model_id"])
    assert by_team[["team", "model_id"]].values.tolist() == [
        ["a", "gpt-4o"],
        ["a", "gpt-5"],
        ["b", "gpt-4o"],
        ["b", "gpt-5"],
    ]
    assert by_team["total_cost_usd"].tolist() == pytest.approx([5.0, 2.25, 10.0, 15.0])


def test_unpriced_rows_make_a_sum_na_unless_skipna(catalog, log):
    unknown = log.assign(model_id=["gpt-4o", "mystery", "gpt-5", "gpt-4o", "gpt-5"])
    with pytest.warns(UnknownModelWarning):
        costed = ahf.estimate_cost(catalog, unknown)
    strict = ahf.summarize_cost(costed, by=None, freq="D")
    assert strict["unpriced_rows"].tolist() == [0, 1, 0]
    assert strict["total_cost_usd"].isna().tolist() == [False, True, False]
    lenient = ahf.summarize_cost(costed, by=None, freq="D", skipna=True)
    assert lenient["total_cost_usd"].tolist() == pytest.approx([2.5, 4.75, 15.0])
    per_model = ahf.summarize_cost(costed, skipna=True)
    assert per_model.set_index("model_id").loc["mystery", "total_cost_usd"] is pd.NA


def test_text_and_timezone_timestamps(catalog, log):
    text = log.assign(timestamp=log["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    daily = ahf.summarize_cost(ahf.estimate_cost(catalog, text), by=None, freq="D")
    assert daily["total_cost_usd"].tolist() == pytest.approx([2.5, 14.75, 15.0])
    tokyo = log.assign(timestamp=log["timestamp"].dt.tz_localize("Asia/Tokyo"))
    monthly = ahf.summarize_cost(ahf.estimate_cost(catalog, tokyo), by=None, freq="MS")
    assert str(monthly["period"].dt.tz) == "Asia/Tokyo"
    assert monthly["period"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2026-06-01 00:00",
        "2026-07-01 00:00",
    ]


@pytest.mark.filterwarnings("ignore:Could not infer format")
def test_summarize_errors(catalog, log):
    costed = ahf.estimate_cost(catalog, log)
    with pytest.raises(ValueError, match=r"price it first with aihubmix_frame\.estimate_cost"):
        ahf.summarize_cost(log)
    with pytest.raises(ValueError, match="no 'when'"):
        ahf.summarize_cost(costed, freq="D", timestamp="when")
    with pytest.raises(ValueError, match="cannot group by"):
        ahf.summarize_cost(costed, by="user")
    with pytest.raises(ValueError, match="does not hold datetimes"):
        ahf.summarize_cost(costed.assign(timestamp="yesterday"), freq="D")


# --- reprice ---------------------------------------------------------------------------------------


def test_reprice_side_by_side(catalog, log):
    result = ahf.reprice(catalog, log, to="claude-opus-4-6")
    original = ahf.estimate_cost(catalog, log)
    pd.testing.assert_frame_equal(result[original.columns], original)
    # Every request on claude-opus-4-6 (5 / 25): tokens x requests x price.
    expected = (log["input_tokens"] * 5e-6 + log["output_tokens"] * 25e-6) * log["requests"]
    assert result["repriced_total_cost_usd"].tolist() == pytest.approx(expected.tolist())
    assert (result["repriced_model_id"] == "claude-opus-4-6").all()
    difference = result["repriced_total_cost_usd"] - result["total_cost_usd"]
    assert result["cost_difference_usd"].tolist() == pytest.approx(difference.tolist())
    summary = ahf.summarize_cost(result, by=None)
    assert summary.loc[0, "repriced_total_cost_usd"] == pytest.approx(expected.sum())
    assert summary.loc[0, "cost_difference_usd"] == pytest.approx(expected.sum() - 32.25)


def test_reprice_applies_the_target_tier_and_cache_rules(catalog):
    import json

    data = json.loads((ROOT / "tests/data/modelsdev_pr_excerpts_api_v1_models_2026-09.json").read_text())
    both = ahf.catalog_to_frame([*ahf.loader.snapshot_payload()["data"][:50], *[e["record"] for e in data["records"]]])
    log = pd.DataFrame(
        {
            "model_id": ["hy4-preview", "hy4-preview"],
            "input_tokens": [300_000, 100_000],
            "output_tokens": [0, 0],
            "cache_read_tokens": [100_000, 0],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = ahf.reprice(both, log, to="gpt-6-astra")
    assert result["repriced_total_cost_usd"].tolist() == pytest.approx(
        [200_000 * 20e-6 + 100_000 * 2e-6, 100_000 * 10e-6]
    )


def test_reprice_warns_for_the_target_without_cache_price(catalog):
    log = pd.DataFrame(
        {"model_id": ["gpt-4o"], "input_tokens": [1_000], "output_tokens": [0], "cache_read_tokens": [500]}
    )
    with pytest.warns(CachePriceWarning, match="gpt-3.5-turbo"):
        result = ahf.reprice(catalog, log, to="gpt-3.5-turbo")
    assert result["repriced_total_cost_usd"].tolist() == pytest.approx([1_000 * 0.5e-6])


def test_reprice_old_argument_order_still_works_with_a_deprecation_warning(catalog, log):
    with pytest.warns(
        AihubmixDeprecationWarning,
        match=r"reprice\(workload, catalog, \.\.\.\) is deprecated.*"
        r"reprice\(catalog, workload, to=\.\.\.\)",
    ) as caught:
        old = ahf.reprice(log, catalog, to="gpt-5")
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 1 and deprecations[0].filename == __file__  # points at the caller's line
    pd.testing.assert_frame_equal(old, ahf.reprice(catalog, log, to="gpt-5"))
    assert list(log.columns) == ["timestamp", "model_id", "input_tokens", "output_tokens", "requests"]


def test_reprice_unknown_target(catalog, log):
    with pytest.raises(ValueError, match=r"'Claude-Opus-4-6' is not in the catalog; did you mean 'claude-opus-4-6'"):
        ahf.reprice(catalog, log, to="Claude-Opus-4-6")
    with pytest.raises(TypeError):
        ahf.reprice(catalog, log, to=None)


# --- README ----------------------------------------------------------------------------------------


def test_docs_cost_page_runs():
    """The cost how-to's examples are code that runs: a test that fails when the docs fall behind."""
    page = (ROOT / "docs" / "howto" / "costs.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    assert blocks, "docs/howto/costs.md has no python example"
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ahf.AihubmixWarning)
        for block in blocks:
            if "dask" in block:
                continue  # reads files; the same calls run on a real cluster in tests/test_cost_dask.py
            exec(compile(block, "docs/howto/costs.md", "exec"), namespace)
    assert np.isfinite(namespace["costed"]["total_cost_usd"].astype(float)).all()


@pytest.mark.parametrize(
    "freq, starts",
    [
        ("W", ["2026-06-29", "2026-06-29", "2026-06-29", "2026-06-29", "2026-06-29"]),
        ("QS", ["2026-04-01", "2026-07-01", "2026-07-01", "2026-07-01", "2026-07-01"]),
        ("ME", ["2026-06-01", "2026-07-01", "2026-07-01", "2026-07-01", "2026-07-01"]),
        ("YS", ["2026-01-01"] * 5),
        (
            "h",
            [
                "2026-06-30 23:00",
                "2026-07-01 00:00",
                "2026-07-01 12:00",
                "2026-07-01 13:00",
                "2026-07-02 08:00",
            ],
        ),
    ],
)
def test_period_starts(catalog, log, freq, starts):
    summary = ahf.summarize_cost(ahf.estimate_cost(catalog, log.assign(model_id="gpt-4o")), by=None, freq=freq)
    expected = sorted(set(pd.to_datetime(starts)))
    assert summary["period"].tolist() == expected
    assert summary["rows"].sum() == 5


def test_unknown_freq(catalog, log):
    with pytest.raises(ValueError, match="unknown freq 'fortnight'"):
        ahf.summarize_cost(ahf.estimate_cost(catalog, log), freq="fortnight")
