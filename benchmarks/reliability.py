"""The reliability campaign: fuzzed payloads, injected faults, racing processes, a secret scan and the
memory of pricing, as one table anyone can rerun.

    python -m benchmarks.reliability                 # --scale small (about a minute)
    python -m benchmarks.reliability --scale full    # the figures in docs/RELIABILITY.md
    python -m benchmarks.reliability --scale full --write   # ... and write them there

Every figure is counted, never timed. Faults come from ``CatalogServer.fault_next`` (and
``fail_next``, ``malform_next``, ``down``) and from real damaged files (a corrupt SQLite cache, a
cache folder that is a file, a tampered or symlinked history snapshot). Every load in the campaign
sends an API key; at the end every file the package wrote (cache SQLite with its -wal/-shm,
Parquet, history, the DEBUG log) is scanned for the key, raw and base64. Exits 1 when any error,
wrong frame, unsurvived fault or secret is found.
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime as dt
import json
import logging
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aihubmix_frame as ahf  # noqa: E402
from aihubmix_frame.http.cache import cache_path, close_sessions  # noqa: E402
from aihubmix_frame.http.verdict import judge_body  # noqa: E402
from aihubmix_frame.loader import snapshot_payload  # noqa: E402
from aihubmix_frame.testing import CatalogServer  # noqa: E402
from benchmarks import reliability_sec  # noqa: E402  (issue 19: secrets echoed, shrinks, plots, search, CLI)

SECRET = "sk-aihubmix-CAMPAIGN-5f0c1e2d3b4a69788796a5b4c3d2e1f0"
DOC = ROOT / "docs" / "RELIABILITY.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"
SCALES = {
    "small": {"fuzz": 300, "fault_rounds": 1, "processes": 3, "loads": 4, "rows": 200_000},
    "full": {"fuzz": 20_000, "fault_rounds": 3, "processes": 8, "loads": 40, "rows": 10_000_000},
}

# --- fuzzed payloads ----------------------------------------------------------------------------------

ODD_VALUES = [
    None,
    True,
    0,
    -1,
    10**30,
    1e400,
    float("nan"),
    "",
    " ",
    "0",
    "1e400",
    "NaN",
    "\ud800",
    "llm,t2t",
    "thinking，tools",
    "\x1b]0;x\x07",
    [],
    {},
    [None],
    {"a": [1, {"b": None}]},
    "x" * 5000,
]


def _mutate(value, rng: random.Random, depth: int = 0):
    """A random damage of a JSON value: replace, drop keys, change types, nest."""
    roll = rng.random()
    if roll < 0.25 or depth > 3:
        return rng.choice(ODD_VALUES)
    if isinstance(value, dict) and value:
        value = dict(value)
        for key in rng.sample(list(value), k=min(len(value), rng.randint(1, 3))):
            if rng.random() < 0.3:
                del value[key]
            else:
                value[key] = _mutate(value[key], rng, depth + 1)
        if rng.random() < 0.2:
            value[rng.choice(["tiers", "pricing", "x", "model_id", ""])] = rng.choice(ODD_VALUES)
        return value
    if isinstance(value, list):
        return [_mutate(v, rng, depth + 1) for v in value[: rng.randint(0, 3)]]
    return rng.choice(ODD_VALUES)


def fuzz_payloads(count: int, seed: int = 10) -> dict:
    """Damaged copies of real records (and damaged envelopes) through the verdict and the converter:
    each must give a frame or a library error; a body the verdict accepts must convert."""
    rng = random.Random(seed)
    records = snapshot_payload()["data"]
    errors: list[str] = []
    outcomes = {"frame": 0, "library error": 0}
    for _ in range(count):
        data = [copy.deepcopy(rng.choice(records)) for _ in range(rng.randint(0, 4))]
        data = [_mutate(r, rng) if rng.random() < 0.8 else r for r in data]
        payload = {"data": data, "success": True, "message": ""}
        if rng.random() < 0.1:
            payload = _mutate(payload, rng)
        body = json.dumps(payload, allow_nan=True).encode("utf-8", "surrogatepass")
        try:
            verdict = judge_body(body)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    ahf.catalog_to_frame(payload)
                    outcomes["frame"] += 1
                except ahf.AihubmixError:
                    outcomes["library error"] += 1
                    if verdict.ok:
                        errors.append("the verdict accepted a body that does not convert")
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
    return {"payloads": count, "errors": len(errors), "examples": errors[:3], **outcomes}


# --- faults ---------------------------------------------------------------------------------------------

SERVER_FAULTS = {  # kind: fault_next options
    "redirect": {"status": 302},
    "redirect 308": {"kind": "redirect", "status": 308},
    "redirect_login": {},
    "login_page": {},
    "echo_key": {"status": 500},
    "echo_secrets": {},
    "redirect_sig": {},
    "gzip_bomb": {"mb": 64},
    "oversized": {"mb": 40},
    "deep_json": {},
    "huge_price": {},
    "lone_surrogate": {},
    "invalid_record": {},
    "empty_data": {},
    "trickle": {"seconds": 8},
    "retry_after": {"status": 503},
    "expires_never": {},
    "huge_max_age": {},
}


def _quiet_load(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ahf.load_catalog(api_key=SECRET, **kwargs)


def _fault_once(name: str, server: CatalogServer, cache_dir: Path, expected: list[str]) -> str | None:
    """Inject one fault after a good load; None if the load survived it (the right models, no raw error)."""
    _quiet_load(base_url=server.url, cache_dir=cache_dir, timeout=2)
    options = dict(SERVER_FAULTS.get(name, {}))
    if name in SERVER_FAULTS:
        server.fault_next(options.pop("kind", name), **options)
    elif name.startswith("http "):
        server.fail_next(1, status=int(name.split()[1]))
    elif name.startswith("malformed "):
        server.malform_next(1, kind=name.split()[1])
    elif name == "server down":
        server.down()
    else:
        close_sessions()
        path = cache_path(cache_dir)
        for companion in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            companion.unlink(missing_ok=True)
        data = path.read_bytes()
        if name == "cache: garbage file":
            path.write_bytes(b"this is not sqlite " * 500)
        elif name == "cache: truncated file":
            path.write_bytes(data[: len(data) // 3])
        elif name == "cache: zeroed header":
            path.write_bytes(b"\0" * 100 + data[100:])
        elif name == "cache: malformed row":
            with sqlite3.connect(path) as connection:
                connection.execute("UPDATE responses SET value = ?", (b'{"not": "a response"}',))
    try:
        frame = _quiet_load(base_url=server.url, cache_dir=cache_dir, force_refresh=True, timeout=2)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    finally:
        if name == "server down":
            server.up()
    if frame["model_id"].tolist() != expected:
        return f"wrong frame: {len(frame)} rows from {frame.attrs['aihubmix']['source']}"
    return None


def _file_fault(name: str, root: Path, server: CatalogServer, expected: list[str]) -> str | None:
    """Faults of the files themselves: a cache folder that is a file, a damaged history folder."""
    try:
        if name == "cache: folder is a file":
            blocker = root / "blocker"
            blocker.write_text("a file where the cache folder should be")
            frame = _quiet_load(base_url=server.url, cache_dir=blocker)
            return None if frame["model_id"].tolist() == expected else "wrong frame"
        folder = root / "history"
        history = ahf.CatalogHistory(folder)
        good = ahf.load_snapshot()
        first = history.record(good)
        newer = good.copy()
        newer.loc[newer["model_id"] == "gpt-4o", "input_usd_per_1m"] = 2.0
        newer.attrs["aihubmix"]["fetched_at"] = "2026-08-01T00:00:00Z"
        history.record(newer)
        if name == "history: symlink loop":
            loop = folder / "catalog_20270101T000000000000Z_000099_0123456789abcdef.parquet"
            loop.symlink_to(loop)
        else:
            import pyarrow.parquet as pq

            table = pq.read_table(first)
            pq.write_table(table.replace_schema_metadata({**table.schema.metadata, b"aihubmix_frame": b"{x"}), first)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            answers = [
                len(history.load()),
                len(history.summary()),
                len(history.diff()),
                history.price_history("gpt-4o")["input_usd_per_1m"].tolist()[-1],
            ]
        wanted_rows = 804 if name != "history: symlink loop" else 1608
        return None if answers[0] == wanted_rows and answers[3] == 2.0 else f"wrong answers {answers}"
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:200]


FAULT_KINDS = [
    *SERVER_FAULTS,
    "http 500",
    "http 429",
    "http 503",
    "malformed truncated",
    "malformed html",
    "malformed success_false",
    "server down",
    "cache: garbage file",
    "cache: truncated file",
    "cache: zeroed header",
    "cache: malformed row",
    "cache: folder is a file",
    "history: symlink loop",
    "history: tampered metadata",
]


def inject_faults(rounds: int, root: Path) -> dict:
    results: dict[str, dict] = {}
    with CatalogServer(max_age=300) as server:
        expected = snapshot_payload()["data"]
        expected = [r["model_id"] for r in expected]
        for name in FAULT_KINDS:
            survived, failures = 0, []
            for attempt in range(rounds):
                place = root / "faults" / f"{name.replace(' ', '_').replace(':', '')}-{attempt}"
                place.mkdir(parents=True)
                if name.startswith(("cache: folder", "history:")):
                    failure = _file_fault(name, place, server, expected)
                else:
                    failure = _fault_once(name, server, place / "cache", expected)
                close_sessions()
                if failure is None:
                    survived += 1
                else:
                    failures.append(failure)
            results[name] = {"injected": rounds, "survived": survived, "failures": failures[:2]}
    return results


# --- racing processes -------------------------------------------------------------------------------------

CHILD = """
import json, sys, warnings, hashlib
import aihubmix_frame as ahf
base_url, cache_dir, history, loads, secret, expected = sys.argv[1:7]
errors, wrong = [], 0
for i in range(int(loads)):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = ahf.load_catalog(base_url=base_url, cache_dir=cache_dir, api_key=secret,
                                     refresh=(i % 3 == 1), history=history)
        digest = hashlib.sha256("\\n".join(frame["model_id"].tolist()).encode()).hexdigest()
        wrong += digest != expected or len(frame) != 804
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}"[:200])
print(json.dumps({"errors": errors, "wrong": wrong}))
"""


def race_processes(processes: int, loads: int, root: Path) -> dict:
    import hashlib

    expected = hashlib.sha256("\n".join(r["model_id"] for r in snapshot_payload()["data"]).encode()).hexdigest()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    with CatalogServer(max_age=2) as server:
        children = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    CHILD,
                    server.url,
                    str(root / "shared-cache"),
                    str(root / "shared-history"),
                    str(loads),
                    SECRET,
                    expected,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for _ in range(processes)
        ]
        errors, wrong = [], 0
        for child in children:
            out, err = child.communicate(timeout=1800)
            try:
                found = json.loads(out.strip().splitlines()[-1])
            except (ValueError, IndexError):
                errors.append(f"a process died (exit {child.returncode}): {err.strip()[-200:]}")
                continue
            errors.extend(found["errors"])
            wrong += found["wrong"]
    snapshots = len(list((root / "shared-history").glob("*.parquet")))
    return {
        "processes": processes,
        "loads": processes * loads,
        "errors": len(errors),
        "wrong": wrong,
        "snapshots": snapshots,
        "examples": errors[:3],
    }


# --- secrets -------------------------------------------------------------------------------------------------


def secret_forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    forms = [raw, base64.b64encode(raw), base64.b64encode(b"Bearer " + raw), base64.urlsafe_b64encode(raw)]
    # base64 of the key at any alignment inside a longer blob: the three shifted encodings, edges trimmed
    for shift in (1, 2):
        encoded = base64.b64encode(b"\0" * shift + raw)
        forms.append(encoded[4:-4])
    return forms


def _kind(name: str) -> str:
    if ".broken-" in name:
        return "corrupt caches moved aside"
    for ending, kind in (
        ("-wal", "SQLite -wal"),
        ("-shm", "SQLite -shm"),
        (".sqlite", "SQLite"),
        (".parquet", "Parquet"),
        (".csv", "CSV"),
        (".log", "DEBUG log"),
        (".lock", "history lock"),
    ):
        if name.endswith(ending):
            return kind
    return "other"


def scan_for_secrets(root: Path) -> dict:
    forms = secret_forms(SECRET)
    files, found = 0, []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files += 1
            data = path.read_bytes()
            if any(form in data for form in forms):
                found.append(str(path.relative_to(root)))
    kinds = sorted({_kind(p.name) for p in root.rglob("*") if p.is_file() and not p.is_symlink()})
    return {"files": files, "found": len(found), "where": found[:5], "kinds": kinds}


# --- memory ------------------------------------------------------------------------------------------------------

MEMORY = """
import resource, sys, warnings
import numpy as np, pandas as pd
import aihubmix_frame as ahf
rows = int(sys.argv[1])
catalog = ahf.load_snapshot()
ids = catalog.aihub.filter(type="llm")["model_id"].dropna().unique()[:200]
rng = np.random.default_rng(0)
workload = pd.DataFrame({"model_id": pd.Categorical.from_codes(rng.integers(0, len(ids), rows), ids),
                         "input_tokens": rng.integers(0, 20_000, rows), "output_tokens": rng.integers(0, 4_000, rows)})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    priced = ahf.estimate_cost(catalog, workload)
assert len(priced) == rows
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(before / 1024, peak / 1024, float(priced["total_cost_usd"].sum()))
"""


def pricing_memory(rows: int) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", MEMORY, str(rows)], capture_output=True, text=True, env=env, timeout=1800
    )
    if done.returncode != 0:
        return {"rows": rows, "error": done.stderr.strip()[-300:]}
    before, peak, _ = (float(x) for x in done.stdout.split())
    return {"rows": rows, "peak_mb": round(peak), "before_mb": round(before)}


# --- the campaign -------------------------------------------------------------------------------------------------


def run_campaign(scale: str) -> dict:
    settings = SCALES[scale]
    with tempfile.TemporaryDirectory(prefix="aihubmix-reliability-") as folder:
        root = Path(folder)
        log = logging.getLogger()
        handler = logging.FileHandler(root / "campaign.log")
        previous_level = log.level
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
        try:
            figures = {"scale": scale, "fuzz": fuzz_payloads(settings["fuzz"])}
            figures["faults"] = inject_faults(settings["fault_rounds"], root)
            figures["processes"] = race_processes(settings["processes"], settings["loads"], root)
            with CatalogServer() as server:  # the key's way into Parquet and history, if it had one
                frame = _quiet_load(base_url=server.url, cache_dir=root / "export-cache")
                frame.aihub.to_parquet(root / "export.parquet")
                frame.aihub.to_csv(root / "export.csv")
                ahf.CatalogHistory(root / "export-history").record(frame)
            close_sessions()
            figures["sec"] = reliability_sec.measure(root / "sec", settings["fault_rounds"])
            close_sessions()
        finally:
            log.removeHandler(handler)
            handler.close()
            log.setLevel(previous_level)
        figures["secrets"] = scan_for_secrets(root)
        reliability_sec.add_scan(figures["sec"], root)
    figures["memory"] = pricing_memory(settings["rows"])
    return figures


def failures(figures: dict) -> list[str]:
    problems = []
    if figures["fuzz"]["errors"]:
        problems.append(f"fuzz: {figures['fuzz']['examples']}")
    for name, found in figures["faults"].items():
        if found["survived"] != found["injected"]:
            problems.append(f"fault {name}: {found['failures']}")
    if figures["processes"]["errors"] or figures["processes"]["wrong"] or figures["processes"]["snapshots"] != 1:
        problems.append(f"processes: {figures['processes']}")
    if figures["secrets"]["found"]:
        problems.append(f"secrets in {figures['secrets']['where']}")
    if "error" in figures["memory"]:
        problems.append(f"memory: {figures['memory']['error']}")
    problems.extend(reliability_sec.problems(figures["sec"]))
    return problems


def table(figures: dict) -> str:
    fuzz, procs, secrets, memory = (
        figures["fuzz"],
        figures["processes"],
        figures["secrets"],
        figures["memory"],
    )
    faults = figures["faults"]
    injected = sum(f["injected"] for f in faults.values())
    survived = sum(f["survived"] for f in faults.values())
    lines = [
        "| figure | value | what was checked |",
        "|---|---:|---|",
        f"| payloads fuzzed | {fuzz['payloads']:,} | damaged real records and envelopes through the verdict "
        f"and `catalog_to_frame`: {fuzz['frame']:,} frames, {fuzz['library error']:,} library errors, "
        f"**{fuzz['errors']} raw errors** |",
        f"| faults survived | {survived} / {injected} | {len(faults)} kinds (below): the right 804 models "
        "came back (network or the good cached copy), no raw exception |",
        f"| processes x loads | {procs['processes']} x {procs['loads'] // procs['processes']} = "
        f"{procs['loads']:,} | concurrent `load_catalog(history=)` sharing one cache and one history: "
        f"**{procs['errors']} errors, {procs['wrong']} wrong frames**, {procs['snapshots']} snapshot recorded |",
        f"| secrets found | {secrets['found']} | the key (raw, base64, base64 of `Bearer key`, shifted base64) "
        f"in {secrets['files']} files the package wrote ({', '.join(secrets['kinds'])}) |",
    ]
    if "error" in memory:
        lines.append(f"| peak memory per 10M priced rows | failed | {memory['error']} |")
    else:
        per = "10M" if memory["rows"] == 10_000_000 else f"{memory['rows']:,}"
        lines.append(
            f"| peak memory per {per} priced rows | {memory['peak_mb']:,} MB | peak RSS of a fresh process "
            f"running `estimate_cost` on {memory['rows']:,} requests over 200 models (import and the "
            f"workload itself: {memory['before_mb']:,} MB) |"
        )
    lines += reliability_sec.rows(figures["sec"])
    lines += ["", "| fault kind | injected | survived |", "|---|---:|---:|"]
    lines += [f"| `{name}` | {f['injected']} | {f['survived']} |" for name, f in faults.items()]
    return "\n".join(lines)


def write_into_doc(text: str, command: str) -> None:
    document = DOC.read_text(encoding="utf-8")
    if START not in document or END not in document:
        raise SystemExit(f"{DOC} has no {START} ... {END} markers")
    head, rest = document.split(START, 1)
    _, tail = rest.split(END, 1)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = f"{START}\nMeasured {stamp} with `{command}` (Python {sys.version.split()[0]}, {os.cpu_count()} cores).\n\n{text}\n{END}"
    DOC.write_text(head + body + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reliability", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--write", action="store_true", help=f"write the table into {DOC.relative_to(ROOT)}")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of the table")
    args = parser.parse_args(argv)
    started = time.monotonic()
    figures = run_campaign(args.scale)
    figures["problems"] = failures(figures)
    if args.json:
        print(json.dumps(figures, indent=1, default=str))
    else:
        print(table(figures))
        for problem in figures["problems"]:
            print(f"PROBLEM: {problem}", file=sys.stderr)
        print(f"({time.monotonic() - started:.0f} s)", file=sys.stderr)
    if args.write:
        write_into_doc(table(figures), f"python -m benchmarks.reliability --scale {args.scale} --write")
    return 1 if figures["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
