"""Issue 19, item 11: the app binds 127.0.0.1 only, and ``--token`` makes Voilà demand a token
(for shared machines, where any local user could otherwise open the page and start kernels)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aihubmix_frame.cli import build_parser
from aihubmix_frame.cli.app import voila_argv

ROOT = Path(__file__).resolve().parents[1]


def test_the_app_binds_loopback_and_passes_the_token_flag_not_a_token():
    plain = voila_argv(build_parser().parse_args(["app", "--offline"]))
    assert "--Voila.ip=127.0.0.1" in plain and "--token" not in plain
    guarded = voila_argv(build_parser().parse_args(["app", "--token", "--port", "9000"]))
    assert "--Voila.ip=127.0.0.1" in guarded and "--token" in guarded and "--port=9000" in guarded
    assert not any(arg.startswith(("--token=", "--Voila.token")) for arg in guarded)  # no secret in `ps`


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _status(url: str) -> int | None:
    import requests

    try:
        with requests.get(url, allow_redirects=False, timeout=10, stream=True) as answer:
            return answer.status_code
    except requests.RequestException:
        return None


@pytest.mark.slow
def test_with_token_the_page_needs_the_token(tmp_path):
    pytest.importorskip("voila")
    port, token = _free_port(), "app-token-for-this-test-0123456789"
    env = {**os.environ, "JUPYTER_TOKEN": token, "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "voila.log").open("wb")
    argv = [sys.executable, "-m", "aihubmix_frame", "app", "--offline", "--no-browser", "--token", "--port", str(port)]
    process = subprocess.Popen(
        argv, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while _status(base) is None:
            assert process.poll() is None, (tmp_path / "voila.log").read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the app did not answer in 120 s"
            time.sleep(0.5)
        assert _status(base) in (302, 401, 403)  # no token: the login page or a refusal, never the app
        assert _status(base + "?token=wrong-token") in (302, 401, 403)
        assert _status(f"{base}?token={token}") == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the app and the kernels it started
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
