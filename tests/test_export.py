"""Parquet and CSV round trips on real catalogs, other readers, atomic writes and no secrets on disk.

Every Parquet file here is real, written to ``tmp_path`` and read back by this package, plain
pyarrow, DuckDB and Polars.
"""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aihubmix_frame as ahf
from aihubmix_frame import schema
from aihubmix_frame.errors import ExportError
from aihubmix_frame.store import METADATA_KEY, parquet_metadata, write_parquet

ROOT = Path(__file__).resolve().parent.parent


def excerpts_frame(load_json) -> pd.DataFrame:
    """The 2026-09 records quoted from the live API: tiers, reasoning_options, interleaved, reasoning."""
    records = [item["record"] for item in load_json("modelsdev_pr_excerpts_api_v1_models_2026-09.json")["records"]]
    return ahf.catalog_to_frame(records, provenance={"source": "network", "fetched_at": "2026-09-19T00:00:00+00:00"})


def strictly_equal(left, right) -> bool:
    """Equal values of the same types, recursively (assert_frame_equal lets 1 == 1.0 and (1,) == [1])."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(strictly_equal(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(strictly_equal(a, b) for a, b in zip(left, right))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return left is right if left is None or left is pd.NA or left is pd.NaT else left == right


def assert_round_trip(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    written = frame.aihub.to_parquet(path) if "model_id" in frame.columns else write_parquet(frame, path)
    assert written == path and path.is_file()
    back = ahf.read_parquet(path)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    pd.testing.assert_index_equal(back.index, frame.index, exact=True)
    assert list(back.dtypes) == list(frame.dtypes)
    assert back.attrs == frame.attrs
    for column in frame.columns:
        if frame[column].dtype == object:
            for a, b in zip(frame[column].tolist(), back[column].tolist()):
                assert strictly_equal(a, b), (column, a, b)
    return back


# --- lossless Parquet --------------------------------------------------------------------------


def test_full_snapshot_round_trips_exactly(snapshot, tmp_path):
    back = assert_round_trip(snapshot, tmp_path / "catalog.parquet")
    assert str(back["types"].dtype) == "list<item: string>[pyarrow]"
    assert back.loc[back["model_id"] == "gpt-4o", "input_usd_per_1m"].item() == 2.5
    assert isinstance(back.index, pd.RangeIndex)


def test_excerpts_with_tiers_and_nested_fields_round_trip(load_json, tmp_path):
    frame = excerpts_frame(load_json)
    # the real excerpts hold what makes this hard: list-of-dict tiers, nested extra fields and an
    # object column mixing True and None
    assert frame["price_tiers"].notna().sum() == 1
    assert {"reasoning_options", "interleaved", "reasoning"} <= set(frame.columns)
    assert str(frame["reasoning"].dtype) == "boolean" and frame["reasoning"].isna().any()  # schema v2
    back = assert_round_trip(frame, tmp_path / "excerpts.parquet")
    astra = back.loc[back["model_id"] == "gpt-6-astra", "price_tiers"].item()
    assert astra[0]["tier"] == {"size": 272000, "type": "context"} and astra[0]["input"] == 20.0
    assert back.loc[4, "interleaved"] == True  # noqa: E712 - served as {"anthropic.messages": true}
    assert back.loc[0, "reasoning_options"] is pd.NA and back.loc[0, "price_tiers"] is pd.NA


def test_empty_and_filtered_catalogs_round_trip(snapshot, tmp_path):
    assert_round_trip(ahf.frame.empty_catalog_frame(), tmp_path / "empty.parquet")
    video = snapshot.aihub.filter(type="video").aihub.sort("input_usd_per_1m", order="desc")
    assert not isinstance(video.index, pd.RangeIndex) and len(video) > 10
    back = assert_round_trip(video, tmp_path / "video.parquet")
    assert back.attrs["aihubmix"]["operations"] == video.attrs["aihubmix"]["operations"]
    nothing = snapshot.aihub.filter(model="no-such-model-anywhere")
    assert len(nothing) == 0 and nothing.index.dtype == np.int64
    assert_round_trip(nothing, tmp_path / "nothing.parquet")


def test_every_supported_dtype_round_trips(tmp_path):
    floats = pd.arrays.FloatingArray(np.array([1.5, np.nan, 0.0, 3.0]), np.array([False, False, True, False]))
    frame = pd.DataFrame(
        {
            "float_na_and_nan": floats,  # NaN that is a value, and NA that is missing
            "int": pd.array([1, None, 3, 2**62], dtype="Int64"),
            "uint8": np.array([0, 1, 2, 255], dtype="uint8"),
            "flag": pd.array([True, None, False, True], dtype="boolean"),
            "numpy_float": np.array([np.nan, 1.0, -0.0, np.inf]),
            "numpy_bool": np.array([True, False, True, False]),
            "text_na": pd.array(["a", None, "", "ü"], dtype=pd.StringDtype("pyarrow")),
            "text_python": pd.array(["a", None, "b", "c"], dtype=pd.StringDtype("python")),
            "text_nan": pd.Series(["a", None, "b", "c"], dtype="str"),
            "category": pd.Categorical(["x", None, "y", "x"], categories=["y", "x", "unused"], ordered=True),
            "when": pd.to_datetime(
                ["2026-01-01T00:00:00Z", None, "2026-07-02T04:09:00Z", "1999-12-31T23:59:59.123456Z"],
                format="ISO8601",
            ),
            "naive": pd.to_datetime(["2026-01-01", None, "2026-07-02", "2026-07-03"]).as_unit("ns"),
            "objects_str": np.array(["a", None, "c", pd.NA], dtype=object),
            "objects_int": np.array([1, 2, None, 4], dtype=object),
            "objects_bigint": np.array([2**70, 1, None, -(2**65)], dtype=object),
            "objects_mixed": np.array([True, "x", 3, {"k": [1, None, 2.5, {"n": "ü"}]}], dtype=object),
            "all_missing": np.array([None, pd.NA, np.nan, pd.NaT], dtype=object),
            "lists": pd.array([["a"], [], None, ["b", "c"]], dtype=pd.ArrowDtype(pa.list_(pa.string()))),
            "nested_arrow": pd.array(
                [{"a": 1}, None, {"a": 2}, {"a": None}], dtype=pd.ArrowDtype(pa.struct([("a", pa.int64())]))
            ),
        },
        index=pd.Index([10, 3, 7, 0], name="position"),
    )
    frame.attrs = {"note": "dtypes", "nested": {"list": [1, 2.5, None]}}
    back = assert_round_trip(frame, tmp_path / "dtypes.parquet")
    assert np.isnan(back["float_na_and_nan"].array._data[1]) and not back["float_na_and_nan"].array._mask[1]
    assert back["float_na_and_nan"].array._mask[2]
    assert [type(v).__name__ for v in back["all_missing"]] == ["NoneType", "NAType", "float", "NaTType"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
cells = json_values | st.sampled_from([pd.NA, np.nan, pd.NaT])


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(column=st.lists(cells, max_size=8))
def test_any_json_like_object_column_round_trips_exactly(column, tmp_path):
    values = np.empty(len(column), dtype=object)
    values[:] = column
    frame = pd.DataFrame(
        {
            "model_id": pd.array([f"m{i}" for i in range(len(column))], dtype="string"),
            "extra": pd.Series(values, dtype=object),
        }
    )
    assert frame["extra"].dtype == object
    write_parquet(frame, tmp_path / "prop.parquet")
    back = ahf.read_parquet(tmp_path / "prop.parquet")
    assert all(strictly_equal(a, b) for a, b in zip(column, back["extra"].tolist())), (
        column,
        back["extra"].tolist(),
    )


def test_metadata_carries_schema_version_provenance_and_units(snapshot, tmp_path):
    path = snapshot.aihub.to_parquet(tmp_path / "catalog.parquet")
    meta = parquet_metadata(path)
    assert meta["schema_version"] == schema.SCHEMA_VERSION
    assert meta["provenance"] == snapshot.attrs["aihubmix"]
    assert meta["price_unit"] == "USD per 1M tokens" and meta["package_version"] == ahf.__version__
    arrow_schema = pq.read_schema(path)
    assert arrow_schema.field("input_usd_per_1m").metadata[b"unit"] == b"USD per 1M tokens"
    assert arrow_schema.field("price_tiers").metadata[b"aihubmix.encoding"] == b"json"


# --- other readers ------------------------------------------------------------------------------


def test_plain_pyarrow_reads_lists_prices_and_json_tiers(load_json, tmp_path):
    frame = excerpts_frame(load_json)
    path = frame.aihub.to_parquet(tmp_path / "excerpts.parquet")
    table = pq.read_table(path)  # no aihubmix_frame involved from here on
    assert table.column("features").to_pylist() == [list(v) for v in frame["features"]]
    assert table.column("input_usd_per_1m").to_pylist() == [float(v) for v in frame["input_usd_per_1m"]]
    tiers = [None if t is None else json.loads(t) for t in table.column("price_tiers").to_pylist()]
    assert tiers == [None if t is pd.NA else t for t in frame["price_tiers"]]


def test_duckdb_reads_the_file_without_this_package(snapshot, tmp_path):
    import duckdb

    path = snapshot.aihub.to_parquet(tmp_path / "catalog.parquet")
    thinking, cheapest = duckdb.sql(
        f"select count(*) filter (where list_contains(features, 'thinking')), "
        f"min(input_usd_per_1m) filter (where list_contains(types, 'llm')) from '{path}'"
    ).fetchall()[0]
    assert thinking == int(snapshot["has_thinking"].sum())
    llm = snapshot.aihub.filter(type="llm")
    assert cheapest == float(llm["input_usd_per_1m"].min())
    (gpt4o_cache,) = duckdb.sql(f"select cache_read_usd_per_1m from '{path}' where model_id = 'gpt-4o'").fetchall()[0]
    assert gpt4o_cache == 1.25


def test_polars_reads_the_file_without_this_package(load_json, tmp_path):
    import polars as pl

    frame = excerpts_frame(load_json)
    path = frame.aihub.to_parquet(tmp_path / "excerpts.parquet")
    read = pl.read_parquet(path)
    assert read["model_id"].to_list() == frame["model_id"].tolist()
    assert read["features"].to_list() == [list(v) for v in frame["features"]]
    assert read["context_length"].to_list() == [int(v) for v in frame["context_length"]]
    options = [None if v is None else json.loads(v) for v in read["reasoning_options"].to_list()]
    assert options == [None if v is pd.NA else v for v in frame["reasoning_options"].tolist()]


def test_parquet_from_another_tool_reads_with_nullable_dtypes(snapshot, tmp_path):
    import polars as pl

    ours = snapshot.aihub.to_parquet(tmp_path / "ours.parquet")
    pl.read_parquet(ours).write_parquet(tmp_path / "polars.parquet")
    back = ahf.read_parquet(tmp_path / "polars.parquet")
    assert str(back["model_id"].dtype) == "string" and str(back["context_length"].dtype) == "Int64"
    assert str(back["input_usd_per_1m"].dtype) == "Float64"
    assert back["types"].tolist() == snapshot["types"].tolist()
    assert back["model_id"].tolist() == snapshot["model_id"].tolist()


def test_read_parquet_can_read_a_subset_of_columns(snapshot, tmp_path):
    filtered = snapshot.aihub.filter(type="llm")
    path = filtered.aihub.to_parquet(tmp_path / "llm.parquet")
    part = ahf.read_parquet(path, columns=["model_id", "features"])
    pd.testing.assert_frame_equal(part, filtered[["model_id", "features"]], check_exact=True)
    with pytest.raises(ExportError, match="column"):
        ahf.read_parquet(path, columns=["no_such_column"])


# --- bad input ----------------------------------------------------------------------------------


def test_unstorable_values_and_files_give_clear_errors(snapshot, tmp_path):
    odd = snapshot.head(3).copy()
    odd["when"] = np.array([object(), None, None], dtype=object)
    with pytest.raises(ExportError, match=r"column 'when' row 0 .*astype\(str\)"):
        odd.aihub.to_parquet(tmp_path / "odd.parquet")
    assert not list(tmp_path.iterdir())  # nothing half-written

    with_attrs = snapshot.head(2).copy()
    with_attrs.attrs["bad"] = {1, 2}
    with pytest.raises(ExportError, match="JSON-serialisable"):
        with_attrs.aihub.to_parquet(tmp_path / "attrs.parquet")

    with pytest.raises(ExportError, match="reset_index"):
        write_parquet(pd.DataFrame({"a": [1]}, index=pd.MultiIndex.from_tuples([(1, 2)])), tmp_path / "m.parquet")
    with pytest.raises(ExportError, match="duplicate column"):
        write_parquet(pd.DataFrame([[1, 2]], columns=["a", "a"]), tmp_path / "d.parquet")

    not_parquet = tmp_path / "catalog.parquet"
    not_parquet.write_text("model_id\ngpt-4o\n")
    with pytest.raises(ExportError, match="not a readable Parquet file"):
        ahf.read_parquet(not_parquet)
    with pytest.raises(FileNotFoundError):
        ahf.read_parquet(tmp_path / "missing.parquet")
    with pytest.raises(FileNotFoundError, match="create it first"):
        snapshot.aihub.to_parquet(tmp_path / "no" / "such" / "folder.parquet")


def test_a_file_from_a_newer_layout_asks_to_upgrade(snapshot, tmp_path):
    table = ahf.store.frame_to_table(snapshot.head(2))
    document = json.loads(table.schema.metadata[METADATA_KEY])
    document["schema_version"] = schema.SCHEMA_VERSION + 1
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: json.dumps(document)}), tmp_path / "new.parquet")
    with pytest.raises(ExportError, match="upgrade aihubmix_frame"):
        ahf.read_parquet(tmp_path / "new.parquet")


def test_no_api_key_reaches_parquet_or_csv(snapshot, tmp_path, monkeypatch):
    secret = "sk-test-0123456789abcdef-never-on-disk"
    monkeypatch.setenv("AIHUBMIX_API_KEY", secret)
    frame = snapshot.head(20).copy()
    provenance = frame.attrs["aihubmix"]
    provenance["params"] = {"type": None, "api_key": secret, "Authorization": f"Bearer {secret}"}
    provenance["headers"] = {"X-API-KEY": secret, "accept": "application/json"}
    path = frame.aihub.to_parquet(tmp_path / "catalog.parquet")
    csv_path = frame.aihub.to_csv(tmp_path / "catalog.csv")
    for written in (path, csv_path):
        data = written.read_bytes()
        assert secret.encode() not in data and b"sk-test" not in data
    back = ahf.read_parquet(path).attrs["aihubmix"]
    assert back["headers"] == {"accept": "application/json"} and "api_key" not in back["params"]
    assert back["source"] == "snapshot"  # the rest of the provenance is kept


# --- atomic writes --------------------------------------------------------------------------------


def test_a_killed_write_leaves_the_previous_file_intact(snapshot, tmp_path):
    target = tmp_path / "catalog.parquet"
    old = snapshot.aihub.filter(type="llm")
    old.aihub.to_parquet(target)
    before = target.read_bytes()
    writer = textwrap.dedent(
        f"""
        import sys, numpy as np, pandas as pd
        import aihubmix_frame as ahf
        rng = np.random.default_rng(0)
        n = 1_000_000  # incompressible text, gzip: the write lasts long enough to be killed mid-way
        letters = rng.integers(97, 123, size=(n, 20), dtype=np.uint8).view("S20").ravel().astype("U20")
        big = pd.DataFrame({{"model_id": pd.array(letters, dtype="string"), "price": rng.random(n)}})
        print("writing", flush=True)
        while True:
            ahf.store.write_parquet(big, {str(target)!r}, compression="gzip")
            print("finished one write", flush=True)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", writer], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "writing"
        deadline = time.monotonic() + 60
        temporary = []
        while not temporary and time.monotonic() < deadline and process.poll() is None:
            temporary = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
            time.sleep(0.001)
        assert temporary, "the writer never started its temporary file"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    # the kill came mid-write: the temporary file is still there, the target untouched
    leftovers = [p for p in tmp_path.iterdir() if p != target]
    assert leftovers and all(p.name.startswith(".catalog.parquet.") and p.suffix == ".tmp" for p in leftovers)
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == ["catalog.parquet"]
    assert target.read_bytes() == before
    back = ahf.read_parquet(target)
    pd.testing.assert_frame_equal(back, old, check_exact=True)
    for leftover in leftovers:  # a torn temporary file is not mistaken for a catalog
        with pytest.raises(ExportError):
            ahf.read_parquet(leftover)


def test_a_failed_write_removes_its_temporary_file(snapshot, tmp_path):
    target = tmp_path / "catalog.parquet"
    snapshot.aihub.to_parquet(target)

    def explode(temporary: str) -> None:
        Path(temporary).write_bytes(b"PAR1 half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        ahf.store.atomic_write(target, explode)
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.parquet"]
    pd.testing.assert_frame_equal(ahf.read_parquet(target), snapshot)


# --- CSV --------------------------------------------------------------------------------------------


def test_csv_round_trip_restores_the_schema_dtypes(snapshot, tmp_path):
    path = snapshot.aihub.to_csv(tmp_path / "catalog.csv")
    back = ahf.read_csv(path)
    pd.testing.assert_frame_equal(back, snapshot.reset_index(drop=True), check_exact=True, check_index_type=True)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(snapshot)
    for row, types in zip(rows, snapshot["types"]):
        assert row["types"] == ",".join(types)
    multi = snapshot["types"].map(len) > 1
    assert multi.any() and all("," in rows[i]["types"] for i in np.flatnonzero(multi.to_numpy()))


def test_csv_round_trip_of_filtered_excerpts(load_json, tmp_path):
    frame = excerpts_frame(load_json).aihub.filter(features="thinking")
    back = ahf.read_csv(frame.aihub.to_csv(tmp_path / "excerpts.csv"))
    expected = frame.reset_index(drop=True)
    catalog_columns = list(schema.COLUMNS)
    pd.testing.assert_frame_equal(back[catalog_columns], expected[catalog_columns], check_exact=True)
    # nested extra fields come back parsed from their JSON text
    assert (
        back["reasoning_options"].tolist()[frame.index.get_loc(4)]
        == expected.loc[frame.index.get_loc(4), "reasoning_options"]
    )
    assert back["interleaved"].dropna().tolist() == [True]  # served as {"anthropic.messages": true}


def test_csv_of_an_empty_catalog_and_bad_csv(tmp_path):
    empty = ahf.frame.empty_catalog_frame()
    back = ahf.read_csv(empty.aihub.to_csv(tmp_path / "empty.csv"))
    pd.testing.assert_frame_equal(back, empty)
    bad = tmp_path / "bad.csv"
    bad.write_text("model_id,context_length\ngpt-4o,lots\n")
    with pytest.raises(ExportError, match="context_length"):
        ahf.read_csv(bad)
    (tmp_path / "blank.csv").write_text("")
    with pytest.raises(ExportError, match="empty"):
        ahf.read_csv(tmp_path / "blank.csv")


# --- command line -----------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
def test_cli_export_writes_filtered_parquet_and_csv(snapshot, tmp_path):
    done = run_cli(
        "export",
        str(tmp_path / "llm.parquet"),
        "--type",
        "llm",
        "--features",
        "thinking",
        "--sort",
        "model_ratio",
        "--offline",
    )
    assert done.returncode == 0, done.stderr
    expected = snapshot.aihub.filter(type="llm", features="thinking").aihub.sort("model_ratio")
    back = ahf.read_parquet(tmp_path / "llm.parquet")
    pd.testing.assert_frame_equal(back, expected, check_exact=True)
    assert f"{len(expected)} models" in done.stderr

    done = run_cli("export", str(tmp_path / "all.csv"), "--offline")
    assert done.returncode == 0, done.stderr
    pd.testing.assert_frame_equal(ahf.read_csv(tmp_path / "all.csv"), snapshot)

    done = run_cli("export", str(tmp_path / "all.xlsx"))
    assert done.returncode == 2 and "FILE.parquet or FILE.csv" in done.stderr and "Traceback" not in done.stderr


# --- README ------------------------------------------------------------------------------------------


def readme_section() -> str:
    """The how-to page that took over the README's section (issue 21)."""
    return (ROOT / "docs" / "howto" / "history-and-diffs.md").read_text(encoding="utf-8")


def test_readme_section_examples_run(tmp_path, monkeypatch):
    import re

    import duckdb

    section = readme_section()
    code = "\n".join(re.findall(r"```python\n(.*?)```", section, flags=re.S))
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "docs/howto/history-and-diffs.md", "exec"), namespace)
    history = namespace["history"]
    assert len(history) == 2 and len(history.price_history("gpt-4o")) == 2
    changes = ahf.diff_catalogs(namespace["old"], namespace["new"])
    assert changes[["model_id", "change"]].values.tolist() == [["gpt-5", "changed"], ["gpt-4o", "removed"]]
    (sql,) = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    rows = duckdb.sql("\n".join(line for line in sql.splitlines() if not line.startswith("--"))).fetchall()
    assert len(rows) == 5 and rows == sorted(rows, key=lambda r: r[1])
    for documented in (
        "to_parquet",
        "read_parquet",
        "to_csv",
        "read_csv",
        "diff_catalogs",
        "CatalogHistory",
        "price_history",
        "asof",
        "subset=True",
        "aihubmix-frame export",
        "aihubmix-frame diff",
        "aihubmix-frame history",
    ):
        assert documented in section


def test_csv_flags_never_turn_blanks_into_true(snapshot, tmp_path):
    path = snapshot.head(3).aihub.to_csv(tmp_path / "c.csv")
    text = path.read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    position = header.index("has_thinking")
    import csv as csv_module

    rows = list(csv_module.reader(text))
    rows[1][position] = ""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv_module.writer(handle).writerows(rows)
    with pytest.raises(ExportError, match="has_thinking"):
        ahf.read_csv(path)
