"""Issue 19, items 1-4: the key (and a base URL's password) is scrubbed by value wherever it could be
stored, and a key HTTP cannot carry is refused before any request.

After each fault every file under the cache folder and the history folder is searched, byte by
byte, for the secret in the forms requests and SQLite would store it: raw, base64 (the JSON
serializer's bodies, at any alignment), URL-encoded, JSON-escaped, and for a password the base64
of ``user:password`` that basic auth sends. The faults are CatalogServer's own (``echo_secrets``,
``redirect_sig``, ``echo_key``)."""

from __future__ import annotations

import base64
import json
import logging
import warnings
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import APIKeyError
from aihubmix_frame.http.cache import close_sessions
from aihubmix_frame.testing import CatalogServer

#: ``/``, ``+`` and ``=`` make the URL-encoded and base64 forms differ from the raw one.
SECRET = "sk-aihubmix-ECHO/0123456789+abcdef="
USER, PASSWORD = "svc-user", "pa55/word+SECRET-42"


def forms(secret: str) -> list[bytes]:
    """``secret`` as requests, SQLite and the JSON serializer could store it."""
    raw = secret.encode()
    found = {
        raw,
        quote(secret, safe="").encode(),
        quote_plus(secret, safe="").encode(),
        quote(secret).encode(),
        json.dumps(secret)[1:-1].encode(),
        json.dumps(secret)[1:-1].replace("/", "\\/").encode(),
        base64.b64encode(raw),
        base64.b64encode(b"Bearer " + raw),
        base64.urlsafe_b64encode(raw),
    }
    for shift in (1, 2):  # base64 of the secret inside a longer blob, at the other two alignments
        found.add(base64.b64encode(b"\0" * shift + raw)[4:-4])
    return sorted(found)


def password_forms() -> list[bytes]:
    pair = f"{USER}:{PASSWORD}"
    return sorted({*forms(PASSWORD), *forms(pair), base64.b64encode(pair.encode())})


def files_under(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def assert_nowhere(secret_forms: list[bytes], *folders: Path) -> None:
    close_sessions()  # flush the WAL into the files
    files = files_under(*folders)
    assert files, "nothing was written: the test would prove nothing"
    leaks = [(str(p.name), form) for p in files for form in secret_forms if form in p.read_bytes()]
    assert not leaks, f"the secret is stored in {leaks[:3]}"


def load(server, cache_dir, history, **kwargs):
    return ahf.load_catalog(base_url=server.url, api_key=SECRET, cache_dir=cache_dir, history=history, **kwargs)


def source(frame):
    return frame.attrs["aihubmix"]["source"]


@pytest.fixture
def places(tmp_path):
    return tmp_path / "cache", tmp_path / "history"


# --- items 1 and 2: echoed in a good answer, or in a redirect -------------------------------------------


def test_the_check_can_fail(tmp_path):
    planted = tmp_path / "cache" / "f.sqlite"
    planted.parent.mkdir()
    planted.write_bytes(b"xx" + base64.b64encode(b'{"a": "' + SECRET.encode() + b'"}') + b"yy")
    with pytest.raises(AssertionError, match="the secret is stored"):
        assert_nowhere(forms(SECRET), tmp_path / "cache")


def test_a_key_echoed_in_a_good_answer_is_stored_nowhere(server, places):
    cache, history = places
    server.fault_next("echo_secrets")
    frame = load(server, cache, history)
    assert source(frame) == "network" and len(frame) == 804
    received = server.requests[-1]
    assert received.header("Authorization") == f"Bearer {SECRET}" and received.fault == "echo_secrets"
    assert_nowhere(forms(SECRET), cache, history)
    assert source(load(server, cache, history)) == "cache"  # the scrubbed copy is a working cache entry


def test_a_key_echoed_after_a_good_copy_is_stored_nowhere(server, places):
    cache, history = places
    load(server, cache, history)
    server.fault_next("echo_secrets")
    frame = load(server, cache, history, force_refresh=True)
    assert source(frame) == "network" and len(frame) == 804
    assert_nowhere(forms(SECRET), cache, history)
    server.down()  # stale-if-error still serves the scrubbed copy
    with pytest.warns(ahf.StaleCatalogWarning):
        stale = load(server, cache, history, force_refresh=True)
    assert source(stale) == "stale" and len(stale) == 804


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("where", ["same host", "other host"])
def test_a_key_in_a_redirect_parameter_is_stored_nowhere(server, places, status, where):
    cache, history = places
    with CatalogServer() as other:
        server.fault_next("redirect_sig", status=status, to=None if where == "same host" else other)
        frame = load(server, cache, history)
        assert source(frame) == "network" and len(frame) == 804
        final = (other if where == "other host" else server).requests[-1]
        assert final.query.get("sig") == SECRET  # the key really was in the redirect's URL
        assert_nowhere(forms(SECRET), cache, history)
        assert source(load(server, cache, history)) == "cache"


def test_a_key_in_a_redirect_parameter_reaches_no_debug_log(server, places, tmp_path):
    cache, history = places
    log_file = tmp_path / "logs" / "debug.log"
    log_file.parent.mkdir()
    handler = logging.FileHandler(log_file)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        server.fault_next("redirect_sig")
        load(server, cache, history)
        server.fault_next("echo_secrets")
        load(server, cache, history, force_refresh=True)
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(level)
    text = log_file.read_bytes()
    assert b"/moved/api/v1/models" in text  # the redirect was logged...
    assert_nowhere(forms(SECRET), log_file.parent, cache, history)  # ...without the key


# --- item 3: a password in base_url -------------------------------------------------------------------------


def _with_password(server) -> str:
    return server.url.replace("http://", f"http://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@")


@pytest.mark.parametrize("fault", [None, "echo_secrets", "redirect_sig"])
def test_a_password_in_base_url_is_stored_nowhere(server, places, tmp_path, fault):
    cache, history = places
    if fault:
        server.fault_next(fault)
    frame = ahf.load_catalog(base_url=_with_password(server), cache_dir=cache, history=history)
    assert source(frame) == "network" and len(frame) == 804
    sent = server.requests[0].header("Authorization")
    assert sent == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()  # basic auth was sent
    assert_nowhere(password_forms(), cache, history)
    client = ahf.CatalogClient(base_url=_with_password(server))
    assert PASSWORD not in repr(client) and quote(PASSWORD, safe="") not in repr(client)
    assert PASSWORD not in json.dumps(frame.attrs)


# --- item 4: a key HTTP cannot carry --------------------------------------------------------------------------

BAD_KEYS = ["sk-abc\u2014def-0123456789", "sk-\u5bc6\u94a5-0123456789", "sk-abc\ndef-0123456789"]


def _chain(exc: BaseException):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


@pytest.mark.parametrize("key", BAD_KEYS, ids=["em dash", "cjk", "newline"])
def test_a_key_http_cannot_carry_is_a_clear_error_before_any_request(server, cache_dir, key):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no false "the HTTP cache failed" warning, nor any other
        with pytest.raises(APIKeyError, match="the API key cannot be sent: its character") as info:
            ahf.load_catalog(base_url=server.url, api_key=key)
    assert isinstance(info.value, ahf.AihubmixError) and isinstance(info.value, ValueError)
    for exc in _chain(info.value):
        assert key not in str(exc) and key not in repr(exc) and key.strip() not in str(exc.args)
    assert server.requests == []  # nothing was sent
    assert not list(cache_dir.glob("http_cache.sqlite*"))  # nor was the cache opened


def test_a_key_http_cannot_carry_from_the_environment_too(server, monkeypatch):
    monkeypatch.setenv("AIHUBMIX_API_KEY", BAD_KEYS[0])
    with pytest.raises(APIKeyError, match="AIHUBMIX_API_KEY"):
        ahf.fetch_catalog(base_url=server.url)
    assert server.requests == []


def test_the_scrubbed_cache_still_revalidates_with_its_etag(short_server, places, clock):
    cache, history = places
    short_server.fault_next("echo_secrets")  # the stored copy is the scrubbed echo...
    load(short_server, cache, history)
    clock.shift(1.5)  # past max-age=1
    frame = load(short_server, cache, history)  # ...whose ETag the server no longer knows: a new 200
    assert source(frame) == "network"
    clock.shift(1.5)
    again = load(short_server, cache, history)  # the normal body's ETag: a 304
    assert source(again) == "revalidated" and short_server.requests[-1].status == 304
    assert short_server.requests[-1].header("If-None-Match")
    assert_nowhere(forms(SECRET), cache, history)


def test_every_logger_of_the_http_stack_is_scrubbed():
    """A logging filter applies to its own logger only: every module logger must be in the list."""
    import importlib.util
    import re

    from aihubmix_frame.http.secrets import LOGGERS

    missing = []
    for package in ("requests", "urllib3", "requests_cache"):
        root = Path(importlib.util.find_spec(package).origin).parent
        for path in root.rglob("*.py"):
            if "getLogger(__name__)" not in path.read_text(encoding="utf-8", errors="replace"):
                continue
            name = ".".join(path.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__")
            optional = re.search(r"(emscripten|pyopenssl|http2|filesystem|gridfs|mongodb|redis|patcher)", name)
            if name not in LOGGERS and not optional:
                missing.append(name)
    assert not missing, f"add these loggers to aihubmix_frame.http.secrets.LOGGERS: {missing}"
