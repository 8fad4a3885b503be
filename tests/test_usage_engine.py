"""The line engine of read_usage: bad lines (on_bad_lines), hostile numbers, lines longer than a block.

Records are OpenAI Chat Completions responses as the API reference shows them. Every refusal must be
a plain ValueError naming the line (file), record (iterable) or row (frame): never a raw ArrowInvalid,
OverflowError or UnicodeDecodeError, never a message hundreds of digits long.
"""

from __future__ import annotations

import bz2
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import BadLinesWarning
from aihubmix_frame.usage import lines as line_engine
from aihubmix_frame.usage import source

ROOT = Path(__file__).resolve().parents[1]


def chat(i: int, prompt: int = 1200, completion: int = 80, model: str = "gpt-4o") -> dict:
    """One Chat Completions response (https://platform.openai.com/docs/api-reference/chat/object)."""
    return {
        "id": f"chatcmpl-{i}",
        "object": "chat.completion",
        "created": 1751360400 + i,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": f"Answer {i}.", "refusal": None, "annotations": []},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        },
        "service_tier": "default",
        "system_fingerprint": "fp_fc9f1d7035",
    }


OPENERS = {"jsonl": open, "jsonl.gz": gzip.open, "jsonl.bz2": bz2.open}


def write(path: Path, lines: list[str | bytes]) -> Path:
    data = b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines)
    with OPENERS[path.name.split(".", 1)[1]](path, "wb") as handle:
        handle.write(data)
    return path


def refused(call, match: str) -> str:
    """The message of the plain ValueError ``call`` raises (not a pyarrow error, which is a ValueError too)."""
    with pytest.raises(ValueError, match=match) as caught:
        call()
    assert not isinstance(caught.value, pa.ArrowException), repr(caught.value)
    assert len(str(caught.value)) < 600, str(caught.value)
    return str(caught.value)


GOOD = [json.dumps(chat(i)) for i in range(4)]


# --- on_bad_lines -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", list(OPENERS))
def test_truncated_last_line_in_each_mode(tmp_path, suffix):
    crashed = [*GOOD, json.dumps(chat(4))[:57]]  # a write cut short by a crash
    path = write(tmp_path / f"log.{suffix}", crashed)
    clean = ahf.read_usage(write(tmp_path / f"clean.{suffix}", GOOD))

    refused(lambda: ahf.read_usage(path), rf"log\.{re.escape(suffix)}: line 5 is not valid JSON .*\(1 bad line\)")
    with pytest.warns(BadLinesWarning, match=r"log\.\S+: 1 bad line skipped \(line 5 is not valid JSON"):
        warned = ahf.read_usage(path, on_bad_lines="warn")
    skipped = ahf.read_usage(path, on_bad_lines="skip")  # silent: AihubmixWarnings are errors here
    for frame in (warned, skipped):
        assert frame.attrs["aihubmix"]["usage"]["bad_lines"] == [5]
        pd.testing.assert_frame_equal(frame, clean.set_axis(frame.index), check_like=False)
    assert clean.attrs["aihubmix"]["usage"]["bad_lines"] == []


def test_bad_lines_mid_file_are_all_counted_and_rows_keep_their_line_numbers(tmp_path):
    lines = [
        GOOD[0],
        "",
        "{not json",
        GOOD[1],
        "[1, 2, 3]",
        b'{"model": "gpt-\xff\xfe", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}',  # not UTF-8
        "   ",
        "42",
        json.dumps(chat(9, prompt=-3)),
        GOOD[2],
    ]
    path = write(tmp_path / "log.jsonl", lines)
    message = refused(lambda: ahf.read_usage(path), r"log\.jsonl: line 3 is not valid JSON")
    assert "line 5 is a JSON list, not an object" in message
    assert "line 6 is not valid UTF-8" in message and "and 1 more (4 bad lines)" in message

    # a bad value is not a bad line: the negative count still refuses, named by its line
    refused(
        lambda: ahf.read_usage(path, on_bad_lines="skip"),
        r"log\.jsonl line 9: 'usage\.prompt_tokens' is negative",
    )
    del lines[8]
    path = write(tmp_path / "log.jsonl", lines)
    with pytest.warns(BadLinesWarning, match=r"4 bad lines skipped .*the other 3 were read"):
        usage = ahf.read_usage(path, on_bad_lines="warn")
    assert usage["id"].tolist() == ["chatcmpl-0", "chatcmpl-1", "chatcmpl-2"]
    assert usage.attrs["aihubmix"]["usage"]["bad_lines"] == [3, 5, 6, 8]


def test_more_bad_lines_than_shown_are_counted(tmp_path):
    path = write(tmp_path / "log.jsonl", [GOOD[0]] + ["{"] * 12)
    message = refused(lambda: ahf.read_usage(path), r"line 2 is not valid JSON")
    assert "and 9 more (12 bad lines)" in message
    usage = ahf.read_usage(path, on_bad_lines="skip")
    assert len(usage) == 1 and usage.attrs["aihubmix"]["usage"]["bad_lines"] == list(range(2, 14))


def test_iterables_of_dicts_and_json_texts(tmp_path):
    records = [chat(0), GOOD[1], json.dumps(chat(2))[:40], 7, ["a"], chat(5)]
    message = refused(lambda: ahf.read_usage(records), r"the records: record 2 \(0-based\) is not valid JSON")
    assert "record 3 (0-based) is of type int" in message and "record 4 (0-based) is of type list" in message
    with pytest.warns(BadLinesWarning, match=r"the records: 3 bad records skipped"):
        usage = ahf.read_usage(iter(records), on_bad_lines="warn")
    assert usage["id"].tolist() == ["chatcmpl-0", "chatcmpl-1", "chatcmpl-5"]
    assert usage.attrs["aihubmix"]["usage"]["bad_lines"] == [2, 3, 4]
    # a bad count after skipped records is named by its own record number
    records[5] = chat(5, completion=-1)
    refused(lambda: ahf.read_usage(records, on_bad_lines="skip"), r"record 5 \(0-based\): 'usage\.completion_tokens'")
    # text without UTF-8 (a lone surrogate) is a bad record
    surrogate = [chat(0), chat(1, model="gpt-\ud800")]
    refused(lambda: ahf.read_usage(surrogate), r"record 1 \(0-based\) holds text that is not valid Unicode")
    assert ahf.read_usage(surrogate, on_bad_lines="skip").attrs["aihubmix"]["usage"]["bad_lines"] == [1]


def test_on_bad_lines_is_checked():
    refused(lambda: ahf.read_usage([chat(0)], on_bad_lines="ignore"), "on_bad_lines must be one of 'error', 'warn'")


# --- hostile numbers ------------------------------------------------------------------------------------------

HOSTILE = {
    "2**63": (2**63, r"beyond 2\*\*53 tokens|beyond int64"),
    "2**64+1": (2**64 + 1, r"beyond 2\*\*53 tokens|beyond int64"),
    "1e300": (1e300, r"beyond 2\*\*53 tokens"),
    "-2**63-5": (-(2**63) - 5, r"is negative|beyond int64"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_counts_name_the_line_record_and_row(tmp_path, name):
    value, match = HOSTILE[name]
    records = [chat(0), chat(1), chat(2, prompt=value)]
    path = write(tmp_path / "log.jsonl", [json.dumps(r) for r in records])
    refused(lambda: ahf.read_usage(path), rf"log\.jsonl line 3:.*({match})")
    refused(lambda: ahf.read_usage(records), rf"record 2 \(0-based\).*({match})")
    frame = pd.DataFrame(
        {"model": ["gpt-4o"] * 3, "prompt_tokens": [10, 20, value], "completion_tokens": [1, 1, 1]},
        index=["a", "b", "c"],
    )
    refused(lambda: ahf.read_usage(frame), rf"row \['c'\] \(index labels\).*({match})")


def test_numbers_beyond_float64_name_the_line_in_a_short_message(tmp_path):
    huge = "1" + "0" * 400
    lines = [GOOD[0], GOOD[1].replace('"prompt_tokens": 1200', f'"prompt_tokens": {huge}.5')]
    message = refused(lambda: ahf.read_usage(write(tmp_path / "log.jsonl", lines)), r"log\.jsonl:? line 2")
    assert huge not in message
    lines[1] = GOOD[1].replace('"prompt_tokens": 1200', '"prompt_tokens": 1e400')
    refused(lambda: ahf.read_usage(write(tmp_path / "log.jsonl", lines)), r"line 2 \(1e400\): a number beyond")


def test_uint64_parquet_column_at_its_maximum_names_the_row(tmp_path):
    table = pa.table(
        {
            "model": ["gpt-4o", "gpt-4o"],
            "prompt_tokens": pa.array([12, np.iinfo(np.uint64).max], pa.uint64()),
            "completion_tokens": pa.array([3, 4], pa.uint64()),
        }
    )
    pq.write_table(table, tmp_path / "usage.parquet")
    frame = pd.read_parquet(tmp_path / "usage.parquet")
    refused(lambda: ahf.read_usage(frame), r"row \[1\] \(index labels\): 'prompt_tokens' is beyond 2\*\*53")
    assert ahf.read_usage(frame.iloc[:1])["input_tokens"].tolist() == [12]


def test_fractional_counts_same_rule_in_read_usage_and_estimate_cost(tmp_path):
    catalog = ahf.load_snapshot()
    records = [chat(0, prompt=12.0), chat(1, prompt=12.5)]
    refused(lambda: ahf.read_usage(records), r"record 1 \(0-based\): 'usage\.prompt_tokens' is not a whole number")
    path = write(tmp_path / "log.jsonl", [json.dumps(r) for r in records])
    refused(lambda: ahf.read_usage(path), r"log\.jsonl line 2: 'usage\.prompt_tokens' is not a whole number")
    workload = pd.DataFrame(
        {"model_id": ["gpt-4o", "gpt-4o"], "input_tokens": [12.0, 12.5], "output_tokens": [80, 80]}, index=[7, 8]
    )
    refused(lambda: ahf.estimate_cost(catalog, workload), r"'input_tokens' holds fractional counts in rows \[8\]")
    # 12.0 is 12 in both
    whole = ahf.read_usage(records[:1])
    assert whole["input_tokens"].tolist() == [12]
    by_float = ahf.estimate_cost(catalog, workload.iloc[:1])["total_cost_usd"].iloc[0]
    by_int = ahf.estimate_cost(catalog, workload.iloc[:1].astype({"input_tokens": int}))["total_cost_usd"].iloc[0]
    assert by_float == by_int


def test_invalid_utf8_model_is_a_bad_line_never_a_raw_decode_error(tmp_path):
    line = GOOD[1].replace('"gpt-4o"', '"gpt-4o\\u0000"').encode().replace(b"\\u0000", b"\xc3\x28")
    path = write(tmp_path / "log.jsonl", [GOOD[0], line])
    refused(lambda: ahf.read_usage(path), r"log\.jsonl: line 2 is not valid UTF-8")
    usage = ahf.read_usage(path, on_bad_lines="skip")
    assert usage["model_id"].tolist() == ["gpt-4o"] and usage.attrs["aihubmix"]["usage"]["bad_lines"] == [2]
    priced = ahf.estimate_cost(ahf.load_snapshot(), usage)
    assert priced["total_cost_usd"].notna().all()


# --- lines longer than a block ----------------------------------------------------------------------------------


def test_a_line_longer_than_the_block_is_read(tmp_path):
    long = chat(1)
    long["choices"][0]["message"]["content"] = "x" * (40 << 20)  # a line straddling two of pyarrow's 16 MiB blocks
    path = write(tmp_path / "log.jsonl.gz", [GOOD[0], json.dumps(long), GOOD[2]])
    usage = ahf.read_usage(path)
    assert usage["id"].tolist() == ["chatcmpl-0", "chatcmpl-1", "chatcmpl-2"]
    assert len(usage["choices"].iloc[1][0]["message"]["content"]) == 40 << 20


def test_a_line_over_the_limit_is_refused_by_number_or_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(line_engine, "MAX_LINE_BYTES", 4096)
    monkeypatch.setattr(source, "_BLOCK_SIZE", 2048)  # the fast reader refuses the line too
    long = chat(1)
    long["choices"][0]["message"]["content"] = "x" * 10_000
    path = write(tmp_path / "log.jsonl", [GOOD[0], json.dumps(long), GOOD[2], ""])
    refused(
        lambda: ahf.read_usage(path), r"log\.jsonl: line 2 is longer than the limit of 4,096 bytes \(10,\d+ bytes\)"
    )
    usage = ahf.read_usage(path, on_bad_lines="skip")
    assert usage["id"].tolist() == ["chatcmpl-0", "chatcmpl-2"]
    assert usage.attrs["aihubmix"]["usage"]["bad_lines"] == [2]
    # the first non-blank line: the look at the start of the file (export pages? OTLP?) is bounded too
    path = write(tmp_path / "first.jsonl", ["", json.dumps(long), GOOD[2]])
    refused(lambda: ahf.read_usage(path), r"first\.jsonl: line 2 is longer than the limit")
    assert ahf.read_usage(path, on_bad_lines="skip")["id"].tolist() == ["chatcmpl-2"]


MEMORY = """
import json, sys
import aihubmix_frame as ahf
path, mib = sys.argv[1], int(sys.argv[2])
head = '{"model": "gpt-4o", "usage": {"prompt_tokens": 2, "completion_tokens": 1}, "choices": [{"message": {"content": "'
with open(path, "w") as f:
    f.write(json.dumps({"model": "gpt-4o", "usage": {"prompt_tokens": 1, "completion_tokens": 1}}) + "\\n" + head)
    for _ in range(mib):
        f.write("x" * (1 << 20))
    f.write('"}}]}\\n')
hwm = lambda: int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
before = hwm()
usage = ahf.read_usage(path)
assert usage["input_tokens"].tolist() == [1, 2]
print((hwm() - before) / 1024)
"""


@pytest.mark.slow
def test_peak_memory_of_a_64_mib_line_is_a_small_multiple_of_it(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", MEMORY, str(tmp_path / "long.jsonl"), "64"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    peak_mib = float(done.stdout.split()[-1])
    assert peak_mib < 10 * 64, peak_mib


def test_reliability_script_hostile_cases_give_no_raw_error(tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks.reliability_logs import hostile_cases

    found = hostile_cases(tmp_path)
    assert found["raw"] == {} and found["refused"] > 30, found


# --- nothing after a sample is lost or cast (what a sampling engine such as DuckDB's read_json does) -------


def test_after_line_20480_a_new_key_is_kept_and_a_changed_value_refused(tmp_path):
    """DuckDB's default read_json infers its columns from 20,480 lines, then drops later top-level keys and
    casts later values (10.5 -> 10, "12" -> 12, true -> 1; duckdb#25786): read_usage must never do either."""
    # system_fingerprint is optional in the Chat Completions object: the early lines go without it.
    early = [
        json.dumps({k: v for k, v in chat(i, prompt=100).items() if k != "system_fingerprint"}) for i in range(30_000)
    ]
    late = chat(30_000, prompt=200)  # the top-level key system_fingerprint no earlier line has
    late["usage"]["prompt_tokens_details"]["cached_tokens"] = 64
    late["usage"]["completion_tokens_details"]["accepted_prediction_tokens"] = 7  # a nested key, new too
    frame = ahf.read_usage(write(tmp_path / "late.jsonl", [*early, json.dumps(late)]))
    assert len(frame) == 30_001
    last = frame.iloc[-1]
    assert (last["input_tokens"], last["cache_read_tokens"]) == (200, 64)
    assert last["system_fingerprint"] == "fp_fc9f1d7035"
    assert last["usage.completion_tokens_details.accepted_prediction_tokens"] == 7
    assert frame["system_fingerprint"].iloc[:-1].isna().all()
    assert frame["usage.completion_tokens_details.accepted_prediction_tokens"].iloc[:-1].isna().all()

    for name, value, match in [
        ("fraction", 10.5, r"line 30001: 'usage\.prompt_tokens' is not a whole number"),
        ("string", "12", r"line 30001 \('usage\.prompt_tokens' is a string, a number on earlier lines\)"),
        ("boolean", True, r"line 30001 \('usage\.prompt_tokens' is a boolean, a number on earlier lines\)"),
    ]:
        changed = chat(30_000)
        changed["usage"]["prompt_tokens"] = value
        path = write(tmp_path / f"{name}.jsonl", [*early, json.dumps(changed)])
        refused(lambda path=path: ahf.read_usage(path), match)
