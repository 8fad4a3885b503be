"""Issue 19, items 9 and 10: an unbounded search and unchecked numbers on the command line.

A 20,000-character search took 31.6 s (fuzzy scoring grows with the query): it is now refused with
a clear message, in Python, in the picker's search box and on the command line. Out-of-range
numbers on the command line exit 2 with one line; ``history --record`` says by its exit status
whether it recorded anything. No timing is asserted (``benchmarks/reliability_sec.py`` times it)."""

from __future__ import annotations

import pytest

import aihubmix_frame as ahf
from aihubmix_frame.cli import main
from aihubmix_frame.cli.files import RECORD_FAILED, RECORD_UNCHANGED
from aihubmix_frame.search import MAX_QUERY_CHARS, search_catalog

LONG = ("claude opus sonnet gpt " * 1000)[:20_000]


def run(capsys, *args: str) -> tuple[int, list[str]]:
    """Exit status and standard-error lines of one in-process CLI run."""
    capsys.readouterr()
    try:
        status = main(list(args))
    except SystemExit as exc:  # argparse's own usage errors
        status = exc.code
    return status, [line for line in capsys.readouterr().err.splitlines() if line.strip()]


# --- item 9: the search is bounded -----------------------------------------------------------------------


@pytest.mark.parametrize("length", [MAX_QUERY_CHARS + 1, 20_000, 100_000])
def test_a_long_search_is_refused_with_a_clear_message(snapshot, length):
    text = (LONG * 5)[:length]
    with pytest.raises(ValueError, match=rf"a search of {length:,} characters is too long: the limit is 200"):
        search_catalog(snapshot, text)
    with pytest.raises(ValueError, match="too long"):
        snapshot.aihub.search(text)


def test_a_search_at_the_limit_still_answers(snapshot):
    text = ("claude opus " * 40)[:MAX_QUERY_CHARS]
    hits = search_catalog(snapshot, text, limit=3)
    assert len(hits) <= 3 and "score" in hits.columns
    padded = search_catalog(snapshot, "gpt5" + " " * 20_000, limit=1)  # spaces around a query are not its length
    assert padded["model_id"].tolist() == ["gpt-5"]


def test_the_pickers_search_box_refuses_it_in_the_widget(snapshot):
    picker = ahf.widgets.ModelPicker(snapshot, plot=False)
    picker.search.value = LONG
    assert "too long" in picker.summary.value and len(picker.result) == 0
    picker.search.value = "gpt5"
    assert picker.result["model_id"].iloc[0] == "gpt-5"


def test_the_cli_search_refuses_it_in_one_line(capsys):
    status, lines = run(capsys, "search", LONG, "--offline")
    assert status == 2 and len(lines) == 1 and "too long" in lines[0] and len(lines[0]) < 400


# --- item 10: numbers on the command line ------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, named",
    [
        (["models", "--offline", "--limit", "-5"], "--limit"),
        (["models", "--offline", "--limit", "0"], "--limit"),
        (["search", "gpt", "--offline", "--limit", "-1"], "--limit"),
        (["app", "--port", "99999"], "--port"),
        (["app", "--port", "0"], "--port"),
        (["app", "--port", "-1"], "--port"),
        (["serve", "--port", "70000"], "--port"),
        (["serve", "--max-age", "-5"], "--max-age"),
        (["models", "--offline", "--min-context", "-5"], "--min-context"),
        (["models", "--offline", "--min-output", "-1"], "--min-output"),
        (["models", "--offline", "--max-input-price", "-1"], "--max-input-price"),
        (["export", "x.csv", "--offline", "--max-output-price", "inf"], "--max-output-price"),
    ],
)
def test_out_of_range_numbers_exit_2_with_one_line(capsys, args, named):
    status, lines = run(capsys, *args)
    assert status == 2 and len(lines) == 1 and named in lines[0], lines


def test_negative_bounds_are_refused_in_python_too(snapshot):
    with pytest.raises(ValueError, match="min_context must be 0 or more"):
        snapshot.aihub.filter(min_context=-5)
    with pytest.raises(ValueError, match="max_input_price must be 0 or more"):
        ahf.CatalogQuery.parse(max_input_price=-0.5)


def test_a_valid_limit_still_limits(capsys):
    status, lines = run(capsys, "models", "--offline", "--limit", "5", "--format", "csv")
    assert status == 0 and "showing 5 of 804" in lines[-1]


def test_history_record_says_by_its_exit_status_what_it_recorded(capsys, tmp_path, server, monkeypatch):
    folder = str(tmp_path / "history")
    assert run(capsys, "history", folder, "--record", "--base-url", server.url)[0] == 0
    status, lines = run(capsys, "history", folder, "--record", "--base-url", server.url)
    assert status == RECORD_UNCHANGED == 3 and any("unchanged" in line for line in lines)
    server.down()  # the API cannot be reached, no cached copy: the bundled snapshot comes back, nothing recorded
    monkeypatch.setenv("AIHUBMIX_CACHE_DIR", str(tmp_path / "another-cache"))
    status, lines = run(capsys, "history", folder, "--record", "--base-url", server.url)
    assert status == RECORD_FAILED == 1 and any("error: the catalog came from the bundled snapshot" in x for x in lines)
    assert len(ahf.CatalogHistory(folder)) == 1


def test_history_record_offline_records_then_is_unchanged(capsys, tmp_path):
    folder = str(tmp_path / "history")
    assert run(capsys, "history", folder, "--record", "--offline")[0] == 0
    assert run(capsys, "history", folder, "--record", "--offline")[0] == RECORD_UNCHANGED
    assert run(capsys, "history", folder)[0] == 0  # showing the history is not recording
