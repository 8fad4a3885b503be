"""The aihubmix-frame command line, run as a real subprocess on the bundled snapshot."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import aihubmix_frame as ahf

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_models_table_has_units_in_headers_and_names_its_source():
    done = run(
        "models",
        "--offline",
        "--type",
        "llm",
        "--features",
        "thinking,tools",
        "--sort",
        "model_ratio",
        "--limit",
        "5",
    )
    assert done.returncode == 0, done.stderr
    header = done.stdout.splitlines()[0]
    assert "input USD/1M" in header and "output USD/1M" in header and "context (tokens)" in header
    assert len(done.stdout.splitlines()) == 6
    assert "snapshot" in done.stderr and "USD per 1M tokens" in done.stderr


def test_models_csv_matches_the_accessor():
    done = run(
        "models",
        "--offline",
        "--type",
        "t2t",
        "--modalities",
        "text,image",
        "--model",
        "gpt",
        "--format",
        "csv",
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    expected = ahf.load_snapshot().aihub.filter(type="llm", modalities="text,image", model="gpt")
    assert [r["model_id"] for r in rows] == expected["model_id"].tolist()
    assert all("," not in r["types"] or r["types"].count(",") >= 1 for r in rows)
    gpt4o = next(r for r in rows if r["model_id"] == "gpt-4o")
    assert float(gpt4o["input_usd_per_1m"]) == 2.5


def test_models_json_keeps_lists():
    done = run("models", "--offline", "--model", "gpt-4o", "--format", "json", "--limit", "2")
    records = json.loads(done.stdout)
    assert len(records) == 2 and isinstance(records[0]["features"], list)


def test_unknown_filter_value_is_a_one_line_warning_not_a_traceback():
    done = run("models", "--offline", "--features", "telepathy")
    assert done.returncode == 0
    assert "aihubmix-frame: warning: unknown features 'telepathy'" in done.stderr
    assert "Traceback" not in done.stderr and "UnknownValueWarning" not in done.stderr


def test_bad_filter_number_is_a_clear_error_not_a_traceback():
    done = run("models", "--offline", "--order", "sideways")
    assert done.returncode == 2 and "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [("--version",), ("models", "--help")])
def test_help_and_version(args):
    done = run(*args)
    assert done.returncode == 0 and done.stdout
