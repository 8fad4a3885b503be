"""Fidelity fixes found by an independent check (issue 18, item 7): as-of version times rounded up into
the log's unit, epoch seconds for at=, catalogs rewritten by DuckDB and Polars, enrich's context tiers
only over agreeing base prices, models.dev's limit.input and cost.input_audio kept."""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.sources.compare import enrich
from aihubmix_frame.sources.modelsdev import BUNDLED_FILE, load_modelsdev

pytestmark = pytest.mark.filterwarnings("ignore::aihubmix_frame.errors.CachePriceWarning")

JULY_GPT4O = (2.5, 10.0)
AUGUST_GPT4O = (2.0, 8.0)


def history(change_at: str) -> dict[str, pd.DataFrame]:
    """The snapshot from 2026-07-01, and gpt-4o repriced to 2 / 8 USD per 1M at ``change_at``."""
    july = ahf.load_snapshot()
    august = july.copy()
    august.attrs = copy.deepcopy(july.attrs)
    august.loc[august["model_id"] == "gpt-4o", ["input_usd_per_1m", "output_usd_per_1m"]] = list(AUGUST_GPT4O)
    return {"2026-07-01T00:00:00Z": july, change_at: august}


def one_million_each(prices: tuple[float, float]) -> float:
    return prices[0] + prices[1]  # 1M input + 1M output tokens


def log_at(stamps: pd.Series | list) -> pd.DataFrame:
    n = len(stamps)
    return pd.DataFrame(
        {"timestamp": stamps, "model_id": ["gpt-4o"] * n, "input_tokens": [100_000] * n, "output_tokens": [100_000] * n}
    )


@pytest.mark.parametrize(
    ("change_at", "unit", "logged"),
    [
        ("2026-08-01T00:00:00.500Z", "s", "2026-08-01 00:00:00"),  # half a second before the change
        ("2026-08-01T00:00:00.000500Z", "ms", "2026-08-01 00:00:00.000"),  # 500 us before
        ("2026-08-01T00:00:00.000000500Z", "us", "2026-08-01 00:00:00.000000"),  # 500 ns before
    ],
)
def test_a_row_just_before_a_price_change_keeps_the_old_price_whatever_its_unit(change_at, unit, logged):
    stamps = pd.Series(pd.to_datetime([logged, "2026-08-01 00:00:01"], utc=True, format="ISO8601"))
    stamps = stamps.astype(f"datetime64[{unit}, UTC]")
    out = ahf.estimate_cost(history(change_at), log_at(stamps), at="timestamp")
    # 100,000 tokens each way: a tenth of the per-1M sum
    assert out["total_cost_usd"].tolist() == pytest.approx(
        [one_million_each(JULY_GPT4O) / 10, one_million_each(AUGUST_GPT4O) / 10]
    )


def test_a_row_at_the_change_itself_gets_the_new_price():
    stamps = pd.Series(pd.to_datetime(["2026-08-01 00:00:00", "2026-07-31 23:59:59"], utc=True)).astype(
        "datetime64[s, UTC]"
    )
    out = ahf.estimate_cost(history("2026-08-01T00:00:00Z"), log_at(stamps), at="timestamp")
    assert out["total_cost_usd"].tolist() == pytest.approx(
        [one_million_each(AUGUST_GPT4O) / 10, one_million_each(JULY_GPT4O) / 10]
    )


@pytest.mark.parametrize("dtype", ["int64", "Int64", "float64", "Float64"])
def test_at_reads_epoch_seconds_as_read_usage_does(dtype):
    change = pd.Timestamp("2026-08-01T00:00:00.5Z")
    seconds = [int(change.timestamp()) - 1, int(change.timestamp()), int(change.timestamp()) + 1]
    log = log_at(pd.Series(seconds, dtype=dtype))
    out = ahf.estimate_cost(history(change.isoformat()), log, at="timestamp")
    old, new = one_million_each(JULY_GPT4O) / 10, one_million_each(AUGUST_GPT4O) / 10
    assert out["total_cost_usd"].tolist() == pytest.approx([old, old, new])  # the change is at .5 s
    as_dates = log.assign(timestamp=pd.to_datetime(log["timestamp"].astype("Float64"), unit="s", utc=True))
    same = ahf.estimate_cost(history(change.isoformat()), as_dates, at="timestamp")
    assert out["total_cost_usd"].equals(same["total_cost_usd"])


def test_at_epoch_seconds_with_a_missing_value_names_the_row():
    log = log_at(pd.Series([1_785_542_400, None], dtype="Int64"))
    with pytest.raises(ValueError, match=r"missing in rows \[1\]"):
        ahf.estimate_cost(history("2026-08-01T00:00:00Z"), log, at="timestamp")


@pytest.fixture(scope="module")
def catalog_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rewritten")
    return ahf.load_snapshot().aihub.to_parquet(folder / "catalog.parquet")


def rewritten(tool: str, source, folder) -> str:
    """The catalog file read and written again by DuckDB or Polars (their key-value metadata gone)."""
    target = folder / f"{tool}.parquet"
    if tool == "duckdb":
        duckdb = pytest.importorskip("duckdb")
        duckdb.sql(f"COPY (SELECT * FROM read_parquet('{source}')) TO '{target}' (FORMAT parquet)")
    else:
        polars = pytest.importorskip("polars")
        polars.read_parquet(source).write_parquet(target)
    return target


@pytest.mark.parametrize("tool", ["duckdb", "polars"])
def test_read_parquet_restores_the_catalog_after_duckdb_or_polars(tool, catalog_file, tmp_path):
    import pyarrow.parquet as pq

    path = rewritten(tool, catalog_file, tmp_path)
    assert ahf.store.parquet_metadata(path) is None  # the writer dropped our metadata
    raw = pq.read_schema(path)
    assert "element" in str(raw.field("types").type) and "string" in str(raw.field("price_tiers").type)
    back = ahf.read_parquet(path)
    pd.testing.assert_frame_equal(back, ahf.load_snapshot())
    tiered = back[back["price_tiers"].notna()]
    assert all(isinstance(cell, list) for cell in tiered["price_tiers"]) or tiered.empty
    assert str(back["reasoning"].dtype) == "boolean" and str(back["types"].dtype).startswith("list<item: string>")
    log = pd.DataFrame({"model_id": ["gpt-4o"], "input_tokens": [100_000], "output_tokens": [0]})
    assert ahf.estimate_cost(back, log)["total_cost_usd"].iloc[0] == pytest.approx(0.25)


def test_read_parquet_of_a_tiered_catalog_after_duckdb(tmp_path):
    pytest.importorskip("duckdb")
    catalog = ahf.catalog_to_frame(
        [
            {
                "model_id": "tiered-1",
                "types": "llm",
                "pricing": {"input": 1, "output": 2, "tiers": [{"input": 3, "output": 4, "tier": {"size": 1000}}]},
            },
            {"model_id": "plain-1", "pricing": {"input": 1, "output": 2}},
        ]
    )
    source = catalog.aihub.to_parquet(tmp_path / "c.parquet")
    back = ahf.read_parquet(rewritten("duckdb", source, tmp_path))
    pd.testing.assert_frame_equal(back, catalog)
    log = pd.DataFrame({"model_id": ["tiered-1"], "input_tokens": [2_000], "output_tokens": [0]})
    assert ahf.estimate_cost(back, log)["total_cost_usd"].iloc[0] == pytest.approx(2_000 * 3 / 1e6)


def test_a_foreign_column_with_a_catalog_name_and_wrong_values_is_an_export_error(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"model_id": ["a"], "has_thinking": [None]}), tmp_path / "bad.parquet")
    with pytest.raises(ahf.ExportError, match="'has_thinking'"):
        ahf.read_parquet(tmp_path / "bad.parquet")


def test_enrich_copies_tiers_only_onto_models_whose_base_prices_agree():
    catalog, modelsdev = ahf.load_snapshot(), load_modelsdev()
    with pytest.warns(ahf.PriceWarning, match=r"not copied onto 11 model\(s\).*'xiaomi-mimo-v2.5'"):
        rich = enrich(catalog, modelsdev, fields=["price_tiers"])
    theirs = modelsdev.set_index("model_id")
    filled = rich[(rich["price_tiers_source"] == "models.dev").to_numpy(dtype=bool, na_value=False)]
    assert len(filled) == 13
    for _, row in filled.iterrows():
        for column in ("input_usd_per_1m", "output_usd_per_1m"):
            assert row[column] == theirs.loc[row["model_id"], column], (row["model_id"], column)
    withheld = {e["model_id"]: e for e in rich.attrs["aihubmix"]["enriched"]["withheld"]["price_tiers"]}
    assert withheld["xiaomi-mimo-v2.5"]["input_usd_per_1m"] == [0.155, 0.44]
    mimo = rich.set_index("model_id").loc["xiaomi-mimo-v2.5"]
    assert pd.isna(mimo["price_tiers"]) and pd.isna(mimo["price_tiers_source"])
    # No enriched model jumps in price at its first tier boundary by more than its own tier says.
    for _, row in rich[rich["price_tiers"].notna()].iterrows():
        size = row["price_tiers"][0]["tier"]["size"]
        log = pd.DataFrame({"model_id": [row["model_id"]] * 2, "input_tokens": [size, size + 1], "output_tokens": 0})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ahf.errors.ContextLengthWarning)
            costs = ahf.estimate_cost(rich, log)["input_cost_usd"].to_numpy(dtype=float)
        ratio = theirs.loc[row["model_id"], "price_tiers"][0]["input"] / theirs.loc[row["model_id"], "input_usd_per_1m"]
        assert costs[1] / costs[0] == pytest.approx(ratio * (size + 1) / size, rel=1e-9), row["model_id"]


def test_load_modelsdev_keeps_the_prompt_limit_and_the_audio_input_price():
    from importlib import resources

    raw = json.loads(resources.files("aihubmix_frame").joinpath("data", BUNDLED_FILE).read_text(encoding="utf-8"))
    md = load_modelsdev().set_index("model_id")
    assert str(md["max_input"].dtype) == "Int64" and str(md["input_audio_usd_per_1m"].dtype) == "Float64"
    for model_id, entry in raw["models"].items():
        limit, cost = entry.get("limit", {}), entry.get("cost", {})
        assert (
            md.loc[model_id, "max_input"] is pd.NA
            if "input" not in limit
            else md.loc[model_id, "max_input"] == limit["input"]
        )
        if "input_audio" in cost:
            assert md.loc[model_id, "input_audio_usd_per_1m"] == cost["input_audio"]
        else:
            assert pd.isna(md.loc[model_id, "input_audio_usd_per_1m"])
    assert md.loc["gpt-5.4", "max_input"] == 922_000 and md.loc["gpt-5.1", "max_input"] == 272_000
    assert np.isclose(md.loc["doubao-seed-2-0-lite-260428", "input_audio_usd_per_1m"], 1.269)
