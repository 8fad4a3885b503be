"""read_usage: provider usage records (full responses as the providers document them) -> workload frame."""

from __future__ import annotations

import copy
import gzip
import json
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame.errors import CacheWriteDurationWarning, PriceWarning
from aihubmix_frame.usage import USAGE_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
TOKENS = ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens"]

# --- full response objects, in the shapes the providers' API references document ------------------

CHAT = {  # OpenAI Chat Completions, a reasoning model with a cached prompt prefix
    "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    "object": "chat.completion",
    "created": 1751360400,
    "model": "o3-mini",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Paris.", "refusal": None, "annotations": []},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 3000,
        "completion_tokens": 1500,
        "total_tokens": 4500,
        "prompt_tokens_details": {"cached_tokens": 2048, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 1024,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    },
    "service_tier": "default",
    "system_fingerprint": "fp_fc9f1d7035",
}
RESPONSES = {  # OpenAI Responses
    "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
    "object": "response",
    "created_at": 1751360460,
    "status": "completed",
    "error": None,
    "incomplete_details": None,
    "model": "gpt-5",
    "output": [
        {
            "type": "message",
            "id": "msg_67ccd2bf17f0",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Hello.", "annotations": []}],
        }
    ],
    "parallel_tool_calls": True,
    "reasoning": {"effort": "medium", "summary": None},
    "usage": {
        "input_tokens": 1200,
        "input_tokens_details": {"cached_tokens": 1024},
        "output_tokens": 900,
        "output_tokens_details": {"reasoning_tokens": 640},
        "total_tokens": 2100,
    },
    "user": None,
    "metadata": {"team": "search"},
}
ANTHROPIC = {  # Anthropic Messages, prompt caching with 5-minute writes
    "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
    "type": "message",
    "role": "assistant",
    "model": "claude-opus-4-6",
    "content": [{"type": "text", "text": "Hi! My name is Claude."}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {
        "input_tokens": 1000,
        "cache_creation_input_tokens": 4000,
        "cache_read_input_tokens": 2000,
        "cache_creation": {"ephemeral_5m_input_tokens": 4000, "ephemeral_1h_input_tokens": 0},
        "output_tokens": 100,
        "server_tool_use": {"web_search_requests": 0},
        "service_tier": "standard",
    },
}
GEMINI = {  # Gemini generateContent with thinking and an explicit cache
    "candidates": [{"content": {"parts": [{"text": "Blue."}], "role": "model"}, "finishReason": "STOP", "index": 0}],
    "usageMetadata": {
        "promptTokenCount": 5000,
        "candidatesTokenCount": 200,
        "totalTokenCount": 6000,
        "cachedContentTokenCount": 4096,
        "thoughtsTokenCount": 800,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 5000}],
    },
    "modelVersion": "gemini-2.5-flash",
    "responseId": "dLcGaOT4LL2qz7IPk6XR8AM",
}
# Hand-computed canonical values: input, output, cache read, cache write, reasoning, input_includes_cache.
EXPECTED = {
    "openai_chat": ("o3-mini", 3000, 1500, 2048, 0, 1024, True),  # reasoning inside the 1,500
    "openai_responses": ("gpt-5", 1200, 900, 1024, 0, 640, True),  # reasoning inside the 900
    "anthropic": ("claude-opus-4-6", 1000, 100, 2000, 4000, pd.NA, False),  # input excludes the cache
    "gemini": ("gemini-2.5-flash", 5000, 1000, 4096, 0, 800, True),  # output = 200 + 800 thoughts
}
MIXED = [CHAT, RESPONSES, ANTHROPIC, GEMINI]


def expected_frame(names) -> pd.DataFrame:
    rows = [EXPECTED[name] for name in names]
    frame = pd.DataFrame(rows, columns=list(USAGE_COLUMNS))
    for column in TOKENS:
        frame[column] = frame[column].astype("Int64")
    frame["model_id"] = frame["model_id"].astype(pd.StringDtype("pyarrow"))
    frame["input_includes_cache"] = frame["input_includes_cache"].astype(bool)
    return frame


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[list(USAGE_COLUMNS)].reset_index(drop=True)


def write_jsonl(path: Path, records, *, opener=open) -> Path:
    with opener(path, "wt", encoding="utf-8") as handle:
        for record in records:
            handle.write((record if isinstance(record, str) else json.dumps(record)) + "\n")
    return path


# --- each flavour, hand-computed ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "record, name",
    [(CHAT, "openai_chat"), (RESPONSES, "openai_responses"), (ANTHROPIC, "anthropic"), (GEMINI, "gemini")],
)
def test_each_flavour_gives_hand_computed_counts(record, name):
    usage = ahf.read_usage([record])
    pd.testing.assert_frame_equal(canonical(usage), expected_frame([name]))
    assert usage.attrs["aihubmix"]["usage"]["flavors"] == {name: 1}
    # The same record read with its flavour forced gives the same numbers.
    pd.testing.assert_frame_equal(canonical(ahf.read_usage([record], flavor=name)), expected_frame([name]))


def test_anthropic_row_with_cache_read_and_both_write_durations(recwarn):
    """One row with cached, 5-minute and 1-hour written tokens: the writes add up to cache_write_tokens."""
    record = copy.deepcopy(ANTHROPIC)
    record["usage"].update(
        cache_creation_input_tokens=3000,
        cache_read_input_tokens=2500,
        cache_creation={"ephemeral_5m_input_tokens": 1000, "ephemeral_1h_input_tokens": 2000},
    )
    with pytest.warns(CacheWriteDurationWarning, match=r"1 Anthropic requests wrote 2,000 tokens to the 1-hour"):
        usage = ahf.read_usage([record])
    row = usage.iloc[0]
    assert (
        row["input_tokens"],
        row["cache_read_tokens"],
        row["cache_write_tokens"],
        row["output_tokens"],
    ) == (1000, 2500, 3000, 100)
    assert row["reasoning_tokens"] is pd.NA  # thinking is inside output_tokens; Anthropic does not split it
    # The split is not lost: it stays beside the canonical columns.
    assert row["usage.cache_creation.ephemeral_1h_input_tokens"] == 2000
    # Without cache_creation_input_tokens, the two durations are summed.
    del record["usage"]["cache_creation_input_tokens"]
    with pytest.warns(CacheWriteDurationWarning):
        assert ahf.read_usage([record])["cache_write_tokens"].tolist() == [3000]


def test_one_hour_writes_warn_once_for_the_whole_log():
    records = []
    for _i in range(5):
        record = copy.deepcopy(ANTHROPIC)
        record["usage"]["cache_creation"] = {
            "ephemeral_5m_input_tokens": 0,
            "ephemeral_1h_input_tokens": 4000,
        }
        records.append(record)
    with pytest.warns(CacheWriteDurationWarning) as caught:
        ahf.read_usage([*records, CHAT])
    assert len(caught) == 1 and issubclass(caught[0].category, PriceWarning)
    assert "5 Anthropic requests wrote 20,000 tokens" in str(caught[0].message)
    assert "one cache_write price" in str(caught[0].message)


def test_gemini_zero_counts_omitted_by_the_api_are_zero():
    record = copy.deepcopy(GEMINI)
    record["usageMetadata"] = {"promptTokenCount": 12, "totalTokenCount": 12}  # proto3 JSON drops zeros
    usage = ahf.read_usage([record])
    assert usage[TOKENS].iloc[0].tolist() == [12, 0, 0, 0, 0]


# --- one log in four forms ------------------------------------------------------------------------------


def flat_record(record: dict) -> dict:
    """A flat export row: the usage keys by their own short names, beside the model and id."""
    usage = record.get("usage") or record.get("usageMetadata")
    row = {
        "id": record.get("id", record.get("responseId")),
        "model": record.get("model", record.get("modelVersion")),
    }
    for key, value in usage.items():
        if isinstance(value, dict):
            row.update(value)  # prompt_tokens_details.cached_tokens -> cached_tokens, cache_creation.* -> ephemeral_*
        elif not isinstance(value, list):
            row[key] = value
    return row


def test_nested_iterable_frame_and_flat_csv_give_identical_frames(tmp_path):
    want = expected_frame(["openai_chat", "openai_responses", "anthropic", "gemini"])
    nested = ahf.read_usage(write_jsonl(tmp_path / "log.jsonl", MIXED))
    from_dicts = ahf.read_usage(iter(copy.deepcopy(MIXED)))
    usage_column = ahf.read_usage(
        pd.DataFrame(
            {
                "id": ["a", "b", "c", "d"],
                "model": [r.get("model", r.get("modelVersion")) for r in MIXED],
                "usage": [r.get("usage", r.get("usageMetadata")) for r in MIXED],
            }
        )
    )
    pd.DataFrame([flat_record(r) for r in MIXED]).to_csv(tmp_path / "log.csv", index=False)
    flat_csv = pd.read_csv(tmp_path / "log.csv")  # NaN where a flavour lacks a column: float64 counts
    assert "prompt_tokens" in flat_csv and "cached_tokens" in flat_csv and flat_csv["prompt_tokens"].dtype == float
    flat = ahf.read_usage(flat_csv)
    normalized = ahf.read_usage(pd.json_normalize(copy.deepcopy(MIXED)))  # usage.prompt_tokens, ...
    for frame in (nested, from_dicts, usage_column, flat, normalized):
        pd.testing.assert_frame_equal(canonical(frame), want)
        assert frame.attrs["aihubmix"]["usage"]["flavors"] == {
            "openai_chat": 1,
            "openai_responses": 1,
            "anthropic": 1,
            "gemini": 1,
        }


def test_flat_frame_keeps_its_index_and_other_columns_untouched():
    frame = pd.DataFrame(
        {
            "user": pd.Categorical(["ann", "bob"]),
            "prompt_tokens": [10, 20],
            "completion_tokens": [1, 2],
            "cached_tokens": [0, 16],
            "model": ["gpt-4o", "gpt-5"],
        },
        index=pd.Index([101, 102], name="request"),
    )
    usage = ahf.read_usage(frame)
    assert usage.index.equals(frame.index)
    assert usage["user"].dtype == "category" and usage["user"].tolist() == ["ann", "bob"]
    assert usage["cache_read_tokens"].tolist() == [0, 16]
    assert not {"prompt_tokens", "completion_tokens", "cached_tokens", "model"} & set(usage.columns)
    assert frame.columns.tolist() == ["user", "prompt_tokens", "completion_tokens", "cached_tokens", "model"]
    doubled = pd.concat([frame, frame])  # duplicate index labels are kept as they are
    assert ahf.read_usage(doubled).index.tolist() == [101, 102, 101, 102]


# --- auto detection and refusals ------------------------------------------------------------------------


def test_auto_detection_decides_per_row(tmp_path):
    log = [GEMINI, CHAT, ANTHROPIC, CHAT, RESPONSES, ANTHROPIC]
    usage = ahf.read_usage(write_jsonl(tmp_path / "mixed.jsonl", log))
    names = ["gemini", "openai_chat", "anthropic", "openai_chat", "openai_responses", "anthropic"]
    pd.testing.assert_frame_equal(canonical(usage), expected_frame(names))
    assert usage["input_includes_cache"].tolist() == [True, True, False, True, True, False]
    note = usage.attrs["aihubmix"]["usage"]
    assert note["flavors"] == {"openai_chat": 2, "openai_responses": 1, "anthropic": 2, "gemini": 1}
    assert note["input_includes_cache"]["anthropic"] is False
    json.dumps(usage.attrs)  # provenance stays JSON-serialisable


def test_bare_usage_records_and_model_none(tmp_path):
    path = write_jsonl(tmp_path / "bare.jsonl", [CHAT["usage"], ANTHROPIC["usage"]])
    with pytest.raises(ValueError, match=r"no 'model' column or key.*model=None"):
        ahf.read_usage(path)
    usage = ahf.read_usage(path, model=None)
    assert usage["model_id"].isna().all()
    assert usage["input_tokens"].tolist() == [3000, 1000]
    assert usage["cache_write_tokens"].tolist() == [0, 4000]


def test_rows_that_fit_no_flavour_are_refused_by_line(tmp_path):
    error = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
    path = write_jsonl(tmp_path / "log.jsonl", [CHAT, "", CHAT, error, RESPONSES, error])
    with pytest.raises(ValueError, match=r"log\.jsonl lines 4, 6: no known usage flavour"):
        ahf.read_usage(path)
    with pytest.raises(ValueError, match=r"record 2 \(0-based\): no known usage flavour"):
        ahf.read_usage([CHAT, RESPONSES, error])


def test_rows_that_fit_several_flavours_are_refused():
    hybrid = {
        "model": "claude-opus-4-6",
        "usage": {"prompt_tokens": 10, "completion_tokens": 2, "cache_creation_input_tokens": 4},
    }
    with pytest.raises(ValueError, match=r"record 0 \(0-based\): the keys fit several usage flavours.*flavor="):
        ahf.read_usage([hybrid])
    forced = ahf.read_usage([hybrid], flavor="openai_chat")
    assert forced["input_tokens"].tolist() == [10]
    assert forced["usage.cache_creation_input_tokens"].tolist() == [4]  # not read, so not dropped


def test_forced_flavour_with_a_missing_required_count_names_the_row():
    with pytest.raises(ValueError, match=r"records 0, 1 \(0-based\): Anthropic Messages usage without 'input_tokens'"):
        ahf.read_usage([CHAT, GEMINI], flavor="anthropic")
    partial = copy.deepcopy(CHAT)
    del partial["usage"]["completion_tokens"]
    with pytest.raises(
        ValueError,
        match=r"record 1 \(0-based\): OpenAI Chat Completions usage without "
        r"'completion_tokens'",
    ):
        ahf.read_usage([CHAT, partial])
    with pytest.raises(ValueError, match="unknown flavor 'openai'"):
        ahf.read_usage([CHAT], flavor="openai")


@pytest.mark.parametrize(
    "value, message",
    [
        (-5, "'usage.prompt_tokens_details.cached_tokens' is negative"),
        (1.5, "'usage.prompt_tokens_details.cached_tokens' is not a whole number"),
    ],
)
def test_bad_counts_are_refused_naming_rows(value, message):
    bad = copy.deepcopy(CHAT)
    bad["usage"]["prompt_tokens_details"]["cached_tokens"] = value
    with pytest.raises(ValueError, match=r"record 2 \(0-based\): " + re.escape(message)):
        ahf.read_usage([CHAT, CHAT, bad])


def test_text_or_boolean_counts_are_refused():
    frame = pd.DataFrame({"model": ["gpt-4o"], "prompt_tokens": ["12"], "completion_tokens": [1]})
    with pytest.raises(ValueError, match="column 'prompt_tokens' holds text, not token counts"):
        ahf.read_usage(frame)
    with pytest.raises(ValueError, match="column 'completion_tokens' holds booleans"):
        ahf.read_usage(frame.assign(prompt_tokens=[12], completion_tokens=[True]))


def test_float_counts_that_are_whole_numbers_are_accepted():
    frame = pd.DataFrame({"model": ["gpt-4o"], "prompt_tokens": [100.0], "completion_tokens": [7.0]})
    assert ahf.read_usage(frame)[["input_tokens", "output_tokens"]].iloc[0].tolist() == [100, 7]


def test_already_canonical_columns_are_refused():
    frame = pd.DataFrame(
        {"model": ["gpt-4o"], "prompt_tokens": [1], "completion_tokens": [1], "cache_read_tokens": [0]}
    )
    with pytest.raises(ValueError, match=r"already has column\(s\) \['cache_read_tokens'\]"):
        ahf.read_usage(frame)


# --- JSON Lines files -----------------------------------------------------------------------------------


def test_malformed_line_is_named_by_its_number(tmp_path):
    lines = [
        json.dumps(CHAT),
        "",
        json.dumps(RESPONSES),
        '{"id": "chatcmpl-x", "usage": {"prompt_tokens": 3,}',
    ]
    path = write_jsonl(tmp_path / "broken.jsonl", lines)
    with pytest.raises(ValueError, match=r"broken\.jsonl: line 4 is not valid JSON"):
        ahf.read_usage(path)
    path = write_jsonl(tmp_path / "array.jsonl", [json.dumps(CHAT), "[1, 2]"])
    with pytest.raises(ValueError, match=r"line 2 is a JSON list, not an object"):
        ahf.read_usage(path)


def test_gzip_file_and_blank_lines(tmp_path):
    path = write_jsonl(tmp_path / "log.jsonl.gz", [CHAT, "", RESPONSES, "   ", ANTHROPIC], opener=gzip.open)
    usage = ahf.read_usage(path)
    pd.testing.assert_frame_equal(canonical(usage), expected_frame(["openai_chat", "openai_responses", "anthropic"]))
    bad = copy.deepcopy(ANTHROPIC)
    bad["usage"]["output_tokens"] = -1
    path = write_jsonl(tmp_path / "bad.jsonl.gz", [CHAT, "", bad], opener=gzip.open)
    with pytest.raises(ValueError, match=r"bad\.jsonl\.gz line 3: 'usage\.output_tokens' is negative"):
        ahf.read_usage(path)


def test_empty_file_and_missing_file(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    usage = ahf.read_usage(tmp_path / "empty.jsonl")
    assert usage.columns.tolist() == list(USAGE_COLUMNS) and len(usage) == 0
    with pytest.raises(FileNotFoundError, match="no log file"):
        ahf.read_usage(tmp_path / "nope.jsonl")
    with pytest.raises(TypeError, match="iterable of dicts"):
        ahf.read_usage(CHAT)


def test_other_columns_are_kept_with_nullable_and_arrow_types(tmp_path):
    tagged = copy.deepcopy(CHAT)
    tagged["user"] = "user-42"
    tagged["metadata"] = {"team": "search", "experiment": "b"}
    usage = ahf.read_usage(write_jsonl(tmp_path / "log.jsonl", [tagged, RESPONSES]), timestamp="created")
    assert usage.columns[: len(USAGE_COLUMNS)].tolist() == list(USAGE_COLUMNS)
    for column in (
        "id",
        "object",
        "choices",
        "service_tier",
        "system_fingerprint",
        "user",
        "metadata",
        "created_at",
        "output",
        "usage.total_tokens",
        "usage.prompt_tokens_details.audio_tokens",
    ):
        assert column in usage.columns, column
    assert "usage" not in usage and "usage.prompt_tokens" not in usage and "model" not in usage
    assert usage["id"].tolist() == [CHAT["id"], RESPONSES["id"]]
    assert usage["user"].iloc[0] == "user-42" and usage["user"].isna().tolist() == [False, True]
    assert usage["usage.total_tokens"].dtype == "Int64" and usage["usage.total_tokens"].tolist() == [
        4500,
        2100,
    ]
    assert isinstance(usage["choices"].dtype, pd.ArrowDtype)
    assert usage["choices"].iloc[0][0]["message"]["content"] == "Paris."
    assert usage["metadata"].struct.field("team").tolist() == ["search", "search"]
    assert str(usage["created"].dtype).endswith("UTC]")
    assert usage["created"].iloc[0] == pd.Timestamp("2025-07-01 09:00:00", tz="UTC")
    assert usage["created"].isna().tolist() == [False, True]


def test_timestamps_from_iso_text_and_other_zones():
    frame = pd.DataFrame(
        {
            "model": ["gpt-4o", "gpt-4o"],
            "prompt_tokens": [1, 2],
            "completion_tokens": [1, 1],
            "ts": ["2026-07-01T09:00:00Z", "2026-07-01T11:30:00+02:00"],
        }
    )
    usage = ahf.read_usage(frame, timestamp="ts")
    assert usage["ts"].tolist() == [
        pd.Timestamp("2026-07-01 09:00", tz="UTC"),
        pd.Timestamp("2026-07-01 09:30", tz="UTC"),
    ]
    with pytest.raises(ValueError, match=r"'when'.*timestamp="):
        ahf.read_usage(frame, timestamp="when")
    with pytest.raises(ValueError, match="cannot be read as timestamps"):
        ahf.read_usage(frame.assign(ts=["yesterday", "today"]), timestamp="ts")


def test_gemini_model_version_and_explicit_model_key():
    usage = ahf.read_usage([GEMINI, CHAT])
    assert usage["model_id"].tolist() == ["gemini-2.5-flash", "o3-mini"]
    assert "modelVersion" not in usage
    usage = ahf.read_usage([GEMINI], model="responseId")
    assert usage["model_id"].tolist() == [GEMINI["responseId"]] and "modelVersion" in usage


# --- priced, and the README ------------------------------------------------------------------------------


def test_priced_with_each_convention_matches_the_readme_worked_example():
    """claude-opus-4-6: 1,000 uncached + 2,000 read + 4,000 written + 100 output = $0.0335."""
    catalog = ahf.load_snapshot()
    usage = ahf.read_usage([ANTHROPIC, CHAT | {"model": "gpt-4o"}])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PriceWarning)
        costed = pd.concat(
            [
                ahf.estimate_cost(catalog, part, input_includes_cache=bool(flag))
                for flag, part in usage.groupby("input_includes_cache")
            ]
        ).sort_index()
    assert costed["total_cost_usd"].iloc[0] == pytest.approx(0.0335)
    # gpt-4o (2.5 / 10, cache read 1.25): (952 x 2.5 + 2,048 x 1.25 + 1,500 x 10) / 1M
    assert costed["total_cost_usd"].iloc[1] == pytest.approx((952 * 2.5 + 2048 * 1.25 + 1500 * 10) / 1e6)


def test_readme_usage_section_runs_and_prints_what_it_shows(tmp_path, monkeypatch, capsys):
    """The README's example runs as written and prints exactly its ```text block."""
    section = (ROOT / "docs" / "howto" / "request-logs.md").read_text(encoding="utf-8")  # was the README's
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    (shown,) = re.findall(r"```text\n(.*?)```", section, flags=re.S)
    monkeypatch.chdir(tmp_path)  # the example writes its small log file here
    exec(compile(code, "docs/howto/request-logs.md", "exec"), {})
    assert capsys.readouterr().out.rstrip() == shown.rstrip()
    for flavour in ("openai_chat", "openai_responses", "anthropic", "gemini"):
        assert f"`{flavour}`" in section
