"""Several real processes recording into one history folder at once: each fetch once, in order.

The processes start together (they wait for a "go" file) so their ``record`` calls overlap; the
folder's ``.lock`` makes them take turns. ``fetched_at`` has one-second resolution, so the racers
share their timestamps, the case that used to give two files one sequence number, or one content twice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import aihubmix_frame as ahf
from aihubmix_frame.testing import CatalogServer

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = 6

RECORD = """
import json, os, sys, time
import aihubmix_frame as ahf
folder, go, variant, fetched_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
frame = ahf.load_snapshot()
if variant >= 0:  # a distinct catalog content per variant
    frame.loc[frame["model_id"] == "gpt-4o", "input_usd_per_1m"] = 1.0 + variant / 100
frame.attrs["aihubmix"].update(source="network", fetched_at=fetched_at)
history = ahf.CatalogHistory(folder)
while not os.path.exists(go):
    time.sleep(0.002)
path = history.record(frame)
print(json.dumps({"path": None if path is None else str(path)}))
"""

LOAD = """
import json, os, sys, time, warnings
import aihubmix_frame as ahf
base_url, cache_dir, folder, go = sys.argv[1:5]
while not os.path.exists(go):
    time.sleep(0.002)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    frame = ahf.load_catalog(base_url=base_url, cache_dir=cache_dir, history=folder)
print(json.dumps({"rows": len(frame), "ids": frame["model_id"].tolist()[:5], "source": frame.attrs["aihubmix"]["source"],
                  "history_warnings": [str(w.message) for w in caught if issubclass(w.category, ahf.HistoryWarning)]}))
"""

pytestmark = pytest.mark.slow  # real processes / a cluster: `pytest -m 'not slow'` skips it


def race(script: str, argument_lists: list[list[str]], go: Path) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, *arguments],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for arguments in argument_lists
    ]
    time.sleep(0.5)  # let them import; those not ready yet still race each other
    go.write_text("go")
    results = []
    for child in children:
        out, err = child.communicate(timeout=180)
        assert child.returncode == 0 and "Traceback" not in err, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def snapshot_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.parquet"))


@pytest.mark.parametrize("fetched", ["one second", "consecutive seconds"])
def test_racing_processes_record_one_content_once(tmp_path, fetched):
    folder = tmp_path / "history"
    ahf.CatalogHistory(folder)
    stamps = [f"2026-11-25T08:00:{0 if fetched == 'one second' else i:02d}Z" for i in range(PROCESSES)]
    results = race(RECORD, [[str(folder), str(tmp_path / "go"), "-1", stamp] for stamp in stamps], tmp_path / "go")
    written = [r["path"] for r in results if r["path"]]
    assert len(written) == 1 and snapshot_names(folder) == [Path(written[0]).name]
    assert len(ahf.CatalogHistory(folder).load()) == 804


def test_racing_processes_with_distinct_contents_get_distinct_ordered_sequences(tmp_path):
    folder = tmp_path / "history"
    ahf.CatalogHistory(folder)
    same_second = "2026-11-25T08:00:00Z"
    results = race(
        RECORD,
        [[str(folder), str(tmp_path / "go"), str(i), same_second] for i in range(PROCESSES)],
        tmp_path / "go",
    )
    assert all(r["path"] for r in results) and len(snapshot_names(folder)) == PROCESSES
    history = ahf.CatalogHistory(folder)
    listed = history.snapshots
    sequences = [int(Path(p).name.split("_")[2]) for p in listed["path"]]
    assert sequences == list(range(PROCESSES)), "one sequence number each, no gap, no collision"
    # the listing order is the recording order, and every variant is there once
    prices = history.price_history("gpt-4o")["input_usd_per_1m"].astype(float).tolist()
    assert sorted(prices) == [1.0 + i / 100 for i in range(PROCESSES)]
    order_of_recording = sorted(results, key=lambda r: int(Path(r["path"]).name.split("_")[2]))
    assert [Path(r["path"]).name for r in order_of_recording] == [Path(p).name for p in listed["path"]]
    assert len(history.diff()) == PROCESSES - 1  # one price change between neighbours, nothing else


def test_processes_loading_with_history_share_one_cache_and_one_ledger(tmp_path):
    folder, cache = tmp_path / "history", tmp_path / "cache"
    with CatalogServer(max_age=300) as server:
        expected = ahf.load_catalog(base_url=server.url, cache_dir=tmp_path / "own-cache")["model_id"].tolist()[:5]
        results = race(LOAD, [[server.url, str(cache), str(folder), str(tmp_path / "go")]] * PROCESSES, tmp_path / "go")
    assert all(r["rows"] == 804 and r["ids"] == expected and r["source"] != "snapshot" for r in results)
    assert not any(r["history_warnings"] for r in results)
    assert len(snapshot_names(folder)) == 1
