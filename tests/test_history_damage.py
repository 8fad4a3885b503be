"""A damaged history folder: symlinks (loops, dangling, to real snapshots), tampered snapshot metadata,
truncated files. Every method still answers from the good snapshots and names the bad entry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import HistoryWarning
from aihubmix_frame.store.history_lock import history_lock

ROOT = Path(__file__).resolve().parent.parent
LOOP_NAME = "catalog_20270101T000000000000Z_000009_0123456789abcdef.parquet"


def two_snapshots(folder: Path) -> tuple[ahf.CatalogHistory, list[Path]]:
    history = ahf.CatalogHistory(folder)
    first = ahf.load_snapshot()
    cheaper = first.copy()
    cheaper.loc[cheaper["model_id"] == "gpt-4o", "input_usd_per_1m"] = 2.0
    cheaper.attrs["aihubmix"]["fetched_at"] = "2026-07-09T00:00:00Z"
    return history, [history.record(first), history.record(cheaper)]


def every_method(history: ahf.CatalogHistory) -> dict:
    return {
        "len": len(history),
        "repr": repr(history),
        "snapshots": len(history.snapshots),
        "load": len(history.load()),
        "summary": len(history.summary()),
        "diff": len(history.diff()),
        "asof": len(history.asof("2026-08-01")),
        "prices": history.price_history("gpt-4o")["input_usd_per_1m"].tolist(),
    }


GOOD = {"len": 2, "snapshots": 2, "load": 1608, "summary": 2, "diff": 1, "asof": 804, "prices": [2.5, 2.0]}


@pytest.mark.parametrize("kind", ["self loop", "two-link loop", "dangling", "to a real snapshot", "folder"])
def test_entries_that_are_not_regular_files_are_ignored_and_named(tmp_path, kind):
    history, paths = two_snapshots(tmp_path / "h")
    entry = tmp_path / "h" / LOOP_NAME
    if kind == "self loop":
        entry.symlink_to(entry)
    elif kind == "two-link loop":
        other = tmp_path / "h" / "catalog_20270101T000000000000Z_000010_0123456789abcdef.parquet"
        entry.symlink_to(other)
        other.symlink_to(entry)
    elif kind == "dangling":
        entry.symlink_to(tmp_path / "nowhere")
    elif kind == "to a real snapshot":
        entry.symlink_to(paths[0])
    else:
        entry.mkdir()
    with pytest.warns(HistoryWarning, match=r"_0123456789abcdef\.parquet' is not a regular file"):
        found = every_method(history)
    assert {k: v for k, v in found.items() if k != "repr"} == GOOD and "snapshots=2" in found["repr"]
    # recording still works and never writes through the symlink
    newer = ahf.load_snapshot()
    newer.attrs["aihubmix"]["fetched_at"] = "2026-07-10T00:00:00Z"
    with pytest.warns(HistoryWarning, match="is not a regular file"):
        assert history.record(newer) is not None and len(history) == 3
    assert entry.is_symlink() or entry.is_dir()


def test_symlinks_that_do_not_look_like_snapshots_are_ignored_silently(tmp_path):
    history, _ = two_snapshots(tmp_path / "h")
    (tmp_path / "h" / "loop").symlink_to(tmp_path / "h" / "loop")
    found = every_method(history)  # pytest turns any warning into an error
    assert {k: v for k, v in found.items() if k != "repr"} == GOOD


def test_a_history_folder_that_is_a_symlink_loop_is_a_clear_error(tmp_path):
    folder = tmp_path / "h"
    folder.symlink_to(folder)
    with pytest.raises(NotADirectoryError, match="symlink to nothing"):
        ahf.CatalogHistory(folder)


def tamper(path: Path, how: str) -> None:
    table = pq.read_table(path)
    meta = dict(table.schema.metadata)
    document = json.loads(meta[b"aihubmix_frame"])
    if how == "truncated file":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        return
    if how == "no model_id":
        table = table.drop(["model_id"])
    raw = {
        "not json": b"{not json",
        "a list": b"[1, 2]",
        "no keys": b"{}",
        "no index": json.dumps({k: v for k, v in document.items() if k != "index"}).encode(),
        "mistyped codec": json.dumps({**document, "columns": {"model_id": {"kind": 5}}}).encode(),
        "index column gone": json.dumps({**document, "index": {"kind": "column", "column": "nope"}}).encode(),
        "no model_id": json.dumps(document).encode(),
    }[how]
    pq.write_table(table.replace_schema_metadata({**meta, b"aihubmix_frame": raw}), path)


HOW = [
    "not json",
    "a list",
    "no keys",
    "no index",
    "mistyped codec",
    "index column gone",
    "truncated file",
    "no model_id",
]


@pytest.mark.parametrize("how", HOW)
def test_a_tampered_snapshot_is_skipped_with_a_warning_naming_it(tmp_path, how):
    history, paths = two_snapshots(tmp_path / "h")
    newest = ahf.load_snapshot()
    newest.loc[newest["model_id"] == "gpt-4o", "input_usd_per_1m"] = 3.0
    newest.attrs["aihubmix"]["fetched_at"] = "2026-07-20T00:00:00Z"
    paths.append(history.record(newest))
    tamper(paths[1], how)  # the middle one
    with pytest.warns(HistoryWarning, match=f"{paths[1].name}' cannot be read") as caught:
        loaded = history.load()
        summary = history.summary()
        changes = history.diff()
        prices = history.price_history("gpt-4o")["input_usd_per_1m"].tolist()
        then = history.asof("2026-07-10")  # the damaged one would be the answer: the one before it
    assert all(issubclass(w.category, HistoryWarning) for w in caught)
    assert len(loaded) == 1608 and loaded.attrs["aihubmix"]["snapshots"] == 2
    assert len(summary) == 2 and prices == [2.5, 3.0]
    assert changes["new"].astype(float).tolist() == [3.0]
    assert float(then.loc[then["model_id"] == "gpt-4o", "input_usd_per_1m"].iloc[0]) == 2.5
    assert len(history) == 3  # the listing does not read files


def test_asof_with_only_damaged_snapshots_is_a_lookup_error(tmp_path):
    history, paths = two_snapshots(tmp_path / "h")
    tamper(paths[0], "not json")
    with (
        pytest.warns(HistoryWarning, match="cannot be read"),
        pytest.raises(LookupError, match="no readable"),
    ):
        history.asof("2026-07-05")


def test_the_cli_prints_a_damaged_snapshot_as_one_warning_line(tmp_path):
    _, paths = two_snapshots(tmp_path / "h")
    tamper(paths[0], "no keys")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", "history", str(tmp_path / "h")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0 and "Traceback" not in run.stderr
    warned = [line for line in run.stderr.splitlines() if "cannot be read" in line]
    assert len(warned) == 1 and paths[0].name in warned[0]


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
def test_the_lock_wait_is_bounded_and_names_the_lock(tmp_path):
    history, _ = two_snapshots(tmp_path / "h")
    history.lock_timeout = 0.2
    newer = ahf.load_snapshot()
    newer.attrs["aihubmix"]["fetched_at"] = "2026-08-01T00:00:00Z"
    with history_lock(tmp_path / "h"):  # flock locks are per open file: a second open waits in this process too
        with pytest.raises(TimeoutError, match=r"\.lock"):
            history.record(newer)
        newer.attrs["aihubmix"]["source"] = "network"
        with pytest.warns(HistoryWarning, match="not recorded.*lock"):
            assert ahf.store.record_fetch(newer, tmp_path / "h") is None
    assert history.record(newer) is not None


def test_a_lock_file_that_is_a_symlink_is_refused(tmp_path):
    history, _ = two_snapshots(tmp_path / "h")
    (tmp_path / "h" / ".lock").unlink()
    (tmp_path / "h" / ".lock").symlink_to(tmp_path / "elsewhere")
    newer = ahf.load_snapshot()
    newer.attrs["aihubmix"]["fetched_at"] = "2026-08-01T00:00:00Z"
    with pytest.raises(OSError, match="history lock"):
        history.record(newer)
    assert not (tmp_path / "elsewhere").exists()
