"""Issue 10, the command line: every user-facing failure is one line naming the path or value, with
exit code 1 or 2 and no traceback; server-controlled text never reaches the terminal as control codes.

Each case is a real ``python -m aihubmix_frame`` process. The full disk is a real one: a 64 KiB tmpfs
when this process may mount (root on Linux), else the case is skipped; ``/dev/full`` stands in for
a full disk behind standard output and always runs on Linux.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aihubmix_frame.testing import CatalogServer

ROOT = Path(__file__).resolve().parents[1]
HOSTILE_ID = "evil\x1b]0;pwned\x07\x1b[31m-model\x9b2J\x00\x7f"
RAW_CONTROLS = [b"\x1b", b"\x07", b"\xc2\x9b", b"\x00", b"\x7f"]

#: Every test here runs the command line in a subprocess: part of the full run (.ci/run).
pytestmark = pytest.mark.slow


def run(*args: str, env: dict | None = None, cwd: Path = ROOT, stdout=None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", *args],
        cwd=cwd,
        env=environment,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        timeout=120,
    )


def one_line_error(done: subprocess.CompletedProcess, code: int, *names: str) -> str:
    err = done.stderr.decode()
    assert done.returncode == code, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if ": error: " in line]
    others = [line for line in err.splitlines() if ": error: " not in line and ": warning: " not in line]
    assert len(errors) == 1 and not others, err
    for name in names:
        assert name in errors[0], (name, errors[0])
    return errors[0]


# --- files --------------------------------------------------------------------------------------


def test_export_onto_an_existing_folder(tmp_path):
    (tmp_path / "out.parquet").mkdir()
    one_line_error(run("export", str(tmp_path / "out.parquet"), "--offline"), 1, "out.parquet", "folder")
    assert not list((tmp_path / "out.parquet").iterdir())


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc, a file system that refuses files")
def test_export_onto_an_unwritable_file_system():
    one_line_error(run("export", "/proc/catalog.parquet", "--offline"), 1, "/proc/catalog.parquet")


def test_export_into_a_missing_folder_or_under_a_file(tmp_path):
    (tmp_path / "a-file").write_text("x")
    one_line_error(run("export", str(tmp_path / "nowhere" / "c.csv"), "--offline"), 2, "nowhere")
    one_line_error(run("export", str(tmp_path / "a-file" / "c.csv"), "--offline"), 2, "a-file")


@pytest.fixture
def full_disk(tmp_path):
    """A real 64 KiB tmpfs (the catalog Parquet is ~100 KB): writes fail with ENOSPC."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); /dev/full covers standard output")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


@pytest.mark.parametrize("name", ["catalog.parquet", "catalog.csv"])
def test_export_onto_a_full_disk(full_disk, name):
    target = full_disk / name
    line = one_line_error(run("export", str(target), "--offline"), 1, str(target), "No space left on device")
    assert "[Errno" not in line and not list(full_disk.iterdir()), "no partial or temporary file is left"


def test_history_record_onto_a_full_disk(full_disk):
    one_line_error(
        run("history", str(full_disk / "h"), "--record", "--offline"),
        1,
        str(full_disk / "h"),
        "No space left on device",
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_standard_output_on_a_full_disk(fmt):
    with open("/dev/full", "wb") as full:
        done = run("models", "--offline", "--format", fmt, stdout=full)
    one_line_error(done, 1, "standard output", "No space left on device")


def test_a_history_folder_that_is_a_symlink_loop(tmp_path):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    one_line_error(run("history", str(tmp_path / "loop")), 2, str(tmp_path / "loop"))


def test_a_history_folder_that_is_a_file_names_it_without_stray_quotes(tmp_path):
    (tmp_path / "h").write_text("x")
    one_line_error(run("history", str(tmp_path / "h")), 2, f"'{tmp_path / 'h'}' is a file")


# --- cache -------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["info", "clear"])
def test_cache_commands_on_a_cache_folder_that_is_a_file(tmp_path, action):
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    one_line_error(run("cache", action, "--cache-dir", str(tmp_path / "cache")), 1, str(tmp_path / "cache"))
    assert (tmp_path / "cache").read_text().startswith("a file")


def test_models_with_a_cache_folder_that_is_a_file_warns_in_one_line_and_works(tmp_path, server):
    (tmp_path / "cache").write_text("x")
    done = run(
        "models",
        "--base-url",
        server.url,
        "--limit",
        "3",
        env={"AIHUBMIX_CACHE_DIR": str(tmp_path / "cache")},
    )
    err = done.stderr.decode()
    assert done.returncode == 0 and "Traceback" not in err
    assert any(str(tmp_path / "cache") in line for line in err.splitlines() if ": warning: " in line)
    assert len(done.stdout.decode().splitlines()) == 4


def test_models_on_a_corrupt_cache_warns_in_one_line_and_works(cache_dir, server):
    assert run("models", "--base-url", server.url, "--limit", "1").returncode == 0
    database = cache_dir / "http_cache.sqlite"
    for companion in cache_dir.glob("http_cache.sqlite-*"):
        companion.unlink()
    database.write_bytes(b"this is not sqlite " * 500)
    done = run("models", "--base-url", server.url, "--limit", "3")
    err = done.stderr.decode()
    assert done.returncode == 0 and "Traceback" not in err
    assert any(str(database) in line for line in err.splitlines() if ": warning: " in line)


# --- serve ------------------------------------------------------------------------------------


@pytest.mark.parametrize("port", ["99999", "-1", "http", "65536"])
def test_serve_with_a_port_out_of_range(port):
    one_line_error(run("serve", "--port", port), 2, "--port", port)


def test_serve_on_a_port_in_use(server):
    port = server.url.rsplit(":", 1)[1]
    one_line_error(run("serve", "--port", port), 2, port, "--port 0")


# --- terminal escape sequences from the server --------------------------------------------------


def hostile_catalog() -> dict:
    return {
        "success": True,
        "message": "",
        "data": [
            {
                "model_id": HOSTILE_ID,
                "desc": "bell\x07 and osc \x1b]8;;http://x\x1b\\link",
                "types": "llm",
                "pricing": {"input": 1, "output": 2},
            },
            {"model_id": "plain-model", "types": "llm", "pricing": {"input": 1, "output": 2}},
        ],
    }


def assert_no_raw_controls(data: bytes) -> None:
    for control in RAW_CONTROLS:
        assert control not in data, (control, data[:300])


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_models_and_search_escape_server_controlled_ids(fmt):
    with CatalogServer(hostile_catalog(), max_age=60) as hostile:
        for args in (("models",), ("search", "evil")):
            done = run(*args, "--base-url", hostile.url, "--format", fmt)
            assert done.returncode == 0, done.stderr
            assert_no_raw_controls(done.stdout)
            assert_no_raw_controls(done.stderr)
            text = done.stdout.decode()
            assert ("\\x1b]0;pwned\\x07" in text) if fmt != "json" else ("\\u001b]0;pwned\\u0007" in text)
            assert ("\\x9b" in text) if fmt != "json" else ("\\u009b" in text)


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_diff_escapes_server_controlled_ids(tmp_path, fmt):
    old = hostile_catalog()
    new = json.loads(json.dumps(old))
    new["data"][0]["pricing"]["input"] = 5
    new["data"].append({"model_id": "added\x1b[2J", "types": "llm", "pricing": {"input": 1, "output": 1}})
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    done = run("diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--format", fmt)
    assert done.returncode == 0, done.stderr
    assert_no_raw_controls(done.stdout)
    assert "added" in done.stdout.decode() and "pwned" in done.stdout.decode()


def test_csv_keeps_the_value_recoverable(tmp_path):
    with CatalogServer(hostile_catalog(), max_age=60) as hostile:
        done = run("models", "--base-url", hostile.url, "--format", "csv")
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(done.stdout.decode())))
    shown = rows[0]["model_id"]
    assert shown.encode().decode("unicode_escape") == HOSTILE_ID
