"""Issue 19, item 8: catalog text holding matplotlib mathtext never crashes a chart.

A model id, a type and a vendor like ``$\\evilcmd{x}$`` raised ``ParseFatalException`` from every
price map; in the app the picker's plot pane died in its background thread and the "market at a
glance" cell failed. Every chart that shows catalog text is drawn to PNG here, the widgets' plot
panes are read back, and the app notebook runs (nbclient) on a live catalog holding the id."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

import aihubmix_frame as ahf
from aihubmix_frame.plot.axes import plain_text

EVIL_ID = "$\\evilcmd{x}$"
EVIL_TYPE = "$\\eviltype{y}$"
EVIL_VENDOR = "$\\evilvendor{z}$ $x^$"
#: Documented record shape; the cheapest model of the catalog, so that every map labels it.
EVIL_RECORD = {
    "model_id": EVIL_ID,
    "model_name": "$\\evilname$",
    "desc": "costs $1 or $2",
    "types": f"{EVIL_TYPE},llm",
    "features": "thinking",
    "input_modalities": "text",
    "context_length": 8000,
    "max_output": 4000,
    "pricing": {"input": 0.01, "output": 0.02},
    "vendor": EVIL_VENDOR,
}
ROOT = Path(__file__).resolve().parents[1]


def evil_payload(snapshot_payload, size=None):
    data = snapshot_payload["data"][:size] if size else snapshot_payload["data"]
    return {**snapshot_payload, "data": [*data, dict(EVIL_RECORD)]}


@pytest.fixture
def evil_small(snapshot_payload):
    """20 models and the evil one: few enough categories that the evil type and vendor get a legend entry."""
    return ahf.catalog_to_frame(evil_payload(snapshot_payload, 20))


def png_of(ax) -> bytes:
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png")  # drawing is where mathtext used to raise
    ahf.plot.pyplot().close(ax.figure)
    return buffer.getvalue()


def shown_texts(ax) -> list[str]:
    texts = [t.get_text() for t in ax.texts]
    texts += [t.get_text() for t in ax.get_yticklabels()]
    for legend in [*ax.artists, ax.get_legend()]:
        if legend is not None and hasattr(legend, "get_texts"):
            texts += [t.get_text() for t in legend.get_texts()]
    return texts


def test_plain_text_is_drawn_as_written():
    from matplotlib.figure import Figure

    figure = Figure()
    text = figure.text(0, 0, plain_text(EVIL_ID))
    figure.canvas.draw()
    assert not text._preprocess_math(text.get_text())[1]  # not math
    assert text._preprocess_math(text.get_text())[0] == EVIL_ID  # shown exactly as the id reads


@pytest.mark.parametrize("color_by", ["type", "vendor"])
def test_price_map_draws_the_mathtext_id_as_text(evil_small, color_by):
    ax = evil_small.aihub.plot.price_map(color_by=color_by, label_cheapest=3)
    assert png_of(ax).startswith(b"\x89PNG")
    texts = shown_texts(ax)
    assert plain_text(EVIL_ID) in texts  # labelled (it is the cheapest)
    assert plain_text(EVIL_TYPE if color_by == "type" else EVIL_VENDOR) in texts  # in the legend


def test_the_full_catalog_price_map_survives_the_id(snapshot_payload):
    frame = ahf.catalog_to_frame(evil_payload(snapshot_payload))
    assert png_of(ahf.plot.price_map(frame, label_cheapest=8)).startswith(b"\x89PNG")


def test_context_map_cost_bars_and_feature_matrix_survive_it(evil_small):
    assert png_of(evil_small.aihub.plot.context_map(color_by="vendor"))
    costs = evil_small.aihub.cheapest(5, input_tokens=1_000, output_tokens=100)
    assert EVIL_ID in costs["model_id"].tolist()
    ax = ahf.plot.cost_bars(costs)
    assert plain_text(EVIL_ID) in shown_texts(ax) and png_of(ax)
    ax = evil_small.aihub.plot.feature_matrix()
    assert plain_text(EVIL_ID) in shown_texts(ax) and png_of(ax)


def test_price_history_survives_it(evil_small, tmp_path):
    history = ahf.CatalogHistory(tmp_path / "history")
    first = evil_small.copy()
    first.attrs["aihubmix"].update(source="network", fetched_at="2026-11-01T00:00:00Z")
    history.record(first)
    second = first.copy()
    second.loc[second["model_id"] == EVIL_ID, "input_usd_per_1m"] = 0.0003
    second.attrs["aihubmix"]["fetched_at"] = "2026-11-20T00:00:00Z"
    history.record(second)
    ax = ahf.plot.price_history(history, [EVIL_ID])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert plain_text(EVIL_ID) in legend and png_of(ax)


@pytest.mark.parametrize("delay", [None, 0.01])
def test_the_pickers_plot_pane_draws_it(evil_small, delay):
    picker = ahf.widgets.ModelPicker(evil_small, plot_delay=delay)
    assert picker.wait_for_plot(60)
    assert bytes(picker.plot.value).startswith(b"\x89PNG") and picker.plot_figure is not None
    assert EVIL_ID in picker.plotted["model_id"].tolist()
    labels = [t.get_text() for t in picker.plot_figure.axes[0].texts]
    assert plain_text(EVIL_ID) in labels


def test_the_cost_explorers_plot_pane_draws_it(evil_small):
    explorer = ahf.widgets.CostExplorer(evil_small, plot_delay=None)
    assert bytes(explorer.plot.value).startswith(b"\x89PNG")


def test_a_plot_pane_that_cannot_draw_says_so_instead_of_dying(evil_small):
    import ipywidgets

    from aihubmix_frame.widgets.plotpane import PlotPane

    def broken(frame, ax):
        raise RuntimeError("a chart bug")

    pane = PlotPane(ipywidgets.Image(format="png"), broken, delay=0.01)
    pane.update(evil_small)
    assert pane.wait(60)  # drawn (the failure notice), not a dead timer thread
    assert bytes(pane.image.value).startswith(b"\x89PNG") and pane.figure is None


@pytest.mark.slow
def test_the_app_notebook_runs_on_a_catalog_holding_the_id(snapshot_payload, tmp_path, monkeypatch):
    """The app as Voilà runs it (nbclient, a real kernel) on the live catalog of a CatalogServer."""
    import nbformat
    from nbclient import NotebookClient

    from aihubmix_frame.apps import CATALOG_ENV, app_notebook
    from aihubmix_frame.testing import CatalogServer

    with CatalogServer(evil_payload(snapshot_payload)) as server:
        monkeypatch.setenv(CATALOG_ENV, "live")
        monkeypatch.setenv("AIHUBMIX_BASE_URL", server.url)
        monkeypatch.setenv("AIHUBMIX_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("MPLBACKEND", os.environ.get("MPLBACKEND", "Agg"))
        notebook = nbformat.read(app_notebook(), as_version=4)
        NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()  # raises CellExecutionError when a cell fails
        assert server.count("/api/v1/models", status=200) == 1  # the kernel loaded the served catalog
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    errors = [o for o in outputs if o.get("output_type") == "error" or o.get("name") == "stderr"]
    assert not errors, json.dumps(errors)[:2000]
    last = notebook.cells[-1]
    assert any("image/png" in o.get("data", {}) for o in last.outputs), "the market map was not drawn"
    assert "805 models" in json.dumps([o.get("data", {}) for o in outputs])
