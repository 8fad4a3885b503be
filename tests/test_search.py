"""df.aihub.search: ranked fuzzy search over model_id, model_name and desc."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import aihubmix_frame as ahf
from aihubmix_frame.search import search_scores

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ahf.load_snapshot()
IDS = SNAPSHOT["model_id"].tolist()


def ids_matching(pattern: str) -> list[str]:
    return [i for i in IDS if re.search(pattern, i, re.IGNORECASE)]


def test_gpt5_finds_gpt_5_first():
    hits = SNAPSHOT.aihub.search("gpt5")
    assert hits["model_id"].iloc[0] == "gpt-5"
    assert hits["score"].iloc[0] == 100
    assert hits["model_id"].str.lower().str.startswith("gpt-5").all()


def test_typo_sonet_finds_every_sonnet_before_anything_else():
    sonnets = ids_matching("sonnet")
    assert len(sonnets) >= 5
    hits = SNAPSHOT.aihub.search("sonet", limit=None)
    assert set(sonnets) <= set(hits["model_id"])
    assert set(hits["model_id"].iloc[: len(sonnets)]) == set(sonnets)


@pytest.mark.parametrize("text", ["claude opus", "Claude-Opus", "opus claude", "claude_opus"])
def test_words_and_separators_do_not_matter(text):
    family = ids_matching(r"^claude-opus-")
    hits = SNAPSHOT.aihub.search(text, limit=len(family))
    assert set(hits["model_id"]) == set(family)


@pytest.mark.parametrize(
    "text, first",
    [
        ("deepsek r1", "DeepSeek-R1"),
        ("GPT-4o", "gpt-4o"),
        ("embeding 3", "embedding-3"),
        ("wizard coder", "WizardLM/WizardCoder-Python-34B-V1.0"),
        ("llama3 8b 8192 (33)", "llama3-8b-8192(33)"),
    ],
)
def test_typos_and_special_characters(text, first):
    assert SNAPSHOT.aihub.search(text)["model_id"].iloc[0] == first


def test_ids_that_differ_only_in_separators_tie_in_server_order():
    hits = SNAPSHOT.aihub.search("claude-3-haiku@20240307", limit=2)
    assert hits["model_id"].tolist() == [i for i in IDS if i.startswith("claude-3-haiku") and i.endswith("20240307")]
    assert hits["score"].tolist() == [100.0, 100.0]


def test_model_name_and_description_are_searched():
    named = SNAPSHOT[SNAPSHOT["model_name"] == "Kimi For Coding (free)"]
    assert SNAPSHOT.aihub.search("Kimi For Coding (free)", limit=1)["model_id"].iloc[0] == named["model_id"].iloc[0]
    # A word found only in descriptions still finds models, ranked under id/name matches.
    only_desc = SNAPSHOT.aihub.search("multilingual", limit=None)
    assert len(only_desc) > 0
    assert only_desc["desc"].str.contains("multilingual", case=False).all()
    assert (only_desc["score"] <= 70).all()


def test_rows_are_catalog_rows_plus_score_best_first_ties_in_server_order():
    hits = SNAPSHOT.aihub.search("qwen coder", limit=None)
    assert list(hits.columns) == [*SNAPSHOT.columns, "score"]
    assert hits.drop(columns="score").dtypes.equals(SNAPSHOT.dtypes)
    assert str(hits["score"].dtype) == "Float64"
    assert hits["score"].is_monotonic_decreasing
    for _, tied in hits.groupby("score", sort=False):
        assert tied.index.is_monotonic_increasing
    pd.testing.assert_frame_equal(hits.drop(columns="score"), SNAPSHOT.loc[hits.index])


def test_scores_match_the_scoring_function():
    scores = search_scores(SNAPSHOT, "gemini flash")
    hits = SNAPSHOT.aihub.search("gemini flash", limit=None)
    expected = np.sort(scores[scores >= 60])[::-1]
    assert hits["score"].to_numpy(dtype=float).tolist() == expected.tolist()


def test_limit_and_min_score():
    assert len(SNAPSHOT.aihub.search("gpt", limit=3)) == 3
    everything = SNAPSHOT.aihub.search("gpt", limit=None, min_score=0)
    assert len(everything) == len(SNAPSHOT)
    strict = SNAPSHOT.aihub.search("gpt", limit=None, min_score=95)
    assert (strict["score"] >= 95).all() and len(strict) < len(everything)


def test_nonsense_finds_nothing_and_keeps_the_schema():
    hits = SNAPSHOT.aihub.search("xyzzy plugh")
    assert len(hits) == 0
    assert list(hits.columns) == [*SNAPSHOT.columns, "score"]


def test_empty_frame_searches_to_empty():
    empty = SNAPSHOT.aihub.filter(model="no-such-model")
    assert len(empty.aihub.search("gpt")) == 0


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "--", "(@)"])
def test_blank_text_is_an_error(text):
    with pytest.raises(ValueError, match="nothing to search for"):
        SNAPSHOT.aihub.search(text)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(text=None), TypeError),
        (dict(text=5), TypeError),
        (dict(text="gpt", limit=0), ValueError),
        (dict(text="gpt", limit=-1), ValueError),
        (dict(text="gpt", limit=True), TypeError),
        (dict(text="gpt", limit=2.5), TypeError),
        (dict(text="gpt", min_score=101), ValueError),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        SNAPSHOT.aihub.search(**kwargs)


def test_search_never_mutates_its_input():
    frame = ahf.load_snapshot()
    before = frame.copy(deep=True)
    frame.aihub.search("claude")
    pd.testing.assert_frame_equal(frame, before)
    assert "score" not in frame.columns


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(IDS), st.sampled_from([str.upper, str.lower, lambda s: s.replace("-", " ")]))
def test_every_exact_id_is_found_first_or_tied_first(model_id, transform):
    hits = SNAPSHOT.aihub.search(transform(model_id), limit=None)
    assert model_id in set(hits["model_id"])
    assert hits.loc[hits["model_id"] == model_id, "score"].iloc[0] == hits["score"].iloc[0]


def test_rapidfuzz_is_imported_only_when_searching():
    code = (
        "import sys, aihubmix_frame as ahf; df = ahf.load_snapshot(); "
        "df.aihub.filter(type='llm'); assert 'rapidfuzz' not in sys.modules; "
        "df.aihub.search('gpt'); assert 'rapidfuzz' in sys.modules; print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


# --- CLI ------------------------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "aihubmix_frame", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_cli_search_table():
    done = run_cli("search", "gpt5", "--limit", "3")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split()[:2] == ["score", "model_id"]
    assert lines[1].split()[:2] == ["100.0", "gpt-5"]
    assert len(lines) == 4
    assert "3 best matches for 'gpt5'" in done.stderr


def test_cli_search_json_with_filters_matches_the_api():
    done = run_cli("search", "sonet", "--features", "thinking", "--limit", "4", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    expected = SNAPSHOT.aihub.filter(features="thinking").aihub.search("sonet", limit=4)
    assert [r["model_id"] for r in rows] == expected["model_id"].tolist()
    assert [r["score"] for r in rows] == expected["score"].tolist()


@pytest.mark.parametrize(
    "args, message",
    [(["search", "  "], "nothing to search for"), (["search", "gpt", "--limit", "0"], "limit must be")],
)
def test_cli_search_errors_are_clear(args, message):
    done = run_cli(*args)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
