"""Plots: each drawn to PNG, and the data read back from the Axes equals the frame's or the cost table's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

import aihubmix_frame as ahf
from aihubmix_frame.placeholders import free_price_mask, placeholder_price_mask


@pytest.fixture(autouse=True)
def close_figures():
    yield
    ahf.plot.pyplot().close("all")


def _saved(ax, tmp_path, name):
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


def _points(ax, kind=None):
    """Offsets of the model scatters (gid models:<kind>:<category>), sorted."""
    found = [
        c.get_offsets()
        for c in ax.collections
        if (c.get_gid() or "").startswith("models:" + (f"{kind}:" if kind else ""))
    ]
    return np.array(sorted(map(tuple, np.concatenate(found)))) if found else np.empty((0, 2))


@pytest.mark.slow  # over 5 s: the full run (.ci/run) has it, the quick default run does not
def test_price_map_draws_every_priced_model_where_its_prices_are(snapshot, tmp_path):
    ax = snapshot.aihub.plot.price_map(label_cheapest=4)
    _saved(ax, tmp_path, "price_map")
    inputs = snapshot["input_usd_per_1m"].to_numpy(dtype=float, na_value=np.nan)
    outputs = snapshot["output_usd_per_1m"].to_numpy(dtype=float, na_value=np.nan)
    priced = ~np.isnan(inputs) & ~np.isnan(outputs)
    floor = ax.lines[0].get_xdata()[0]  # the dashed floor line: zero prices sit on it
    assert floor < inputs[inputs > 0].min()
    expected = np.column_stack([np.where(inputs == 0, floor, inputs), np.where(outputs == 0, floor, outputs)])[priced]
    assert np.allclose(_points(ax), np.array(sorted(map(tuple, expected))))
    # Placeholder and free models are their own collections, x and hollow.
    assert len(_points(ax, "placeholder")) == int((placeholder_price_mask(snapshot) & priced).sum()) > 0
    assert len(_points(ax, "free")) == int((free_price_mask(snapshot) & priced).sum()) > 0
    legend_texts = [
        t.get_text() for legend in [ax.get_legend(), *ax.artists] if legend is not None for t in legend.get_texts()
    ]
    assert any("placeholder" in t for t in legend_texts) and any("free" in t for t in legend_texts)
    assert any("price 0" in t for t in legend_texts)
    assert "USD per 1M tokens" in ax.get_xlabel() and "USD per 1M tokens" in ax.get_ylabel()
    assert ax.get_xscale() == "log" == ax.get_yscale()


def test_price_map_labels_the_cheapest_paid_models(snapshot):
    llm = snapshot.aihub.filter(type="llm", include_free=False)
    ax = llm.aihub.plot.price_map(label_cheapest=3, color_by="vendor")
    labels = [line for t in ax.texts for line in t.get_text().split("\n")]
    paid = llm[~placeholder_price_mask(llm)]
    total = paid["input_usd_per_1m"] + paid["output_usd_per_1m"]
    cheapest = paid.loc[total.sort_values(kind="stable").index[:3], "model_id"].tolist()
    assert labels == cheapest
    # Every label lies inside the axes.
    renderer = ax.figure.canvas.get_renderer()
    box = ax.get_window_extent(renderer)
    for text in ax.texts:
        inner = text.get_window_extent(renderer)
        assert box.x0 - 1 <= inner.x0 and inner.x1 <= box.x1 + 1


def test_context_map_plots_price_against_context(snapshot, tmp_path):
    ax = snapshot.aihub.plot.context_map(price="output")
    _saved(ax, tmp_path, "context_map")
    known = snapshot[snapshot["context_length"].notna() & snapshot["output_usd_per_1m"].notna()]
    points = _points(ax)
    assert len(points) == len(known)
    assert sorted(points[:, 0]) == sorted(known["context_length"].astype(float))
    assert "tokens" in ax.get_xlabel() and "USD per 1M tokens" in ax.get_ylabel()
    with pytest.raises(ValueError, match="price must be one of"):
        snapshot.aihub.plot.context_map(price="tokens")


def _bars(ax):
    widths = {
        part: [p.get_width() for p in ax.patches if p.get_gid() == f"cost:{part}"]
        for part in ("input", "cache", "output")
    }
    return {k: np.array(v) for k, v in widths.items()}


def test_cost_bars_stack_input_cache_and_output_of_cheapest(snapshot, tmp_path):
    costs = snapshot.aihub.cheapest(8, 20_000, 1_000, 10_000, type="llm", include_free=False)
    ax = ahf.plot.cost_bars(costs)
    _saved(ax, tmp_path, "cost_bars")
    bars = _bars(ax)
    assert np.allclose(bars["input"], costs["input_cost_usd"].to_numpy(dtype=float))
    assert np.allclose(
        bars["cache"], (costs["cache_read_cost_usd"] + costs["cache_write_cost_usd"]).to_numpy(dtype=float)
    )
    assert np.allclose(bars["output"], costs["output_cost_usd"].to_numpy(dtype=float))
    assert np.allclose(bars["input"] + bars["cache"] + bars["output"], costs["total_cost_usd"].to_numpy(dtype=float))
    assert [t.get_text() for t in ax.get_yticklabels()] == costs["model_id"].tolist()
    assert ax.get_xlabel() == "cost (USD)"


def test_cost_bars_take_the_cost_table_and_the_accessor_form(snapshot):
    costs = snapshot.aihub.cost(input_tokens=2_000, output_tokens=500)
    ax = snapshot.aihub.plot.cost_bars(costs, top=5)
    cheapest = costs.dropna(subset=["total_cost_usd"]).sort_values("total_cost_usd", kind="stable").head(5)
    assert [t.get_text() for t in ax.get_yticklabels()] == cheapest["model_id"].tolist()
    ax = snapshot.aihub.plot.cost_bars(top=4, input_tokens=2_000, output_tokens=500, type="llm")
    assert len(ax.get_yticklabels()) == 4


def test_cost_bars_sum_a_costed_log_and_a_summary_per_model(snapshot):
    log = pd.DataFrame(
        {
            "model_id": ["gpt-4o", "gpt-5", "gpt-4o", "no-such-model"],
            "timestamp": pd.to_datetime(["2026-07-01", "2026-07-01", "2026-07-02", "2026-07-02"]),
            "input_tokens": [10_000, 20_000, 30_000, 5],
            "output_tokens": [1_000, 2_000, 3_000, 5],
            "cache_read_tokens": [5_000, 0, 10_000, 0],
        }
    )
    with pytest.warns(ahf.UnknownModelWarning):
        costed = ahf.estimate_cost(snapshot, log, cache_read_tokens="cache_read_tokens")
    by_model = (
        costed.dropna(subset=["total_cost_usd"])
        .groupby("model_id")[["input_cost_usd", "cache_read_cost_usd", "output_cost_usd", "total_cost_usd"]]
        .sum()
    )
    by_model = by_model.sort_values("total_cost_usd", ascending=False)  # logs: largest spend first
    for table in (costed, ahf.summarize_cost(costed, freq="D")):
        ax = ahf.plot.cost_bars(table)
        assert [t.get_text() for t in ax.get_yticklabels()] == by_model.index.tolist()
        bars = _bars(ax)
        assert np.allclose(bars["input"], by_model["input_cost_usd"].to_numpy(dtype=float))
        assert np.allclose(bars["cache"], by_model["cache_read_cost_usd"].to_numpy(dtype=float))
        assert "1 without a price left out" in ax.get_title() or table is not costed
    whole = ahf.plot.cost_bars(ahf.summarize_cost(costed, by=None, skipna=True))
    assert [t.get_text() for t in whole.get_yticklabels()] == ["all requests"]
    assert np.isclose(_bars(whole)["output"].sum(), by_model["output_cost_usd"].sum())


def test_cost_bars_refuse_what_is_not_a_cost_table(snapshot):
    with pytest.raises(ValueError, match="price it first"):
        ahf.plot.cost_bars(snapshot)
    with pytest.raises(ValueError, match="not a cost table: it lacks"):
        ahf.plot.cost_bars(pd.DataFrame({"model_id": ["a"], "total_cost_usd": [1.0]}))
    with pytest.raises(ValueError, match="got list"):
        ahf.plot.cost_bars([1, 2])
    with pytest.raises(ValueError, match="top must be"):
        ahf.plot.cost_bars(snapshot.aihub.cost(1_000, 100), top=0)


def test_price_history_draws_steps_of_each_model(snapshot, tmp_path):
    history = ahf.CatalogHistory(tmp_path / "history")
    history.record(snapshot)
    cheaper = snapshot.copy()
    cheaper.loc[cheaper["model_id"] == "gpt-4o", "input_usd_per_1m"] = 2.0
    cheaper.attrs["aihubmix"]["fetched_at"] = "2026-07-09T00:00:00+00:00"
    history.record(cheaper)
    later = cheaper.copy()
    later.loc[later["model_id"] == "gpt-5", "output_usd_per_1m"] = 8.0
    later.attrs["aihubmix"]["fetched_at"] = "2026-07-20T00:00:00+00:00"
    history.record(later)
    ax = ahf.plot.price_history(history, ["gpt-4o", "gpt-5"])
    _saved(ax, tmp_path, "history")
    lines = {line.get_gid(): line for line in ax.lines}
    assert list(lines) == ["history:gpt-4o", "history:gpt-5"]
    assert lines["history:gpt-4o"].get_drawstyle() == "steps-post"
    assert list(lines["history:gpt-4o"].get_ydata()) == [2.5, 2.0, 2.0]
    gpt5 = history.price_history("gpt-5")["output_usd_per_1m"].tolist()
    ax = snapshot.aihub.plot.price_history(history, "gpt-5", price="output")
    assert list(ax.lines[0].get_ydata()) == gpt5 == [10.0, 10.0, 8.0]
    assert "USD per 1M tokens" in ax.get_ylabel() and "UTC" in ax.get_xlabel()
    with pytest.raises(LookupError, match="GPT-4O"):
        ahf.plot.price_history(history, "GPT-4O")
    with pytest.raises(ValueError, match="CatalogHistory"):
        ahf.plot.price_history(snapshot, "gpt-4o")


def test_feature_matrix_shows_each_models_features_and_truncates(snapshot, tmp_path):
    claude = snapshot.aihub.filter(model="claude")
    ax = claude.aihub.plot.feature_matrix()
    _saved(ax, tmp_path, "features")
    drawn = np.asarray(ax.images[0].get_array())
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert [t.get_text() for t in ax.get_yticklabels()] == claude["model_id"].tolist()
    assert np.array_equal(drawn[:, labels.index("thinking")].astype(bool), claude["has_thinking"].to_numpy(dtype=bool))
    assert np.array_equal(
        drawn[:, labels.index("in: image")].astype(bool), claude["accepts_image"].to_numpy(dtype=bool)
    )
    drawn_columns = np.asarray(ax.images[0].get_array()).astype(bool)
    assert drawn_columns.any(axis=0).all(), "no empty columns (issue 21)"
    assert "left out" in ax.get_xlabel()
    full = ahf.plot.feature_matrix(claude, hide_empty=False)
    assert len(full.get_xticklabels()) > len(labels)
    ax = snapshot.aihub.plot.feature_matrix(max_models=10)
    assert len(ax.get_yticklabels()) == 10 and "first 10 of 804" in ax.get_title()
    with pytest.raises(ValueError, match="max_models"):
        snapshot.aihub.plot.feature_matrix(max_models=0)
    with pytest.raises(ValueError, match="no models"):
        snapshot.iloc[:0].aihub.plot.feature_matrix()


def test_plots_draw_into_a_given_axes_and_refuse_bad_input(snapshot):
    plt = ahf.plot.pyplot()
    _, ax = plt.subplots()
    assert snapshot.aihub.plot.price_map(ax=ax, label_cheapest=0) is ax
    with pytest.raises(TypeError, match="matplotlib Axes"):
        snapshot.aihub.plot.price_map(ax="left")
    with pytest.raises(ValueError, match="color_by"):
        snapshot.aihub.plot.price_map(color_by="size")
    with pytest.raises(ValueError, match="label_cheapest"):
        snapshot.aihub.plot.price_map(label_cheapest=-1)
    with pytest.raises(ahf.NotACatalogError):
        ahf.plot.price_map(pd.DataFrame({"x": [1]}))


def test_price_map_rings_unit_slips_and_labels_without_overlap(snapshot: pd.DataFrame) -> None:
    """Issue 21: the implausible prices are marked, never labelled as the cheapest; labels never overlap."""
    ax = snapshot.aihub.plot.price_map(label_cheapest=12)
    texts = [t for t in ax.texts if t.get_text()]
    labelled = "\n".join(t.get_text() for t in texts)
    assert texts and "llama3-groq" not in labelled and "yi-vl-plus" not in labelled
    from matplotlib.legend import Legend

    legends = [a for a in [*ax.get_children(), *ax.figure.legends] if isinstance(a, Legend)]
    assert any("implausible" in t.get_text() for legend in legends for t in legend.get_texts())
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert not first.overlaps(second)
    ahf.plot.pyplot().close("all")
