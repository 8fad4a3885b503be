"""The notebooks as stored (no outputs, no test scaffolding) and notebook 01 as a person sees it run.

Every notebook also runs under nbmake (``--nbmake`` in pyproject's addopts); this file checks what
nbmake does not: what the files hold, and that notebook 01 draws charts and shows live widgets.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _code_cells(path: Path) -> list[dict]:
    return [cell for cell in json.loads(path.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code"]


def _python(source: str) -> str:
    """A cell's source without IPython magics (``%matplotlib inline``), ready for ``ast``."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def test_the_tutorials_are_all_there():
    names = {path.name for path in NOTEBOOKS}
    assert {
        "01_explore_catalog.ipynb",
        "02_live_catalog.ipynb",
        "03_history_and_diffs.ipynb",
        "04_workload_costs.ipynb",
        "app.ipynb",
    } <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path):
    dirty = [i for i, cell in enumerate(_code_cells(path)) if cell.get("outputs") or cell.get("execution_count")]
    assert not dirty, f"{path.name}: code cells {dirty} carry outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_bare_asserts_and_no_headless_backend(path):
    """A tutorial shows and explains; it does not assert. Charts show inline, so no Agg backend."""
    for cell in _code_cells(path):
        source = "".join(cell["source"])
        tree = ast.parse(_python(source))
        asserts = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Assert)]
        assert not asserts, f"{path.name}: an assert statement in\n{source}"
        assert "matplotlib.use(" not in source, f"{path.name}: charts must show inline:\n{source}"


def test_the_checks_can_fail(tmp_path):
    bad = {
        "cells": [
            {
                "cell_type": "code",
                "source": "%matplotlib inline\nassert 1 == 1",
                "outputs": [{}],
                "execution_count": 1,
                "metadata": {},
            }
        ]
    }
    path = tmp_path / "bad.ipynb"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(AssertionError):
        test_stored_without_outputs(path)
    with pytest.raises(AssertionError):
        test_no_bare_asserts_and_no_headless_backend(path)


def test_the_app_notebook_is_the_one_the_package_ships():
    from aihubmix_frame.apps import app_notebook

    shipped = app_notebook().read_bytes()
    assert shipped == (ROOT / "notebooks" / "app.ipynb").read_bytes(), (
        "notebooks/app.ipynb and aihubmix_frame/apps/app.ipynb differ: copy one onto the other"
    )


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
def test_notebook_01_draws_charts_and_shows_widgets(tmp_path):
    """Run notebook 01 as Jupyter would (nbclient, a real kernel) and look at what it displays."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(ROOT / "notebooks" / "01_explore_catalog.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    mimes = [
        mime
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        for mime in output.get("data", {})
    ]
    assert mimes.count("image/png") >= 1, f"no chart among the outputs: {sorted(set(mimes))}"
    assert mimes.count(WIDGET_VIEW) >= 1, f"no widget view among the outputs: {sorted(set(mimes))}"
