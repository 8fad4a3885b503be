"""Logs beyond one machine (issue 20): a folder of mixed log files read lazily with read_usage(backend="dask"),
priced as of each request on a real 2-process LocalCluster, nothing hidden by the workers.

The folder: two gzipped months of OpenAI Chat Completions across a price change (with a model the
catalog does not know), a plain Anthropic Messages file split in byte blocks, and a Parquet export
with flat ``usage.*`` columns. Records are the providers' documented response objects; the
``created`` field of the Anthropic lines is the logger's (Anthropic's response carries no time).
"""

from __future__ import annotations

import copy
import gzip
import inspect
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import BadLinesWarning
from aihubmix_frame.usage import USAGE_COLUMNS

pytestmark = pytest.mark.slow

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

JULY, AUGUST = "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z"
UNKNOWN = "in-house-llm-v2"


@pytest.fixture(scope="module")
def client():
    """One real cluster for the module: two worker processes, one thread each."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


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
    return {JULY: dated(july, JULY), AUGUST: dated(august, AUGUST)}


def chat(i: int, created: int, model: str, prompt: int, cached: int, completion: int) -> dict:
    return {
        "id": f"chatcmpl-{i}",
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "ok"}, "logprobs": None, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        },
        "user": f"team-{i % 3}",
    }


def anthropic(i: int, created: int, prompt: int, read: int, write: int, output: int) -> dict:
    return {
        "created": created,  # the logger's field
        "id": f"msg_{i:08d}",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-6",
        "content": [{"type": "text", "text": "ok"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": prompt,
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
            "cache_creation": {"ephemeral_5m_input_tokens": write, "ephemeral_1h_input_tokens": 0},
            "output_tokens": output,
            "service_tier": "standard",
        },
    }


def month(rng: np.random.Generator, start: str, n: int, offset: int) -> list[dict]:
    base = int(pd.Timestamp(start).timestamp())
    models = rng.choice(["gpt-4o", "gpt-5", "gpt-4o", UNKNOWN], n)
    prompts = rng.integers(100, 60_000, n)
    return [
        chat(
            offset + i,
            base + int(rng.integers(0, 28 * 86_400)),
            str(m),
            int(p),
            int(p // 4),
            int(rng.integers(1, 4_000)),
        )
        for i, (m, p) in enumerate(zip(models, prompts))
    ]


def write_jsonl(path: Path, records: list[dict], *, gz: bool = False, extra: str = "") -> Path:
    text = "".join(json.dumps(r) + "\n" for r in records) + extra
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    rng = np.random.default_rng(20)
    root = tmp_path_factory.mktemp("logs")
    write_jsonl(root / "chat-2026-07.jsonl.gz", month(rng, "2026-07-02", 700, 0), gz=True)
    write_jsonl(root / "chat-2026-08.jsonl.gz", month(rng, "2026-08-02", 700, 10_000), gz=True)
    base = int(pd.Timestamp("2026-07-20").timestamp())
    claude = [
        anthropic(i, base + int(rng.integers(0, 30 * 86_400)), int(rng.integers(10, 3_000)), 2_000, 500, 300)
        for i in range(600)
    ]
    write_jsonl(root / "anthropic-2026-07.jsonl", claude)
    n = 400
    export = pd.DataFrame(
        {
            "model": rng.choice(["gpt-5", "gpt-4o"], n),
            "created": pd.Timestamp("2026-07-25", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 14 * 86_400, n), unit="s"),
            "usage.prompt_tokens": rng.integers(1_000, 9_000, n),
            "usage.completion_tokens": rng.integers(1, 900, n),
            "usage.prompt_tokens_details.cached_tokens": np.zeros(n, dtype=np.int64),
        }
    )
    export["created"] = export["created"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")  # ISO text, as pipelines write it
    export.to_parquet(root / "export-2026-07.parquet", index=False)
    return root


def read_lazily(source, **options):
    return ahf.read_usage(source, backend="dask", timestamp="created", blocksize=40_000, **options)


def pandas_log(folder: Path) -> pd.DataFrame:
    """The same rows, file by file through the one-file reader (Parquet through pandas)."""
    frames = []
    for path in sorted(folder.iterdir()):
        source = pd.read_parquet(path) if path.suffix == ".parquet" else path
        frames.append(ahf.read_usage(source, timestamp="created"))
    columns = [*USAGE_COLUMNS, "created"]
    return pd.concat([f[columns] for f in frames], ignore_index=True)


def recorded(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn(*args, **kwargs)
    return value, [
        (type(w.message).__name__, str(w.message)) for w in caught if isinstance(w.message, ahf.AihubmixWarning)
    ]


def assert_close(got: pd.DataFrame, want: pd.DataFrame, columns: list[str]) -> None:
    for column in columns:
        np.testing.assert_array_equal(got[column].isna().to_numpy(), want[column].isna().to_numpy(), err_msg=column)
        np.testing.assert_allclose(
            got[column].to_numpy(dtype=float, na_value=np.nan),
            want[column].to_numpy(dtype=float, na_value=np.nan),
            rtol=1e-9,
            err_msg=column,
        )


def test_a_folder_of_mixed_files_is_one_lazy_frame_with_one_meta(client, folder):
    ddf = read_lazily(folder, columns=["user"])
    assert isinstance(ddf, dd.DataFrame)
    assert ddf.npartitions > 4  # the plain Anthropic file is cut in byte blocks; gz and Parquet: one each
    assert list(ddf.columns) == [*USAGE_COLUMNS, "created", "user"]
    assert str(ddf.dtypes["created"]) == "datetime64[ns, UTC]"
    got = ddf.compute()
    want = pandas_log(folder)
    assert len(got) == len(want) == 700 + 700 + 600 + 400
    for column in ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"]:
        assert got.groupby("model_id")[column].sum().to_dict() == want.groupby("model_id")[column].sum().to_dict()
    assert got["user"].isna().sum() == 600 + 400  # Anthropic and the export have no user field: NA
    assert (got["input_includes_cache"] == (got["model_id"] != "claude-opus-4-6")).all()


def test_priced_as_of_each_request_on_the_cluster_equals_pandas(client, folder, versions):
    costed = ahf.estimate_cost(versions, read_lazily(folder), at="created")
    assert isinstance(costed, dd.DataFrame)  # nothing computed, nothing warned yet
    got, dask_warnings = recorded(ahf.summarize_cost, costed, by="model_id")
    assert isinstance(got, pd.DataFrame)
    want, pandas_warnings = recorded(
        lambda: ahf.summarize_cost(ahf.estimate_cost(versions, pandas_log(folder), at="created"), by="model_id")
    )
    assert got["model_id"].tolist() == want["model_id"].tolist()
    assert_close(got, want, ["total_cost_usd", "input_cost_usd", "cache_read_cost_usd", "output_cost_usd", "rows"])
    assert got["unpriced_rows"].tolist() == want["unpriced_rows"].tolist()
    # The unknown model: counted, NA, and said on the client with the pandas path's words and figures.
    unknown = got.set_index("model_id").loc[UNKNOWN]
    assert unknown["unpriced_rows"] == unknown["rows"] > 0 and pd.isna(unknown["total_cost_usd"])
    assert dask_warnings == pandas_warnings
    assert any(kind == "UnknownModelWarning" and UNKNOWN in text for kind, text in dask_warnings)
    # The price change is applied: August gpt-4o rows cost less per token than July ones.
    gpt4o = ahf.summarize_cost(costed[costed["model_id"] == "gpt-4o"], by="model_id", freq="MS", timestamp="created")
    per_token = gpt4o["output_cost_usd"] / gpt4o["output_tokens"]
    assert per_token.iloc[1] < per_token.iloc[0]


def test_cost_report_on_the_client_once_per_computation(client, folder, versions):
    costed = ahf.estimate_cost(versions, read_lazily(folder), at="created")
    report, said = recorded(ahf.cost_report, costed)
    assert report["warning"].tolist() == [kind for kind, _ in said]  # each finding warned once
    row = report.set_index("kind").loc["unknown_model"]
    (rows, report_again), _ = recorded(ahf.cost_report, costed, rows=True)
    assert rows["total_cost_usd"].isna().sum() == report.attrs["aihubmix"]["cost_report"]["unpriced_rows"]
    assert row["rows"] == (rows["model_id"] == UNKNOWN).sum() and row["unpriced"]
    assert report_again["message"].tolist() == report["message"].tolist()
    pandas_costed, _ = recorded(ahf.estimate_cost, versions, pandas_log(folder), at="created")
    pandas_report, _ = recorded(ahf.cost_report, pandas_costed)
    assert pandas_report["message"].tolist() == report["message"].tolist()


@pytest.mark.parametrize("to", ["gpt-5", {"gpt-4o": "gpt-5"}, "cheapest_equivalent"], ids=["id", "mapping", "cheapest"])
def test_reprice_on_dask_equals_pandas(client, folder, to):
    catalog = ahf.load_snapshot()
    lazy = ahf.reprice(catalog, read_lazily(folder), to=to)
    got, dask_warnings = recorded(ahf.summarize_cost, lazy, by=["model_id", "repriced_model_id"])
    want, pandas_warnings = recorded(
        lambda: ahf.summarize_cost(
            ahf.reprice(catalog, pandas_log(folder), to=to), by=["model_id", "repriced_model_id"]
        )
    )
    assert got[["model_id", "repriced_model_id"]].astype(str).values.tolist() == (
        want[["model_id", "repriced_model_id"]].astype(str).values.tolist()
    )
    assert_close(got, want, ["total_cost_usd", "repriced_total_cost_usd", "cost_difference_usd"])
    assert dask_warnings == pandas_warnings


def test_daily_summary_per_model_on_dask_equals_pandas(client, folder, versions):
    costed = ahf.estimate_cost(versions, read_lazily(folder), at="created")
    got, _ = recorded(ahf.summarize_cost, costed, freq="D", timestamp="created", skipna=True)
    want, _ = recorded(
        lambda: ahf.summarize_cost(
            ahf.estimate_cost(versions, pandas_log(folder), at="created"), freq="D", timestamp="created", skipna=True
        )
    )
    assert (
        got[["model_id", "period"]].astype(str).values.tolist()
        == want[["model_id", "period"]].astype(str).values.tolist()
    )
    assert_close(got, want, ["total_cost_usd", "rows", "unpriced_rows"])
    lazy = ahf.summarize_cost(costed, freq="D", timestamp="created", compute=False)
    assert isinstance(lazy, dd.DataFrame)


def test_fsspec_urls_and_globs_pass_through(client, folder):
    urls = [(folder / "chat-2026-07.jsonl.gz").as_uri(), str(folder / "*.parquet")]
    assert urls[0].startswith("file://")
    got = read_lazily(urls).compute()
    assert len(got) == 700 + 400
    assert set(got["model_id"]) == {"gpt-4o", "gpt-5", UNKNOWN}


def test_a_bad_line_is_named_by_file_and_line_even_in_a_later_block(client, folder, tmp_path):
    records = [json.loads(line) for line in (folder / "anthropic-2026-07.jsonl").read_text().splitlines()]
    bad = write_jsonl(tmp_path / "anthropic-bad.jsonl", records[:500], extra='{"id": "msg_cut", "usage": {\n')
    lazy = read_lazily([bad])
    assert lazy.npartitions > 3  # the bad line is in the last block
    with pytest.raises(ValueError, match=r"anthropic-bad\.jsonl: line 501 is not valid JSON"):
        lazy.compute()


def test_on_bad_lines_passes_through_to_each_file(client, folder, tmp_path):
    if "on_bad_lines" not in inspect.signature(ahf.read_usage).parameters:
        pytest.skip("read_usage has no on_bad_lines yet (added by the one-file reader's work)")
    records = [json.loads(line) for line in (folder / "anthropic-2026-07.jsonl").read_text().splitlines()]
    bad = write_jsonl(tmp_path / "anthropic-bad.jsonl", records[:500], extra="{not json\n")
    lazy = read_lazily([bad], on_bad_lines="warn")
    assert len(lazy.compute()) == 500
    # a worker's warning is raised on the client by the package's computations (see aihubmix_frame.relay)
    costed = ahf.estimate_cost(ahf.load_snapshot(), lazy)
    with pytest.warns(BadLinesWarning, match=r"anthropic-bad\.jsonl: 1 bad line skipped \(line 501 is not valid JSON"):
        summary = ahf.summarize_cost(costed)
    assert int(summary["rows"].sum()) == 500


def test_sources_that_are_not_files_are_refused_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no log file or folder"):
        ahf.read_usage(tmp_path / "missing", backend="dask")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.txt: not a log file"):
        ahf.read_usage(tmp_path / "notes.txt", backend="dask")
    with pytest.raises(TypeError, match="backend='pandas'"):
        ahf.read_usage([{"model": "gpt-4o"}], backend="dask")
    with pytest.raises(ValueError, match="backend must be"):
        ahf.read_usage(tmp_path, backend="spark")


def test_a_readers_warning_in_a_worker_reaches_the_client(client, tmp_path):
    """Anthropic 1-hour cache writes warn in read_usage; on dask the warning is raised on the client."""
    base = int(pd.Timestamp("2026-07-20").timestamp())
    records = [anthropic(i, base + i, 1_000, 0, 4_000, 100) for i in range(20)]
    for record in records[:5]:
        record["usage"]["cache_creation"] = {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 4_000}
    write_jsonl(tmp_path / "claude-1h.jsonl", records)
    costed = ahf.estimate_cost(ahf.load_snapshot(), read_lazily(tmp_path))
    with pytest.warns(
        ahf.CacheWriteDurationWarning, match=r"5 Anthropic requests wrote 20,000 tokens.*claude-1h\.jsonl"
    ):
        summary = ahf.summarize_cost(costed)
    assert summary["rows"].tolist() == [20]


def test_a_big_parquet_file_is_split_by_row_groups(client, folder, tmp_path):
    export = pd.read_parquet(folder / "export-2026-07.parquet")
    export.to_parquet(tmp_path / "export.parquet", index=False, row_group_size=50)  # 8 row groups
    lazy = ahf.read_usage(tmp_path / "export.parquet", backend="dask", timestamp="created", blocksize=2_000)
    assert lazy.npartitions > 1
    got = lazy.compute().reset_index(drop=True)
    want = ahf.read_usage(export, timestamp="created")[list(lazy.columns)]
    pd.testing.assert_frame_equal(got, want.astype(got.dtypes.to_dict()), check_index_type=False)


def test_a_csv_export_reads_like_the_frame_pandas_reads(client, folder, tmp_path):
    export = pd.read_parquet(folder / "export-2026-07.parquet")
    export.to_csv(tmp_path / "export.csv.gz", index=False)
    got = ahf.read_usage(tmp_path, backend="dask", timestamp="created").compute()
    want = ahf.read_usage(export, timestamp="created")
    assert got["input_tokens"].tolist() == want["input_tokens"].tolist()
    assert got["created"].tolist() == want["created"].tolist()


def test_resolved_ids_on_dask_are_said_on_the_client_like_pandas(client, tmp_path):
    base = int(pd.Timestamp("2026-07-03", tz="UTC").timestamp())
    records = [
        chat(i, base + i, ["gpt-4o-2099-01-01", "gpt-4o", "openai/gpt-5"][i % 3], 2_000, 512, 100) for i in range(30)
    ]
    write_jsonl(tmp_path / "chat.jsonl", records)
    catalog = ahf.load_snapshot()
    got, dask_said = recorded(ahf.summarize_cost, ahf.estimate_cost(catalog, read_lazily(tmp_path)), by="priced_as")
    want, pandas_said = recorded(
        lambda: ahf.summarize_cost(ahf.estimate_cost(catalog, ahf.read_usage(tmp_path / "chat.jsonl")), by="priced_as")
    )
    assert got["priced_as"].astype(str).tolist() == want["priced_as"].astype(str).tolist() == ["gpt-4o", "gpt-5"]
    assert_close(got, want, ["total_cost_usd", "rows"])
    assert [kind for kind, _ in dask_said] == [kind for kind, _ in pandas_said] == ["ModelIdResolvedWarning"]
    assert dask_said == pandas_said
