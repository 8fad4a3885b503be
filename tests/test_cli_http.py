"""The command line over HTTP: `models --base-url`, `--offline`, `cache info|clear`, `serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from helpers_http import CLOSED_PORT_URL

from aihubmix_frame import cli

ROOT = Path(__file__).resolve().parents[1]

#: Every test here runs the command line in a subprocess: part of the full run (.ci/run).
pytestmark = pytest.mark.slow


def run(*args, cache_dir, timeout=120):
    env = {**os.environ, "AIHUBMIX_CACHE_DIR": str(cache_dir), "AIHUBMIX_BASE_URL": CLOSED_PORT_URL}
    env.pop("AIHUBMIX_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_models_goes_through_the_server_then_the_cache(server, tmp_path):
    args = (
        "models",
        "--base-url",
        server.url,
        "--type",
        "llm",
        "--features",
        "thinking",
        "--sort",
        "context_length",
        "--order",
        "desc",
        "--format",
        "json",
    )
    first = run(*args, cache_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert f"from the network ({server.url}/api/v1/models" in first.stderr
    assert server.requests[-1].query == {
        "type": "llm",
        "features": "thinking",
        "sort_by": "context_length",
        "sort_order": "desc",
    }
    served = [
        r["model_id"]
        for r in requests.get(server.url + "/api/v1/models", params=server.requests[0].query, timeout=10).json()["data"]
    ]
    assert [r["model_id"] for r in json.loads(first.stdout)] == served

    second = run(*args, cache_dir=tmp_path)
    assert second.returncode == 0 and "from the HTTP cache" in second.stderr
    assert second.stdout == first.stdout
    assert server.count() == 2  # the CLI's first run and this test's own request; none from the second run


def test_models_sorts_locally_by_a_column_the_server_does_not_know(server, tmp_path):
    result = run(
        "models",
        "--base-url",
        server.url,
        "--type",
        "llm",
        "--sort",
        "output_usd_per_1m",
        "--format",
        "json",
        cache_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "sort_by" not in server.requests[-1].query
    prices = [r["output_usd_per_1m"] for r in json.loads(result.stdout) if r["output_usd_per_1m"] is not None]
    assert prices == sorted(prices) and len(prices) > 10


def test_offline_uses_the_snapshot_and_sends_nothing(server, tmp_path):
    result = run(
        "models",
        "--offline",
        "--base-url",
        server.url,
        "--model",
        "gpt-4o",
        "--limit",
        "3",
        cache_dir=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "bundled snapshot of 2026-07-02" in result.stderr
    assert "gpt-4o" in result.stdout
    assert server.count() == 0


def test_server_down_prints_one_warning_line_and_uses_the_snapshot(tmp_path):
    result = run("models", "--model", "claude", "--limit", "2", cache_dir=tmp_path)  # base URL: closed port
    assert result.returncode == 0, result.stderr
    assert "aihubmix-frame: warning: could not connect" in result.stderr
    assert "Traceback" not in result.stderr
    assert "bundled snapshot" in result.stderr


def main(capsys, *args):
    """The CLI in this process (fast); the subprocess tests above cover the real entry point."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cache_info_and_clear(server, cache_dir, capsys):
    code, out, _ = main(capsys, "cache", "info")
    assert code == 0 and "responses: 0" in out and "no cache yet" in out
    main(capsys, "models", "--base-url", server.url, "--limit", "1")
    main(capsys, "models", "--base-url", server.url, "--type", "video", "--limit", "1")
    code, out, _ = main(capsys, "cache", "info")
    assert code == 0
    assert f"path: {cache_dir / 'http_cache.sqlite'}" in out
    assert "responses: 2" in out and "newest fetch: 20" in out
    code, out, _ = main(capsys, "cache", "clear", "--cache-dir", str(cache_dir))
    assert code == 0 and "removed 2 cached response(s)" in out
    assert "responses: 0" in main(capsys, "cache", "info")[1]
    assert "from the network" in main(capsys, "models", "--base-url", server.url, "--limit", "1")[2]
    assert server.count() == 3


def test_bad_base_url_is_a_clear_error(cache_dir, capsys):
    code, _, err = main(capsys, "models", "--base-url", "aihubmix.com")
    assert code == 2 and "is not an http(s) URL" in err


def test_serve_prints_its_url_serves_the_payload_and_stops_on_ctrl_c(tmp_path):
    payload = tmp_path / "catalog.json"
    payload.write_text(
        json.dumps({"data": [{"model_id": "demo-model", "types": "llm"}], "message": "", "success": True})
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aihubmix_frame",
            "serve",
            "--port",
            "0",
            "--payload",
            str(payload),
            "--max-age",
            "42",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        url = line.split(" at ")[1].split("/api/v1/models")[0]
        assert url.startswith("http://127.0.0.1:")
        response = requests.get(url + "/api/v1/models", timeout=10)
        assert [r["model_id"] for r in response.json()["data"]] == ["demo-model"]
        assert response.headers["Cache-Control"].startswith("public, max-age=42,")
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err


def test_serve_with_a_missing_payload_file_is_a_clear_error(tmp_path, capsys):
    code, _, err = main(capsys, "serve", "--port", "0", "--payload", str(tmp_path / "missing.json"))
    assert code == 2 and "cannot read --payload" in err


@pytest.mark.parametrize("command", ["serve", "cache", "models"])
def test_help_mentions_the_options(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert {"serve": "--max-age", "cache": "clear", "models": "--base-url"}[command] in out
