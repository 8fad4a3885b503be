"""The reliability campaign (``python -m benchmarks.reliability``) at its small scale: 0 raw errors,
every fault survived, 0 wrong frames from racing processes, 0 secrets in the files written."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow  # real processes / a cluster: `pytest -m 'not slow'` skips it


def campaign_module():
    spec = importlib.util.spec_from_file_location("reliability_campaign", ROOT / "benchmarks" / "reliability.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.reliability", "--scale", "small", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in done.stderr, done.stderr
    found = json.loads(done.stdout)
    assert done.returncode == (1 if found["problems"] else 0)
    return found


def test_fuzzed_payloads_give_frames_or_library_errors(figures):
    fuzz = figures["fuzz"]
    assert fuzz["payloads"] == 300 and fuzz["errors"] == 0, fuzz["examples"]
    assert fuzz["frame"] > 0 and fuzz["library error"] > 0  # both outcomes were exercised


def test_every_fault_kind_is_survived(figures):
    faults = figures["faults"]
    for kind in (
        "gzip_bomb",
        "trickle",
        "echo_key",
        "redirect_login",
        "server down",
        "cache: garbage file",
        "cache: folder is a file",
        "history: symlink loop",
        "history: tampered metadata",
    ):
        assert kind in faults
    unsurvived = {name: f["failures"] for name, f in faults.items() if f["survived"] != f["injected"]}
    assert not unsurvived


def test_racing_processes_share_one_cache_without_errors(figures):
    procs = figures["processes"]
    assert procs["processes"] >= 3 and procs["loads"] >= 12
    assert procs["errors"] == 0 and procs["wrong"] == 0, procs["examples"]
    assert procs["snapshots"] == 1


def test_no_secret_in_any_file_written(figures):
    secrets = figures["secrets"]
    assert secrets["found"] == 0, secrets["where"]
    assert {"SQLite", "Parquet", "CSV", "DEBUG log"} <= set(secrets["kinds"]) and secrets["files"] >= 10


def test_pricing_memory_is_measured(figures):
    memory = figures["memory"]
    assert "error" not in memory and memory["peak_mb"] >= memory["before_mb"] > 0
    assert not figures["problems"]


def test_the_secret_scan_finds_the_key_in_every_form(tmp_path):
    campaign = campaign_module()
    secret = campaign.SECRET.encode()
    planted = {
        "raw.sqlite": b"x" + secret + b"y",
        "b64.sqlite-wal": base64.b64encode(b"Bearer " + secret),
        "shifted.parquet": base64.b64encode(b'{"k": "' + secret + b'"}'),
        "clean.log": b"nothing here",
    }
    for name, data in planted.items():
        (tmp_path / name).write_bytes(data)
    found = campaign.scan_for_secrets(tmp_path)
    assert found["files"] == 4 and sorted(found["where"]) == [
        "b64.sqlite-wal",
        "raw.sqlite",
        "shifted.parquet",
    ]


def test_the_table_is_written_between_the_markers(tmp_path, monkeypatch):
    campaign = campaign_module()
    doc = tmp_path / "RELIABILITY.md"
    doc.write_text(f"# title\n{campaign.START}\nold\n{campaign.END}\ntail\n")
    monkeypatch.setattr(campaign, "DOC", doc)
    campaign.write_into_doc("| a | b |", "python -m benchmarks.reliability --write")
    text = doc.read_text()
    assert text.startswith("# title\n") and text.endswith("tail\n") and "old" not in text
    assert "| a | b |" in text and "`python -m benchmarks.reliability --write`" in text


def test_issue_19_rows_secrets_shrinks_plots_search_cli(figures):
    """The rows of benchmarks/reliability_sec.py: nothing found, everything refused or kept."""
    sec = figures["sec"]
    assert sec["scan"]["found"] == 0 and sec["scan"]["files"] >= 10, sec["scan"]["where"]
    assert sec["secrets"]["loads"] == 2 * sec["secrets"]["cases"] and not sec["secrets"]["wrong_count"]
    assert sec["bad_keys"]["clear"] == sec["bad_keys"]["keys"] and sec["bad_keys"]["requests"] == 0
    assert all(s["right"] == s["injected"] == 1 for s in sec["shrinks"].values()), sec["shrinks"]
    assert sec["plots"]["drawn"] == sec["plots"]["charts"] == 6
    assert sec["search"]["bounded"] and sec["search"]["long_ms"] < sec["search"]["baseline_ms"]
    assert sec["cli"]["refused"] == sec["cli"]["cases"] and sec["cli"]["record_unchanged"] == 3
    for kind in ("echo_secrets", "redirect_sig"):
        assert figures["faults"][kind]["survived"] == figures["faults"][kind]["injected"]
