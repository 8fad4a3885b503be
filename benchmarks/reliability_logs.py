"""Hostile request logs through ``read_usage``: bad lines, hostile numbers, lines longer than a block.

    python -m benchmarks.reliability_logs                  # --scale small: lines of 16 and 64 MiB
    python -m benchmarks.reliability_logs --scale full     # lines of 64 and 256 MiB, and one of 1 GiB
    python -m benchmarks.reliability_logs --scale full --write   # ... and write the figures into
                                                                 # docs/RELIABILITY.md (its own block)

Every case goes through a JSON Lines file, an iterable of records and (for numbers) a DataFrame; each
must give a frame or a plain ValueError (not a pyarrow error) naming the line, record or row, in under
600 characters. Peak memory of a long line is the max RSS (``VmHWM``) of a fresh process above its
level after the imports. Exits 1 when a case ends in a raw error or a long line is not handled.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402

import aihubmix_frame as ahf  # noqa: E402

DOC = ROOT / "docs" / "RELIABILITY.md"
START, END = "<!-- logs:start -->", "<!-- logs:end -->"
SCALES = {"small": [16, 64], "full": [64, 256, 1024]}

RECORD = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1751360400,
    "model": "gpt-4o",
    "usage": {"prompt_tokens": 1200, "completion_tokens": 80, "total_tokens": 1280},
}


def _with(prompt: object = 1200, model: object = "gpt-4o") -> dict:
    return {**RECORD, "model": model, "usage": {**RECORD["usage"], "prompt_tokens": prompt}}


# A name, the lines of a file (text or bytes), and whether reading it with on_bad_lines="error" must refuse.
FILE_CASES: list[tuple[str, list[str | bytes]]] = [
    ("truncated last line", [json.dumps(RECORD), json.dumps(RECORD)[:50]]),
    ("invalid JSON mid-file", [json.dumps(RECORD), "{nope", json.dumps(RECORD)]),
    ("a JSON list", [json.dumps(RECORD), "[1, 2]"]),
    ("a bare number", [json.dumps(RECORD), "42"]),
    ("NaN literal", [json.dumps(RECORD), json.dumps(RECORD).replace("1200", "NaN")]),
    ("invalid UTF-8 model", [json.dumps(RECORD), json.dumps(RECORD).encode().replace(b"gpt-4o", b"gpt-\xff")]),
    ("count 2**63", [json.dumps(RECORD), json.dumps(_with(2**63))]),
    ("count 2**64", [json.dumps(RECORD), json.dumps(_with(2**64))]),
    ("count 1e300", [json.dumps(RECORD), json.dumps(_with(1e300))]),
    ("count 1e400", [json.dumps(RECORD), json.dumps(RECORD).replace("1200", "1e400")]),
    ("count with 400 digits", [json.dumps(RECORD), json.dumps(RECORD).replace("1200", "9" * 400)]),
    ("negative count", [json.dumps(RECORD), json.dumps(_with(-5))]),
    ("count -2**63-1", [json.dumps(RECORD), json.dumps(_with(-(2**63) - 1))]),
    ("fractional count", [json.dumps(RECORD), json.dumps(_with(12.5))]),
    ("count as text", [json.dumps(RECORD), json.dumps(_with("12"))]),
    ("deep nesting", [json.dumps(RECORD), '{"a": ' * 5000 + "1" + "}" * 5000]),
]
RECORD_CASES: list[tuple[str, list[object]]] = [
    ("count 2**63", [RECORD, _with(2**63)]),
    ("count 2**64", [RECORD, _with(2**64)]),
    ("count 1e300", [RECORD, _with(1e300)]),
    ("count inf", [RECORD, _with(float("inf"))]),
    ("fractional count", [RECORD, _with(12.5)]),
    ("lone surrogate in model", [RECORD, _with(model="gpt-\ud800")]),
    ("JSON text cut short", [RECORD, json.dumps(RECORD)[:30]]),
    ("not a record", [RECORD, 42]),
]
FRAME_CASES: list[tuple[str, pd.DataFrame]] = [
    (
        "uint64 at its maximum",
        pd.DataFrame(
            {
                "model": ["gpt-4o"] * 2,
                "prompt_tokens": np.array([1, np.iinfo(np.uint64).max], dtype=np.uint64),
                "completion_tokens": [1, 1],
            }
        ),
    ),
    (
        "Python int 2**70",
        pd.DataFrame({"model": ["gpt-4o"] * 2, "prompt_tokens": [1, 2**70], "completion_tokens": [1, 1]}),
    ),
    ("float 1e300", pd.DataFrame({"model": ["gpt-4o"] * 2, "prompt_tokens": [1, 1e300], "completion_tokens": [1, 1]})),
    ("fractional", pd.DataFrame({"model": ["gpt-4o"] * 2, "prompt_tokens": [1, 2.5], "completion_tokens": [1, 1]})),
]
_WHERE = re.compile(r"lines? \d|records? \d|rows? \[")


def _outcome(call: object) -> str:
    """``frame``, ``refused`` (a plain, short ValueError naming where) or ``raw: ...``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
    except ValueError as exc:
        text = str(exc)
        if isinstance(exc, pa.ArrowException) or len(text) > 600 or not _WHERE.search(text):
            return f"raw: {type(exc).__name__}: {text[:200]}"
        return "refused"
    except Exception as exc:  # the point is to catch what should not escape
        return f"raw: {type(exc).__name__}: {str(exc)[:200]}"
    return "frame"


def hostile_cases(folder: Path) -> dict:
    outcomes: dict[str, str] = {}
    for name, lines in FILE_CASES:
        path = folder / "case.jsonl"
        path.write_bytes(b"\n".join(x if isinstance(x, bytes) else x.encode() for x in lines) + b"\n")
        outcomes[f"file: {name}"] = _outcome(lambda p=path: ahf.read_usage(p))
        skipped = _outcome(lambda p=path: ahf.read_usage(p, on_bad_lines="skip"))
        outcomes[f"file, skip: {name}"] = skipped
    for name, records in RECORD_CASES:
        outcomes[f"records: {name}"] = _outcome(lambda r=records: ahf.read_usage(r))
    for name, frame in FRAME_CASES:
        outcomes[f"frame: {name}"] = _outcome(lambda f=frame: ahf.read_usage(f))
        workload = pd.DataFrame(
            {"model_id": ["gpt-4o"] * 2, "input_tokens": frame["prompt_tokens"], "output_tokens": [1, 1]}
        )
        outcomes[f"estimate_cost: {name}"] = _outcome(lambda w=workload: ahf.estimate_cost(ahf.load_snapshot(), w))
    raw = {case: outcome for case, outcome in outcomes.items() if outcome.startswith("raw")}
    return {
        "cases": len(outcomes),
        "refused": sum(o == "refused" for o in outcomes.values()),
        "frames": sum(o == "frame" for o in outcomes.values()),
        "raw": raw,
    }


LONG_LINE = """
import json, sys
import aihubmix_frame as ahf
path, mib = sys.argv[1], int(sys.argv[2])
head = '{"model": "gpt-4o", "usage": {"prompt_tokens": 2, "completion_tokens": 1}, "choices": [{"message": {"content": "'
tail = '"}}]}'
with open(path, "w") as f:
    f.write(json.dumps({"model": "gpt-4o", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}) + "\\n" + head)
    size = (mib << 20) - len(head) - len(tail)
    for _ in range(size >> 20):
        f.write("x" * (1 << 20))
    f.write("x" * (size & ((1 << 20) - 1)) + tail + "\\n")
    f.write(json.dumps({"model": "gpt-4o", "usage": {"prompt_tokens": 3, "completion_tokens": 1}}) + "\\n")
hwm = lambda: int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
before = hwm()
try:
    usage = ahf.read_usage(path)
    outcome = "read" if usage["input_tokens"].tolist() == [1, 2, 3] else "wrong"
except ValueError as exc:
    outcome = "refused" if "line 2 is longer than the limit" in str(exc) else "wrong: " + str(exc)[:100]
print(outcome, (hwm() - before) / 1024)
"""


def long_line(mib: int, folder: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    path = folder / f"long-{mib}.jsonl"
    try:
        done = subprocess.run(
            [sys.executable, "-c", LONG_LINE, str(path), str(mib)], capture_output=True, text=True, env=env, timeout=900
        )
    finally:
        path.unlink(missing_ok=True)
    if done.returncode != 0:
        return {"mib": mib, "outcome": "error: " + done.stderr.strip()[-200:]}
    outcome, peak = done.stdout.split()[-2:]
    return {"mib": mib, "outcome": outcome, "peak_mib": round(float(peak))}


def run(scale: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="aihubmix-logs-") as folder:
        figures = {"scale": scale, "hostile": hostile_cases(Path(folder))}
        figures["long_lines"] = [long_line(mib, Path(folder)) for mib in SCALES[scale]]
    return figures


def problems(figures: dict) -> list[str]:
    found = [f"{case}: {outcome}" for case, outcome in figures["hostile"]["raw"].items()]
    found += [f"{line['mib']} MiB line: {line['outcome']}" for line in figures["long_lines"] if "peak_mib" not in line]
    return found


def table(figures: dict) -> str:
    from aihubmix_frame.usage.lines import MAX_LINE_BYTES

    hostile = figures["hostile"]
    lines = [
        "| figure | value | what was checked |",
        "|---|---:|---|",
        f"| hostile log cases | {hostile['cases']} | bad lines, hostile numbers (2**63, 2**64, 1e300, 1e400, 400 digits, "
        f"negative, fractional, text), invalid UTF-8, lone surrogates, deep nesting, through a file (with "
        f"`on_bad_lines` 'error' and 'skip'), records and frames, and `estimate_cost` on the numbers: "
        f"{hostile['refused']} plain ValueErrors naming the line/record/row, {hostile['frames']} frames, "
        f"**{len(hostile['raw'])} raw errors** |",
    ]
    for line in figures["long_lines"]:
        what = (
            f"read (a larger block for that file), peak {line['peak_mib'] / line['mib']:.1f}x the line"
            if line.get("outcome") == "read"
            else f"refused naming line 2 and the {MAX_LINE_BYTES >> 20} MiB limit; memory bounded by the limit"
            if line.get("outcome") == "refused"
            else line.get("outcome", "")
        )
        value = f"{line['peak_mib']:,} MiB" if "peak_mib" in line else "failed"
        lines.append(
            f"| peak memory, one {line['mib']:,} MiB line | {value} | `read_usage` on a 3-line file, max RSS of a "
            f"fresh process above its imports: {what} |"
        )
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
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reliability_logs", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--write", action="store_true", help=f"write the table into {DOC.relative_to(ROOT)}")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of the table")
    args = parser.parse_args(argv)
    figures = run(args.scale)
    figures["problems"] = problems(figures)
    print(json.dumps(figures, indent=1) if args.json else table(figures))
    for problem in figures["problems"]:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    if args.write:
        write_into_doc(table(figures), f"python -m benchmarks.reliability_logs --scale {args.scale} --write")
    return 1 if figures["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
