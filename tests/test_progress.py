"""Progress on long work (issue 20): bars only where someone watches, never under CI, off with progress=False."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

import aihubmix_frame as ahf
from aihubmix_frame import progress
from aihubmix_frame.pricing import kernel
from aihubmix_frame.usage import source


def test_nobody_watches_under_ci_or_pytest(monkeypatch):
    assert progress.wanted(None) is False  # inside a pytest test
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    monkeypatch.setenv("CI", "true")
    assert progress.watching() is False
    assert progress.wanted(True) is True and progress.wanted(False) is False
    with pytest.raises(TypeError, match="progress must be"):
        progress.wanted("yes")


def test_a_long_pricing_run_shows_a_bar_only_when_asked(monkeypatch, capsys):
    monkeypatch.setattr(kernel, "PROGRESS_ROWS", 1)  # "long" from the first row, for the test
    n = 3 * kernel.BLOCK_ROWS
    log = pd.DataFrame({"model_id": ["gpt-4o"] * n, "input_tokens": np.full(n, 1_000), "output_tokens": np.full(n, 10)})
    catalog = ahf.load_snapshot()
    ahf.estimate_cost(catalog, log, progress=True)
    drawn = capsys.readouterr().err
    assert "pricing" in drawn and "3/3" in drawn
    ahf.estimate_cost(catalog, log, progress=False)
    ahf.estimate_cost(catalog, log)  # automatic: nobody watches a test
    assert capsys.readouterr().err == ""


def test_a_big_file_read_shows_a_bar_of_its_bytes(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(source, "PROGRESS_BYTES", 1)
    line = {"model": "gpt-4o", "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}}
    path = tmp_path / "log.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.writelines(json.dumps(line) + "\n" for _ in range(2_000))
    usage = ahf.read_usage(path, progress=True)
    assert len(usage) == 2_000 and usage["input_tokens"].sum() == 10_000
    assert "log.jsonl.gz" in capsys.readouterr().err
    ahf.read_usage(path)
    assert capsys.readouterr().err == ""


def test_a_dask_computation_shows_dasks_progress(capsys):
    dd = pytest.importorskip("dask.dataframe")
    import dask

    log = pd.DataFrame({"model_id": ["gpt-4o"] * 40, "input_tokens": [1_000] * 40, "output_tokens": [10] * 40})
    costed = ahf.estimate_cost(ahf.load_snapshot(), dd.from_pandas(log, npartitions=4))
    with dask.config.set(scheduler="synchronous"):
        ahf.summarize_cost(costed, progress=True)
        assert "Completed" in capsys.readouterr().out  # dask.diagnostics.ProgressBar
        ahf.summarize_cost(costed)
        assert "Completed" not in capsys.readouterr().out
