"""Issue 10 in the http wing: the key never stored or echoed, the good copy never destroyed, every
request bounded, cache faults degrade. Every test runs against a real CatalogServer and real SQLite
files; the faults are the server's own (``fault_next``)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from helpers_http import cache_bytes, secret_forms

import aihubmix_frame as ahf
from aihubmix_frame.http.cache import cache_path, close_sessions
from aihubmix_frame.http.maintenance import cache_info, clear_cache
from aihubmix_frame.testing import CatalogServer

SECRET = "sk-aihubmix-RELIABILITY-0123456789"


def load(server, **kwargs):
    return ahf.load_catalog(base_url=server.url, api_key=SECRET, **kwargs)


def source(frame):
    return frame.attrs["aihubmix"]["source"]


def no_secret_in(*texts):
    for text in texts:
        data = text if isinstance(text, bytes) else str(text).encode("utf-8", "surrogatepass")
        for form in secret_forms(SECRET):
            assert form not in data


# --- secrets ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("where", ["same host", "other host"])
def test_the_key_is_in_no_byte_of_the_cache_after_a_redirect(server, cache_dir, status, where):
    with CatalogServer() as other:
        server.fault_next("redirect", status=status, to=None if where == "same host" else other)
        frame = load(server)
        assert source(frame) == "network" and len(frame) == 804
        assert server.requests[0].header("Authorization") == f"Bearer {SECRET}"  # it was sent...
        if where == "other host":  # ...and requests never forwards it to another host
            assert other.requests and other.requests[-1].header("Authorization") is None
        close_sessions()
        stored = cache_bytes(cache_dir)
        assert b"REDACTED" in stored  # the redaction ran, on the final request and the history
        no_secret_in(stored)


@pytest.mark.parametrize("status", [500, 200])
def test_an_echoed_key_reaches_no_warning_attrs_or_parquet(server, cache_dir, tmp_path, status):
    load(server)  # a good copy to fall back on
    server.fault_next("echo_key", status=status)
    with pytest.warns(ahf.StaleCatalogWarning) as caught:
        frame = load(server, force_refresh=True)
    assert source(frame) == "stale" and "[REDACTED]" in str(caught[0].message)
    no_secret_in(*(w.message for w in caught), frame.attrs)
    path = frame.aihub.to_parquet(tmp_path / "c.parquet")
    no_secret_in(path.read_bytes())


def test_an_echoed_key_reaches_no_error(server, cache_dir):
    server.fault_next("echo_key", status=401)
    with pytest.raises(ahf.AuthenticationError) as info:
        load(server)
    assert "Bearer [REDACTED]" in str(info.value)
    no_secret_in(str(info.value), repr(info.value))


def test_an_echoed_key_reaches_no_snapshot_fallback_note(server, cache_dir):
    server.fault_next("echo_key", status=500)
    with pytest.warns(ahf.StaleCatalogWarning) as caught:
        frame = load(server)  # nothing cached: the bundled snapshot
    assert source(frame) == "snapshot"
    no_secret_in(frame.attrs, *(w.message for w in caught))


def test_the_client_repr_never_shows_the_key():
    client = ahf.CatalogClient(api_key=SECRET)
    assert SECRET not in repr(client) and "api_key=<set>" in repr(client)


# --- the good copy is sacred ------------------------------------------------------------------------

BAD_BODIES = [
    "invalid_record",
    "empty_data",
    "deep_json",
    "huge_price",
    "lone_surrogate",
    "login_page",
    "redirect_login",
]


@pytest.mark.parametrize("kind", BAD_BODIES)
def test_a_bad_200_never_replaces_the_good_copy(server, cache_dir, kind):
    good = load(server)
    server.fault_next(kind)
    with pytest.warns(ahf.StaleCatalogWarning, match="the server answered 200 with"):
        stale = load(server, force_refresh=True)
    assert source(stale) == "stale" and stale["model_id"].tolist() == good["model_id"].tolist()
    # The good copy is still the one on disk: offline, and with the server down, it is served.
    offline = load(server, offline=True)
    assert source(offline) in ("cache", "stale") and offline["model_id"].tolist() == good["model_id"].tolist()
    server.down()
    with pytest.warns(ahf.StaleCatalogWarning):
        down = load(server, force_refresh=True)
    assert down["model_id"].tolist() == good["model_id"].tolist()


@pytest.mark.parametrize("kind", ["redirect_login", "login_page", "invalid_record"])
def test_a_bad_first_answer_is_never_cached(server, cache_dir, kind):
    server.fault_next(kind)
    with pytest.warns(ahf.StaleCatalogWarning, match="snapshot"):
        frame = load(server)
    assert source(frame) == "snapshot"
    # Nothing is stored as the catalog: offline, there is no cached copy to serve.
    assert source(load(server, offline=True)) == "snapshot"


def test_an_empty_answer_to_a_filtered_query_is_plausible(server, cache_dir):
    frame = load(server, model="no-model-has-this-in-its-id")
    assert source(frame) == "network" and len(frame) == 0


# --- headers that used to raise ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["expires_never", "huge_max_age"])
def test_unparseable_caching_headers_load_normally(server, cache_dir, kind):
    server.fault_next(kind)
    frame = load(server)
    assert source(frame) == "network" and len(frame) == 804
    assert source(load(server)) in ("cache", "revalidated", "network")


def test_retry_after_nan_is_retried_with_the_default_backoff(server, cache_dir):
    server.fault_next("retry_after", status=503, value="nan")
    frame = load(server)
    assert source(frame) == "network" and server.count(status=503) == 1 and server.count(status=200) == 1


# --- bounded -----------------------------------------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_size_limit_and_keeps_the_good_copy(server, cache_dir):
    good = load(server)
    server.fault_next("gzip_bomb", mb=200)
    with pytest.warns(ahf.StaleCatalogWarning, match="exceeded the limit of 33,554,432 bytes"):
        stale = load(server, force_refresh=True)
    assert stale["model_id"].tolist() == good["model_id"].tolist()


def test_the_size_limit_is_configurable(server, cache_dir, monkeypatch):
    monkeypatch.setenv("AIHUBMIX_MAX_BODY_BYTES", "100000")  # the real catalog is ~390 KB
    close_sessions()
    with pytest.warns(ahf.StaleCatalogWarning, match="limit of 100,000"):
        frame = load(server)
    assert source(frame) == "snapshot"


def test_a_trickling_body_ends_at_the_timeout_not_when_the_server_stops(server, cache_dir):
    good = load(server)
    server.fault_next("trickle", seconds=60)
    started = time.monotonic()
    with pytest.warns(ahf.StaleCatalogWarning, match="no answer within 1.0 s"):
        stale = load(server, force_refresh=True, timeout=1)
    # Behaviour, not a benchmark: the load returned long before the 60 s body would have ended.
    assert time.monotonic() - started < 30
    assert stale["model_id"].tolist() == good["model_id"].tolist()


# --- cache faults degrade ------------------------------------------------------------------------------


def _good_cache(server, cache_dir):
    load(server)
    close_sessions()
    return cache_path(cache_dir)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed header"])
def test_a_corrupt_cache_file_is_moved_aside_and_loading_goes_on(server, cache_dir, damage):
    path = _good_cache(server, cache_dir)
    data = path.read_bytes()
    for companion in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        companion.unlink(missing_ok=True)
    path.write_bytes(
        {
            "garbage": b"this is not sqlite " * 500,
            "truncated": data[: len(data) // 3],
            "zeroed header": b"\0" * 100 + data[100:],
        }[damage]
    )
    with pytest.warns(ahf.CacheWarning, match=str(path)):
        frame = load(server)
    assert source(frame) == "network" and len(frame) == 804
    assert list(cache_dir.glob("http_cache.sqlite.broken-*")), "the broken file is kept aside for a look"
    assert source(load(server)) == "cache"  # a new cache works


def test_a_malformed_row_is_bypassed(server, cache_dir):
    path = _good_cache(server, cache_dir)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE responses SET value = ?", (b'{"not": "a response"}',))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ahf.CacheWarning)
        frame = load(server)
    assert source(frame) in ("network", "cache") and len(frame) == 804


def test_a_cache_folder_that_is_a_file_is_bypassed(server, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(ahf.CacheWarning, match="not-a-folder"):
        frame = ahf.load_catalog(base_url=server.url, cache_dir=blocker)
    assert source(frame) == "network" and len(frame) == 804
    with pytest.warns(ahf.CacheWarning):
        offline = ahf.load_catalog(base_url=server.url, cache_dir=blocker, offline=True)
    assert source(offline) == "snapshot"


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root reads and writes a mode-000 folder anyway; the file-is-a-folder case covers it",
)
def test_an_unreadable_cache_folder_is_bypassed(server, tmp_path):  # pragma: no cover - needs non-root
    folder = tmp_path / "locked-out"
    folder.mkdir(mode=0)
    with pytest.warns(ahf.CacheWarning, match="locked-out"):
        frame = ahf.load_catalog(base_url=server.url, cache_dir=folder)
    assert source(frame) == "network"


HOLD_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_a_write_lock_held_by_another_process_is_waited_for_a_bounded_time(server, cache_dir, monkeypatch):
    path = _good_cache(server, cache_dir)
    monkeypatch.setenv("AIHUBMIX_CACHE_LOCK_TIMEOUT", "1")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path), "120"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fresh = load(server, force_refresh=True)  # must write: waits, then goes on without the cache
            offline = load(server, offline=True)  # reads: WAL readers are not blocked
        assert time.monotonic() - started < 60, "bounded, not the holder's 120 s"
        assert source(fresh) == "network" and len(fresh) == 804 and len(offline) == 804
        assert any(issubclass(w.category, ahf.CacheWarning) and "locked" in str(w.message) for w in caught)
    finally:
        holder.kill()
        holder.wait()


def test_cache_clear_works_on_a_corrupt_file(cache_dir):
    path = cache_path(cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"garbage" * 1000)
    assert clear_cache(cache_dir=cache_dir) == 0
    assert not path.exists() and list(cache_dir.glob("http_cache.sqlite.broken-*"))
    assert cache_info(cache_dir=cache_dir)["responses"] == 0


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
def test_cli_cache_clear_and_info_on_a_corrupt_file(cache_dir):
    path = cache_path(cache_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"garbage" * 1000)
    env = {**os.environ, "AIHUBMIX_CACHE_DIR": str(cache_dir)}
    info = subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", "cache", "info"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert info.returncode == 0 and "problem:" in info.stdout and "Traceback" not in info.stderr
    cleared = subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", "cache", "clear"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert cleared.returncode == 0 and "Traceback" not in cleared.stderr, cleared.stderr
