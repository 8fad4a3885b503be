"""Issue 19's secrets, shrinks, plots, search and CLI rows of the reliability campaign (``benchmarks.reliability``).

Counted, except the search row, which times a 20,000-character search against a 4-character one
in the same process (a ratio). Each ``measure_*`` returns a dict; :func:`rows` turns them into
table lines and :func:`problems` into the campaign's failures.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import aihubmix_frame as ahf
from aihubmix_frame.http.cache import close_sessions
from aihubmix_frame.loader import snapshot_payload
from aihubmix_frame.testing import CatalogServer

SECRET = "sk-aihubmix-ROUND2/5f0c1e2d3b4a+69788796a5b4c3d2e1f0="
USER, PASSWORD = "svc-user", "pa55/word+ROUND2-secret"
EVIL_ID = "$\\evilcmd{x}$"
ROOT = Path(__file__).resolve().parents[1]


def _forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    found = {
        raw,
        quote(secret, safe="").encode(),
        quote_plus(secret, safe="").encode(),
        json.dumps(secret)[1:-1].encode(),
        base64.b64encode(raw),
        base64.b64encode(b"Bearer " + raw),
    }
    for shift in (1, 2):
        found.add(base64.b64encode(b"\0" * shift + raw)[4:-4])
    return sorted(found)


def secret_forms() -> list[bytes]:
    """The key and the base URL's password in every stored form (raw, URL, JSON, base64, basic auth)."""
    pair = f"{USER}:{PASSWORD}"
    return sorted({*_forms(SECRET), *_forms(PASSWORD), *_forms(pair), base64.b64encode(pair.encode())})


def _quiet(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


# --- secrets echoed back ---------------------------------------------------------------------------------


def measure_secrets(root: Path, rounds: int) -> dict:
    """Echoing faults after and before a good copy, with a key and with a base URL password; then every
    file under ``root`` (cache, history, the campaign's DEBUG log passed in ``logs``) is searched."""
    cases = ["echo_secrets", "redirect_sig", "redirect_sig other host", "password", "password + echo_secrets"]
    loads, wrong = 0, []
    with CatalogServer() as server, CatalogServer() as other:
        for case in cases:
            for attempt in range(rounds):
                place = root / f"{case.replace(' ', '_').replace('+', 'and')}-{attempt}"
                base_url, key = server.url, SECRET  # type: tuple[str, str | None]
                if case.startswith("password"):
                    base_url, key = server.url.replace("http://", f"http://{USER}:{quote(PASSWORD, safe='')}@"), None
                kwargs = dict(base_url=base_url, api_key=key, cache_dir=place / "cache", history=place / "history")
                for refresh in (False, True):  # before a good copy, then over it
                    kind = case.replace("password + ", "").replace(" other host", "")
                    if kind != "password":
                        options = {"to": other} if case.endswith("other host") else {}
                        server.fault_next(kind, **options)
                    try:
                        frame = _quiet(ahf.load_catalog, force_refresh=refresh, **kwargs)
                        loads += 1
                        if len(frame) != 804 or frame.attrs["aihubmix"]["source"] != "network":
                            wrong.append(f"{case}: {len(frame)} rows from {frame.attrs['aihubmix']['source']}")
                    except Exception as exc:
                        wrong.append(f"{case}: {type(exc).__name__}: {exc}"[:200])
                close_sessions()
    return {"cases": len(cases), "loads": loads, "wrong": wrong[:3], "wrong_count": len(wrong)}


def scan(*folders: Path) -> dict:
    forms = secret_forms()
    files = [
        p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
    ]
    found = [str(p.name) for p in files if any(form in p.read_bytes() for form in forms)]
    return {"files": len(files), "found": len(found), "where": found[:5]}


def measure_bad_keys() -> dict:
    """Keys HTTP cannot carry: a clear APIKeyError without the key, before any request."""
    keys = ["sk-abc\u2014def-0123456789", "sk-\u5bc6\u94a5-0123456789", "sk-abc\ndef-0123456789", "sk-\u00e9\u0301x"]
    clear, sent = 0, 0
    with CatalogServer() as server:
        for key in keys:
            try:
                _quiet(ahf.load_catalog, base_url=server.url, api_key=key)
            except ahf.AihubmixError as exc:
                chain: BaseException | None = exc
                text = ""
                while chain is not None:
                    text += str(chain) + repr(chain)
                    chain = chain.__cause__ or chain.__context__
                clear += isinstance(exc, ValueError) and key not in text
            except Exception:
                pass
        sent = len(server.requests)
    close_sessions()
    return {"keys": len(keys), "clear": clear, "requests": sent}


# --- catalogs that shrink ------------------------------------------------------------------------------------


def _shrinks() -> dict[str, Callable[[dict], None]]:
    def half(p: dict) -> None:
        p["data"] = p["data"][:402]

    def junk(p: dict) -> None:
        p["data"] = [{"model_id": "x"}]

    def unpriced(p: dict) -> None:
        for r in p["data"]:
            r.pop("pricing", None)

    def moderate(p: dict) -> None:
        p["data"] = p["data"][:700]

    return {"804 -> 402": half, "804 -> 1 junk record": junk, "every price removed": unpriced, "804 -> 700": moderate}


def measure_shrinks(root: Path, rounds: int) -> dict:
    """Each shrink after a good copy: kept = the good copy served, still served offline, history unchanged;
    the moderate change must instead be taken."""
    results = {}
    good_ids = [r["model_id"] for r in snapshot_payload()["data"]]
    for name, shrink in _shrinks().items():
        ok = 0
        for attempt in range(rounds):
            place = root / f"shrink-{name.replace(' ', '_').replace('>', '')}-{attempt}"
            with CatalogServer() as server:
                kwargs = dict(base_url=server.url, cache_dir=place / "cache", history=place / "history")
                try:
                    _quiet(ahf.load_catalog, **kwargs)
                    payload = copy.deepcopy(snapshot_payload())
                    shrink(payload)
                    server.set_payload(payload)
                    served = _quiet(ahf.load_catalog, force_refresh=True, **kwargs)
                    offline = _quiet(ahf.load_catalog, offline=True, **kwargs)
                    snapshots = len(ahf.CatalogHistory(place / "history").snapshots)
                    if name == "804 -> 700":
                        ok += len(served) == len(offline) == 700 and snapshots == 2
                    else:
                        ok += (
                            served["model_id"].tolist() == good_ids
                            and offline["model_id"].tolist() == good_ids
                            and snapshots == 1
                        )
                except Exception:
                    pass
                close_sessions()
        results[name] = {"injected": rounds, "right": ok}
    return results


# --- plots, search, CLI ------------------------------------------------------------------------------------


def measure_plots() -> dict:
    """Every chart that shows catalog text, drawn to PNG with a mathtext model id, type and vendor."""
    payload = snapshot_payload()
    record = {
        "model_id": EVIL_ID,
        "types": "$\\evil{t}$,llm",
        "vendor": "$\\evil{v}$",
        "pricing": {"input": 0.01, "output": 0.02},
        "context_length": 8000,
    }
    frame = ahf.catalog_to_frame({**payload, "data": [*payload["data"][:20], record]})
    charts = {
        "price_map by type": lambda: frame.aihub.plot.price_map(label_cheapest=3),
        "price_map by vendor": lambda: frame.aihub.plot.price_map(color_by="vendor"),
        "context_map": lambda: frame.aihub.plot.context_map(color_by="vendor"),
        "cost_bars": lambda: ahf.plot.cost_bars(frame.aihub.cheapest(5, input_tokens=1000, output_tokens=100)),
        "feature_matrix": lambda: frame.aihub.plot.feature_matrix(),
    }
    drawn = 0
    for draw in charts.values():
        try:
            ax = _quiet(draw)
            ax.figure.savefig(io.BytesIO(), format="png")
            ahf.plot.pyplot().close(ax.figure)
            drawn += 1
        except Exception:
            pass
    try:
        picker = _quiet(ahf.widgets.ModelPicker, frame, plot_delay=None)
        drawn += picker.plot_figure is not None
    except Exception:
        pass
    return {"charts": len(charts) + 1, "drawn": drawn}


def measure_search() -> dict:
    from aihubmix_frame.search import search_catalog

    catalog = ahf.load_snapshot()
    long_query = ("claude opus sonnet gpt " * 1000)[:20_000]

    def best(call: Callable[[], Any], repeat: int = 5) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            with contextlib.suppress(ValueError):
                call()
            times.append(time.perf_counter() - started)
        return min(times)

    baseline = best(lambda: search_catalog(catalog, "gpt5"))
    refused = best(lambda: search_catalog(catalog, long_query))
    limit = best(lambda: search_catalog(catalog, ("claude opus " * 20)[:200]), repeat=3)
    try:
        search_catalog(catalog, long_query)
        bounded = False
    except ValueError:
        bounded = True
    return {"bounded": bounded, "baseline_ms": baseline * 1000, "long_ms": refused * 1000, "limit_ms": limit * 1000}


CLI_CASES = [
    ["models", "--offline", "--limit", "-5"],
    ["search", "gpt", "--offline", "--limit", "0"],
    ["app", "--port", "99999"],
    ["app", "--port", "0"],
    ["serve", "--port", "70000"],
    ["serve", "--max-age", "-5"],
    ["models", "--offline", "--min-context", "-5"],
    ["models", "--offline", "--max-input-price", "inf"],
]


def measure_cli(root: Path) -> dict:
    """Out-of-range numbers (exit 2, one line) and ``history --record`` with nothing to record (not 0)."""
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}

    def run(*args: str) -> tuple[int, list[str]]:
        done = subprocess.run(
            [sys.executable, "-m", "aihubmix_frame", *args], capture_output=True, text=True, env=env, timeout=300
        )
        return done.returncode, [line for line in done.stderr.splitlines() if line.strip()]

    refused = sum(1 for args in CLI_CASES if (lambda r: r[0] == 2 and len(r[1]) == 1)(run(*args)))
    folder = str(root / "cli-history")
    first, _ = run("history", folder, "--record", "--offline")
    again, _ = run("history", folder, "--record", "--offline")
    return {"cases": len(CLI_CASES), "refused": refused, "record_first": first, "record_unchanged": again}


# --- the campaign's use of it ---------------------------------------------------------------------------------


def measure(root: Path, rounds: int) -> dict:
    """Every row of this module, with files written under ``root``."""
    figures = {
        "secrets": measure_secrets(root / "secrets", rounds),
        "bad_keys": measure_bad_keys(),
        "shrinks": measure_shrinks(root / "shrinks", rounds),
        "plots": measure_plots(),
        "search": measure_search(),
        "cli": measure_cli(root),
    }
    return figures


def add_scan(figures: dict, *folders: Path) -> None:
    """The secret scan over the folders of :func:`measure` and the campaign's log (after it is closed)."""
    figures["scan"] = scan(*folders)


def problems(figures: dict) -> list[str]:
    found = []
    if figures["secrets"]["wrong_count"]:
        found.append(f"echo faults: {figures['secrets']['wrong']}")
    if figures["scan"]["found"]:
        found.append(f"secrets (round 2) in {figures['scan']['where']}")
    keys = figures["bad_keys"]
    if keys["clear"] != keys["keys"] or keys["requests"]:
        found.append(f"bad keys: {keys}")
    for name, shrink in figures["shrinks"].items():
        if shrink["right"] != shrink["injected"]:
            found.append(f"shrink {name}: {shrink}")
    if figures["plots"]["drawn"] != figures["plots"]["charts"]:
        found.append(f"plots: {figures['plots']}")
    if not figures["search"]["bounded"]:
        found.append("search: a 20,000-character query was not refused")
    cli = figures["cli"]
    if cli["refused"] != cli["cases"] or cli["record_first"] != 0 or cli["record_unchanged"] == 0:
        found.append(f"cli: {cli}")
    return found


def rows(figures: dict) -> list[str]:
    """Table lines (``| figure | value | what was checked |``) for docs/RELIABILITY.md."""
    secrets, scanned, keys = figures["secrets"], figures["scan"], figures["bad_keys"]
    shrinks, plots, search, cli = figures["shrinks"], figures["plots"], figures["search"], figures["cli"]
    kept = sum(s["right"] for n, s in shrinks.items() if n != "804 -> 700")
    kept_of = sum(s["injected"] for n, s in shrinks.items() if n != "804 -> 700")
    moderate = shrinks["804 -> 700"]
    return [
        f"| secrets echoed back, found | {scanned['found']} | {secrets['loads']} loads through {secrets['cases']} "
        "echoing faults (the key echoed in a header, a cookie and the body of a good answer; in a redirect's "
        "`?sig=`, same and other host; a `user:password` base URL, alone and echoed): the key and the password "
        f"(raw, URL-encoded, JSON-escaped, base64, basic auth) in {scanned['files']} files (cache, history, "
        "DEBUG log) |",
        f"| keys HTTP cannot carry | {keys['clear']} / {keys['keys']} refused | a clear `APIKeyError` without "
        f"the key, before any request ({keys['requests']} requests sent) |",
        f"| implausible catalogs kept out | {kept} / {kept_of} | 804 -> 402 models, 804 -> one junk record, "
        "every price removed: the good copy served, still served offline, no removal recorded; a moderate "
        f"change (804 -> 700) taken {moderate['right']} / {moderate['injected']} |",
        f"| charts with a mathtext model id | {plots['drawn']} / {plots['charts']} drawn | `$\\evilcmd{{x}}$` "
        "as id, type and vendor: price map (by type, by vendor), context map, cost bars, feature matrix, "
        "the picker's plot pane |",
        f"| 20,000-character search | refused in {search['long_ms'] * 1000:.0f} µs | "
        f"{search['long_ms'] / search['baseline_ms']:.1e} x a 4-character search ({search['baseline_ms']:.0f} ms); "
        f"the longest accepted, 200 characters: {search['limit_ms']:.0f} ms, "
        f"{search['limit_ms'] / search['baseline_ms']:.1f} x (before the bound, 20,000 characters took 31.6 s) |",
        f"| CLI numbers out of range | {cli['refused']} / {cli['cases']} refused | exit 2 and one line "
        "(`--limit -5`, `--port 99999`, `--max-age -5`, negative bounds...); `history --record` exits "
        f"{cli['record_first']} when it recorded, {cli['record_unchanged']} when unchanged |",
    ]
